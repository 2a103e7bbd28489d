import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HttpGrafana } from '../../grafana/http-grafana.js';
import { SqliteStore } from '../../store/sqlite/index.js';
import { GrafanaStandin } from '../../test-support/grafana-standin.js';
import type { AccountsStore } from '../../store/accounts-store.js';
import { QueuedGrafana, queueingGrafanaChanges } from './grafana-provisioning.js';
import { workProvisioningQueue, type ProvisioningWorkerDeps } from './grafana-provisioning-worker.js';

// The queue's worker against the Grafana stand-in in one process: the
// idempotency paths (409 look up and go on, 412 read again and retry),
// backoff holding a household's later jobs, the migration off the
// organisation per household, and deletion. The same on the real API
// process, through a restart: api/src/grafana/grafana-queue.test.ts.

const grafana = new GrafanaStandin();
let clock = Date.parse('2026-12-01T10:00:00Z');
const now = (): Date => new Date(clock);
let store: AccountsStore;
let deps: ProvisioningWorkerDeps;
const silent = { warn: () => {} };

before(async () => {
  await grafana.start();
  const raw = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'grafana-prov-')), 'a.sqlite'));
  store = queueingGrafanaChanges(raw, { now, kick: () => {} });
  deps = {
    store,
    grafana: new HttpGrafana({
      url: grafana.url,
      adminUser: 'admin',
      adminPassword: 'standin-password',
      apiUrl: 'http://api.test',
      timeoutMs: 300,
    }),
    now,
    log: silent,
    backoff: { initialMs: 1_000, maxMs: 60_000 },
  };
});
after(() => grafana.stop());

let n = 0;
async function household(name = 'Home'): Promise<string> {
  const id = `hh${++n}${Date.now()}`;
  await store.createHousehold({ id, name, timeZone: 'Europe/Berlin', currency: 'EUR' });
  await store.createUser({ id: `u-${id}`, email: `owner-${id}@example.com`, passwordHash: 'x' });
  await store.addMembership({ userId: `u-${id}`, householdId: id, role: 'owner' });
  return id;
}
/** Rounds until nothing is due now (one round takes one job per household). */
async function drain(): Promise<void> {
  while ((await workProvisioningQueue(deps)) > 0);
}
const applied = (id: string): string[] =>
  grafana.applied.filter((x) => x.startsWith(`${id}|`)).map((x) => x.slice(id.length + 1));

test('a taken team name (409) is looked up and used; a folder changed meanwhile (412) is read again', async () => {
  const id = await household();
  // Someone made the team already: creating it answers 409.
  const teamId = grafana.addTeam(1, `household-${id}`, { raced: true });
  await drain();
  assert.deepEqual(grafana.teamOf(`household-${id}`)?.members, [`owner-${id}@example.com`]);
  assert.equal(grafana.teamOf(`household-${id}`)?.id, teamId);
  assert.ok(grafana.requests.includes('POST /api/teams -> 409'));
  assert.equal(applied(id).filter((x) => x === 'team created').length, 0, 'no second team');

  // Renamed household; the folder's version moves under us once (412), then the rename lands.
  await store.updateHousehold(id, { name: 'New name' });
  grafana.editConcurrently(`hhf-${id}`);
  grafana.editConcurrently(`hh-${id}`);
  await drain();
  assert.equal(grafana.folder(`hhf-${id}`)?.title, `New name · ${id}`);
  assert.match(JSON.stringify(grafana.board(`hh-${id}`)?.dashboard), /"title":"New name — energy"/);
  assert.ok(grafana.requests.includes(`PUT /api/folders/hhf-${id} -> 412`));
  assert.ok(grafana.requests.includes('POST /api/dashboards/db -> 412'));
  assert.deepEqual(await store.dueProvisioningJobs(new Date(clock + 3_600_000), 100), []);
});

test('a failing job waits out its backoff and holds back its own household only; repeating it changes nothing', async () => {
  const a = await household('A');
  const b = await household('B');
  await drain();
  const before = grafana.applied.length;
  await store.updateHousehold(a, { name: 'A2' });
  await store.updateHousehold(a, { name: 'A3' });
  grafana.failNext(1, { status: 503 });
  await workProvisioningQueue(deps); // a's first job fails
  await store.updateHousehold(b, { name: 'B2' });
  await drain(); // a waits (backoff); b goes on
  assert.equal(grafana.folder(`hhf-${b}`)?.title, `B2 · ${b}`);
  assert.equal(grafana.folder(`hhf-${a}`)?.title, `A · ${a}`);
  clock += 2_000;
  await drain();
  assert.equal(grafana.folder(`hhf-${a}`)?.title, `A3 · ${a}`);
  // A3 arrived with the first job; the second one found nothing to change.
  assert.deepEqual(
    grafana.applied.slice(before).filter((x) => x.startsWith(`${a}|`)),
    [`${a}|folder renamed A3 · ${a}`, `${a}|board saved v2`],
  );
});

test('a household of the organisation-per-household layout is migrated: its organisation goes, team, folder and board come', async () => {
  const id = await household();
  grafana.addOrg(`household-${id}`);
  await store.enqueueProvisioning({
    householdId: id,
    kind: 'migrate',
    reason: 'layout migration',
    at: now(),
  });
  await drain();
  assert.equal(grafana.orgByName(`household-${id}`), undefined);
  assert.ok(grafana.board(`hh-${id}`));
});

test('deleting a household queues the removal of its folder, board, team and users, kept past the store', async () => {
  const id = await household();
  await drain();
  const queued = new QueuedGrafana({ store, grafana: deps.grafana, now, kick: () => {} });
  assert.deepEqual(await queued.deleteHousehold(id), { deleted: true });
  await store.deleteHousehold(id);
  await drain();
  assert.equal(grafana.folder(`hhf-${id}`), undefined);
  assert.equal(grafana.board(`hh-${id}`), undefined);
  assert.equal(grafana.teamOf(`household-${id}`), undefined);
  assert.equal(grafana.userByLogin(`owner-${id}@example.com`), undefined);
});
