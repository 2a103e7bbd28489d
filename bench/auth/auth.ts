/**
 * bench:auth — login latency (argon2id at the OWASP cost dominates) and the
 * per-request cost of authenticating a Bearer token (passport-jwt verify,
 * then the account and membership lookups). Prints a table, and with --json
 * (or npm_config_json) one JSON line last.
 */
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import type { Context } from 'koa';
import { buildApp } from '@energy/api/app';
import { authFromJwt } from '@energy/api/auth/authenticate';
import { register, testDeps } from '@energy/api/test-support/test-deps';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 60);
const VERIFIES = Number(process.env.BENCH_VERIFIES ?? 20_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const deps = testDeps({ throttle: { perPair: 1e9, perAccount: 1e9, perAddress: 1e9 } });
const app = buildApp(deps);
const cb = app.callback();
const account = await register(app);

// Warm up argon2 and the JIT.
for (let i = 0; i < 3; i++)
  await request(cb)
    .post('/api/v1/auth/login')
    .send({ email: account.email, password: account.password })
    .expect(200);

const logins: number[] = [];
for (let i = 0; i < LOGINS; i++) {
  const t = process.hrtime.bigint();
  await request(cb)
    .post('/api/v1/auth/login')
    .send({ email: account.email, password: account.password })
    .expect(200);
  logins.push(Number(process.hrtime.bigint() - t) / 1e6);
}
logins.sort((a, b) => a - b);

const req = { headers: { authorization: `Bearer ${account.accessToken}` } } as unknown as IncomingMessage;
const ctx = {
  req,
  get: (h: string) => (h === 'authorization' ? `Bearer ${account.accessToken}` : ''),
} as unknown as Context;
for (let i = 0; i < 1000; i++) await authFromJwt(deps, ctx);
const t0 = process.hrtime.bigint();
for (let i = 0; i < VERIFIES; i++) {
  if (!(await authFromJwt(deps, ctx))) throw new Error('verification failed');
}
const verifyOverheadUs = Number(process.hrtime.bigint() - t0) / 1e3 / VERIFIES;

const result = {
  loginP50Ms: Math.round(percentile(logins, 50) * 100) / 100,
  loginP99Ms: Math.round(percentile(logins, 99) * 100) / 100,
  verifyOverheadUs: Math.round(verifyOverheadUs * 10) / 10,
};
console.log(
  'bench:auth  (argon2id m=19456 KiB t=2 p=1; HS256 JWT via passport-jwt + account lookup, SQLite)',
);
console.log(`  logins measured         ${LOGINS}`);
console.log(`  loginP50Ms              ${result.loginP50Ms}`);
console.log(`  loginP99Ms              ${result.loginP99Ms}`);
console.log(`  verifyOverheadUs        ${result.verifyOverheadUs}   (mean of ${VERIFIES})`);
if (process.argv.includes('--json') || process.env.npm_config_json) console.log(JSON.stringify(result));
await deps.store.close();
