import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@energy/lib/logger';
import request from 'supertest';
import { buildApp } from '../app.js';
import { AccessTokens } from '../auth/access-tokens.js';
import { LoginThrottle, type ThrottleLimits } from '../auth/login-throttle.js';
import type { AppDeps } from '../deps.js';
import { createMetrics } from '../metrics.js';
import { VmClient } from '../vm/vm-client.js';
import { VmSeriesReader } from '../vm/vm-series-reader.js';
import { SqliteStore } from '../store/sqlite/index.js';

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-0123456789';

/** Deps on a fresh SQLite file; the VM URL points at a real VictoriaMetrics when a test needs one. */
export function testDeps(
  opts: { vmUrl?: string; throttle?: Partial<ThrottleLimits>; portal?: AppDeps['portal'] } = {},
): AppDeps {
  const dir = mkdtempSync(join(tmpdir(), 'api-test-'));
  const vm = new VmClient(opts.vmUrl ?? 'http://127.0.0.1:9');
  return {
    store: new SqliteStore(join(dir, 'accounts.sqlite')),
    tokens: new AccessTokens(TEST_JWT_SECRET),
    throttle: new LoginThrottle({
      perPair: 5,
      perAccount: 50,
      perAddress: 1000,
      windowSeconds: 300,
      ...opts.throttle,
    }),
    vm,
    series: new VmSeriesReader(vm),
    metrics: createMetrics(),
    logger: createLogger('api-test', 'silent'),
    brokerPublicUrl: 'amqp://127.0.0.1:5672',
    portal: opts.portal,
  };
}

export interface Account {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly householdId: string;
  readonly userId: string;
  readonly email: string;
  readonly password: string;
}

let n = 0;
export async function register(
  app: ReturnType<typeof buildApp>,
  extra: Record<string, unknown> = {},
): Promise<Account> {
  const email = `user${process.pid}-${++n}-${Date.now()}@example.com`;
  const password = 'a fine long passphrase';
  const res = await request(app.callback())
    .post('/api/v1/auth/register')
    .send({ email, password, householdName: 'Home', ...extra })
    .expect(201);
  const b = res.body as {
    accessToken: string;
    refreshToken: string;
    household: { id: string };
    user: { id: string };
  };
  return {
    accessToken: b.accessToken,
    refreshToken: b.refreshToken,
    householdId: b.household.id,
    userId: b.user.id,
    email,
    password,
  };
}
