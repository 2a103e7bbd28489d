/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- JSON answers */
// The start-up migration off the organisation-per-household layout, on the
// real API process (tsx main.ts) against the Grafana stand-in: households
// that were there before are queued once each at start, and a restart (or
// a second process) queues none of them again.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@energy/lib/services/ports';
import { startProcess, type SupervisedProcess } from '@energy/lib/services/index';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import { SqliteStore } from '../store/sqlite/index.js';
import { GrafanaStandin } from '../test-support/grafana-standin.js';

const root = new URL('../../../', import.meta.url).pathname;
const grafana = new GrafanaStandin();
const stateDir = mkdtempSync(join(tmpdir(), 'grafana-migration-state-'));
const logDir = mkdtempSync(join(tmpdir(), 'grafana-migration-logs-'));
const old = ['0legacy-a', '0legacy-b'];
let api: SupervisedProcess | undefined;
let apiUrl = '';
let env: NodeJS.ProcessEnv = {};

async function startApi(n: number): Promise<void> {
  api = await startProcess({
    name: `api-${n}`,
    command: process.execPath,
    args: ['--conditions=source', '--import', 'tsx', join(root, 'api/src/main.ts')],
    cwd: root,
    env,
    logFile: join(logDir, `api-${n}.log`),
    health: { url: `${apiUrl}/readyz` },
  });
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; requests: ${grafana.requests.join('\n')}`);
    await sleep(50);
  }
}

const count = (line: string): number => grafana.requests.filter((r) => r.startsWith(`${line} `)).length;

before(async () => {
  await grafana.start();
  // Two households of before, each with its own organisation in Grafana.
  const store = new SqliteStore(join(stateDir, 'accounts.sqlite'));
  for (const id of old) {
    await store.createHousehold({ id, name: `Home ${id}`, timeZone: 'Europe/Berlin', currency: 'EUR' });
    grafana.addOrg(`household-${id}`);
  }
  await store.close();
  const vm = await testVictoriaMetrics();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    API_PORT: String(port),
    BROKER_AUTH_PORT: String(await freePort()),
    BROKER_AUTH_SECRET: 'grafana-migration-test',
    VM_URL: vm.url,
    STATE_DIR: stateDir,
    GRAFANA_URL: grafana.url,
    GRAFANA_ADMIN_USER: 'admin',
    GRAFANA_ADMIN_PASSWORD: 'standin-password',
    GRAFANA_RETRY_MS: '100',
    LOG_LEVEL: 'error',
  };
});

after(async () => {
  await api?.stop();
  await grafana.stop();
});

test('households of the organisation-per-household layout migrate at start, once each across a restart', async () => {
  await startApi(1);
  for (const id of old) {
    await until(
      `${id} migrated`,
      () => grafana.orgByName(`household-${id}`) === undefined && !!grafana.board(`hh-${id}`),
    );
  }
  await api?.stop();
  await startApi(2);

  // A household made now: its jobs come after anything the start queued, so once
  // its board is there a second migration of the old ones would show below.
  const res = await fetch(`${apiUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `new-${process.pid}@example.com`,
      password: 'a fine long passphrase',
      householdName: 'New',
    }),
  });
  assert.ok(res.ok, await res.clone().text());
  const body: any = await res.json();
  const fresh: string = body.household?.id ?? body.householdId;
  await until(
    'the new household’s board',
    () => (grafana.teamOf(`household-${fresh}`)?.members.length ?? 0) === 1,
  );

  for (const id of old) {
    // The migrate job looks the old organisation up and deletes it; its sync looks once more.
    assert.equal(count(`DELETE /api/orgs/${id}`), 0, 'organisations are deleted by id, not name');
    assert.equal(count(`GET /api/orgs/name/household-${id}`), 2, `${id} migrated exactly once`);
  }
  assert.equal(grafana.requests.filter((r) => /^DELETE \/api\/orgs\/\d+ -> 200/.test(r)).length, 2);
});
