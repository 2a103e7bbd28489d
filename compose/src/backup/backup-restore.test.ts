/*
 * The small CI version of the backup drill (the whole-stack drill is
 * test/e2e/backup-drill.fault.test.ts): a real VictoriaMetrics of the
 * test's own on a STATE_DIR laid out as the launcher does, an accounts
 * SQLite file, the secrets and the local CA, the shared test broker's
 * definitions. Backup online, stop, wipe, restore, start again: every
 * sample, row and secret is back.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, startVictoriaMetrics, type VictoriaMetricsHandle } from '@energy/lib/services/index';
import { ensureLocalCa } from '@energy/lib/services/tls-ca';
import { testRabbitMQ } from '@energy/lib/testkit/index';
import { PENDING_DEFINITIONS } from './broker-definitions.js';
import { restoreBackup } from './restore-backup.js';
import { takeBackup } from './take-backup.js';

const root = mkdtempSync('/tmp/energy-backup-test-');
const stateDir = join(root, 'state');
let vm: VictoriaMetricsHandle | undefined;
after(async () => {
  await vm?.stop();
  rmSync(root, { recursive: true, force: true });
});

const SAMPLES = 500;

async function startVm(port: number): Promise<VictoriaMetricsHandle> {
  vm = await startVictoriaMetrics({
    port,
    dataDir: join(stateDir, 'victoria-metrics'),
    logFile: join(root, 'vm.log'),
    loggerLevel: 'ERROR',
  });
  return vm;
}

async function sampleCount(url: string, atS: number): Promise<number> {
  await fetch(`${url}/internal/force_flush`).then((r) => r.arrayBuffer());
  const u = new URL(`${url}/api/v1/query`);
  u.searchParams.set('query', 'sum(count_over_time(backup_test_watts[1d]))');
  u.searchParams.set('time', String(atS));
  u.searchParams.set('nocache', '1');
  const body = (await (await fetch(u)).json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

test('backup online, wipe, restore: every sample, account row and secret comes back', async () => {
  const port = await freePort();
  const first = await startVm(port);
  const nowS = Math.floor(Date.now() / 1000);
  const lines = Array.from(
    { length: SAMPLES },
    (_, i) => `backup_test_watts{socket="${i % 5}"} ${i} ${(nowS - 3600 + i * 5) * 1000}`,
  );
  const imported = await fetch(`${first.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: lines.join('\n'),
  });
  assert.equal(imported.status, 204);
  assert.equal(await sampleCount(first.url, nowS), SAMPLES);

  mkdirSync(join(stateDir, 'api'), { recursive: true });
  const db = new Database(join(stateDir, 'api', 'accounts.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE users (id TEXT PRIMARY KEY); CREATE TABLE devices (id TEXT PRIMARY KEY)');
  const addUser = db.prepare('INSERT INTO users VALUES (?)');
  for (let i = 0; i < 7; i++) addUser.run(`u${i}`);
  db.prepare('INSERT INTO devices VALUES (?)').run('d1');
  writeFileSync(join(stateDir, 'secrets.json'), '{"collectorPassword":"old"}\n');
  writeFileSync(join(stateDir, 'api', 'jwt-secret'), 'jwt\n');
  const ca = await ensureLocalCa(join(stateDir, 'tls'));
  const caPem = readFileSync(ca.caCertFile, 'utf8');

  const broker = await testRabbitMQ();
  const dir = join(root, 'backup');
  // The API's connection stays open and in WAL mode while the backup reads: the online case.
  const m = await takeBackup({
    stateDir,
    dir,
    vmUrl: first.url,
    broker: { managementUrl: broker.managementUrl, admin: broker.admin },
  });
  db.close();
  assert.equal(m.accounts.kind, 'sqlite');
  if (m.accounts.kind === 'sqlite')
    assert.deepEqual(m.accounts.rows, { 'accounts.sqlite:users': 7, 'accounts.sqlite:devices': 1 });
  assert.ok(m.brokerDefinitions.vhosts >= 1 && m.brokerDefinitions.users >= 1);
  assert.deepEqual([...m.secrets].sort(), ['api/jwt-secret', 'secrets.json', 'tls']);

  await first.stop();
  vm = undefined;
  rmSync(stateDir, { recursive: true, force: true });
  const stackPorts = [{ port, envVar: 'VM_PORT' }];
  await assert.rejects(restoreBackup({ stateDir, dir: root, stackPorts }), /not a complete backup/);
  await restoreBackup({ stateDir, dir, stackPorts });
  // A second restore over the restored state needs --force.
  await assert.rejects(restoreBackup({ stateDir, dir, stackPorts }), /pass --force/);

  const second = await startVm(port);
  assert.equal(await sampleCount(second.url, nowS), SAMPLES, 'every sample');
  const restored = new Database(join(stateDir, 'api', 'accounts.sqlite'), { readonly: true });
  try {
    assert.equal((restored.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n, 7);
  } finally {
    restored.close();
  }
  assert.equal(readFileSync(join(stateDir, 'tls', 'ca.crt'), 'utf8'), caPem, 'the same CA');
  assert.equal(readFileSync(join(stateDir, 'secrets.json'), 'utf8'), '{"collectorPassword":"old"}\n');
  assert.ok(
    existsSync(join(stateDir, 'rabbitmq', PENDING_DEFINITIONS)),
    'definitions wait for the next start',
  );
});
