/**
 * The API as it runs in production, in processes of its own: the accounts of
 * N households seeded by the demo's seed module into a SQLite state dir (kept
 * under /tmp between runs: the seed hashes a password per owner), every
 * owner given the bench's password and a fresh household API token named as
 * the one Grafana's datasource holds, then `api/src/main.ts` started once per
 * BENCH_API_PROCESSES on ports of its own, sharing the state dir (and so the
 * JWT secret: a token from one is good at every one).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_EMAIL, householdId, seed } from '@energy/api/fleet-seed';
import { openStore } from '@energy/api/store/open-store';
import { hashPassword } from '@energy/api/auth/passwords';
import { newId, newSecret, sha256 } from '@energy/api/auth/secrets';
import { API_TOKEN_PREFIX } from '@energy/api/core/accounts/api-tokens';
import { GRAFANA_TOKEN_NAME } from '@energy/api/core/households/grafana-provisioning';
import { startProcess, freePort, type SupervisedProcess } from '@energy/lib/services/index';
import type { BenchHousehold } from './fleet-data.js';

/** The checkout the API runs from: this one, or BENCH_API_ROOT (a worktree of the commit to measure). */
export const API_ROOT = process.env.BENCH_API_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));

/** The commit the API runs from, `+dirty` when api/ or lib/ have changes not committed. */
export function apiRevision(): string {
  const git = (args: string[]) => execFileSync('git', ['-C', API_ROOT, ...args], { encoding: 'utf8' }).trim();
  const dirty = git(['status', '--porcelain', '--', 'api', 'lib']) !== '';
  return `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? '+dirty' : ''}`;
}
export const BENCH_PASSWORD = 'bench-password-1';

export interface SeededHousehold extends BenchHousehold {
  readonly email: string;
  /** What Grafana's datasource would hold for this household. */
  readonly grafanaToken: string;
}

export async function seedAccounts(stateDir: string, households: number): Promise<SeededHousehold[]> {
  const store = await openStore({ stateDir });
  try {
    const manifest = await seed(store, { stateDir, demoPassword: BENCH_PASSWORD, households });
    const hash = await hashPassword(BENCH_PASSWORD);
    const out: SeededHousehold[] = [];
    for (let i = 1; i <= households; i++) {
      const id = householdId(i);
      const m = manifest.households[i - 1];
      const device = m?.devices[0]?.deviceId;
      if (!m || m.householdId !== id || !device) throw new Error(`seed: no household ${id}`);
      const email = i === 1 ? DEMO_EMAIL : `owner-${id}@example.com`;
      const user = await store.userByEmail(email);
      if (!user) throw new Error(`seed: no owner ${email}`);
      await store.setPasswordHash(user.id, hash);
      // One Grafana token at a time, as provisioning keeps it.
      for (const t of await store.apiTokens(id)) {
        if (t.name === GRAFANA_TOKEN_NAME) await store.deleteApiToken(id, t.id);
      }
      const grafanaToken = newSecret(API_TOKEN_PREFIX);
      await store.createApiToken({
        id: newId(),
        householdId: id,
        name: GRAFANA_TOKEN_NAME,
        tokenHash: sha256(grafanaToken),
        createdAt: new Date(),
      });
      out.push({ id, timeZone: m.timeZone, device, email, grafanaToken });
    }
    return out;
  } finally {
    await store.close();
  }
}

/**
 * The API refuses to start without its portal bundle (a build artifact);
 * a fresh worktree has none: build it from source as `npm run build:portal`
 * would, once.
 */
function ensurePortalBuilt(): void {
  const builder = join(API_ROOT, 'api/src/portal/build-portal.ts');
  if (!existsSync(builder) || existsSync(join(API_ROOT, 'api/dist/portal-www/index.html'))) return;
  execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', builder], {
    cwd: API_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export interface ApiProcess {
  readonly url: string;
  readonly process: SupervisedProcess;
}

export async function startApi(
  index: number,
  o: { stateDir: string; vmUrl: string; logDir: string },
): Promise<ApiProcess> {
  ensurePortalBuilt();
  const port = await freePort();
  const internalPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: `api-${index}`,
    command: process.execPath,
    args: [
      // BENCH_API_PROFILE=1: a V8 CPU profile per process, written to the log dir when it stops.
      ...(process.env.BENCH_API_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${o.logDir}`] : []),
      '--conditions=source',
      '--import',
      'tsx',
      'api/src/main.ts',
    ],
    cwd: API_ROOT,
    env: {
      API_PORT: String(port),
      BROKER_AUTH_PORT: String(internalPort),
      BROKER_AUTH_SECRET: newSecret(),
      VM_URL: o.vmUrl,
      STATE_DIR: o.stateDir,
      // A hundred users log in from one address at the start: not a brute force.
      LOGIN_LIMIT_PER_ADDRESS: '100000',
      LOGIN_LIMIT_PER_ACCOUNT: '100000',
      LOGIN_LIMIT_PER_ACCOUNT_ADDRESS: '100000',
    },
    logFile: join(o.logDir, `api-${index}.log`),
    ports: [
      { port, envVar: 'API_PORT' },
      { port: internalPort, envVar: 'BROKER_AUTH_PORT' },
    ],
    health: { url: `${url}/readyz` },
    startTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  });
  return { url, process: proc };
}

/** Logs one user in; returns the access token. */
export async function login(apiUrl: string, email: string): Promise<string> {
  const res = await fetch(`${apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: BENCH_PASSWORD }),
  });
  const body = (await res.json()) as { accessToken?: string };
  if (!res.ok || !body.accessToken) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(body)}`);
  return body.accessToken;
}
