/*
 * The backup drill on the whole local stack, started through the launcher's
 * own code (stackComponents + Stack) on free ports in a temp STATE_DIR,
 * without the monitoring stack: a fleet of 2 households publishing (one
 * hour of backfill, then live) over AMQPS, a device registered through the
 * API. Then:
 *   backup taken online (takeBackup, what `npm run backup` runs)
 *   → the stack stopped and STATE_DIR deleted (the failure)
 *   → restored (restoreBackup, what `npm run restore` runs) and started again.
 * Every reading stamped before the backup and every account row comes back;
 * the device logs in with its old password over AMQPS trusting the restored
 * CA; the fleet reconnects with its old gateway credentials.
 *
 * RPO and RTO are measured and printed (docs/operations.md quotes them);
 * nothing asserts a duration. It takes about 2.5–3 minutes (two stack
 * starts), past CI's budget: `npm run verify:backup` runs it, and
 * compose/src/backup/backup-restore.test.ts is its small version in
 * `npm test`.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import amqp from 'amqplib';
import Database from 'better-sqlite3';
import { amqpSocketOptions } from '@energy/lib/amqp-tls';
import { readConfig } from '@energy/lib/config';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { POWER_SERIES } from '@energy/lib/series';
import { freePort } from '@energy/lib/services/ports';
import { takeBackup } from '@energy/compose/backup/take-backup';
import { restoreBackup } from '@energy/compose/backup/restore-backup';
import { stackComponents, type StackContext } from '@energy/compose/components';
import { Stack } from '@energy/compose/stack';
import { STACK_CONFIG, type StackConfig } from '@energy/compose/stack-config';
import { loadSecrets, prepareStateDir } from '@energy/compose/state-dir';

const DEMO_EMAIL = 'demo@example.com';
const DEMO_PASSWORD = `backup-drill-${process.pid}-pw`;
const root = mkdtempSync('/tmp/backup-drill-');
// The broker runs as user rabbitmq and must traverse every parent of its folder.
chmodSync(root, 0o755);
const stateDir = join(root, 'state');
const backupDir = join(root, 'backup');
let stack: Stack | undefined;

after(async () => {
  await stack?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function startStack(config: StackConfig): Promise<Stack> {
  prepareStateDir(stateDir);
  const ctx: StackContext = {};
  const s = new Stack(stackComponents(config, loadSecrets(stateDir), ctx));
  stack = s;
  await s.start();
  const bad = s.list.filter((c) => c.status !== 'running' && c.status !== 'done');
  assert.deepEqual(
    bad.map((c) => `${c.name}: ${c.status}`),
    [],
    `every component must start (logs in ${stateDir}/logs)`,
  );
  return s;
}

async function poll<T>(what: string, deadlineMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** One number from an instant query at `atS` (Unix s), after a flush. */
async function vmScalar(vmUrl: string, query: string, atS: number): Promise<number | undefined> {
  await fetch(`${vmUrl}/internal/force_flush`).then((r) => r.arrayBuffer());
  const u = new URL(`${vmUrl}/api/v1/query`);
  u.searchParams.set('query', query);
  u.searchParams.set('time', String(atS));
  u.searchParams.set('nocache', '1');
  const body = (await (await fetch(u)).json()) as { data: { result: { value: [number, string] }[] } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

interface DeviceCredentials {
  readonly username: string;
  readonly password: string;
}

async function registerDevice(apiUrl: string): Promise<DeviceCredentials> {
  const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const res = await fetch(`${apiUrl}/api/v1/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'drill plug', id: 'drill1' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { broker: DeviceCredentials }).broker;
}

/** Logs in as the device over AMQPS (verifying the broker against caFile) and publishes one message with a confirm. */
async function devicePublishes(config: StackConfig, d: DeviceCredentials, caFile: string): Promise<void> {
  const url = `amqps://${encodeURIComponent(d.username)}:${encodeURIComponent(d.password)}@127.0.0.1:${config.amqpsPort}/%2F`;
  const conn = await amqp.connect(url, amqpSocketOptions(url, caFile));
  try {
    const ch = await conn.createConfirmChannel();
    await new Promise<void>((resolve, reject) =>
      ch.publish(READINGS_EXCHANGE, d.username, Buffer.from('drill'), { userId: d.username }, (err) =>
        err ? reject(err as Error) : resolve(),
      ),
    );
  } finally {
    await conn.close();
  }
}

function tableRows(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map((t) => [
        `accounts.sqlite:${t.name}`,
        (db.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get() as { n: number }).n,
      ]),
    );
  } finally {
    db.close();
  }
}

test('backup, wipe, restore: every reading and account comes back and devices log in with their old credentials', async (t) => {
  const env: NodeJS.ProcessEnv = {
    STATE_DIR: stateDir,
    FLEET: 'true',
    FLEET_HOUSEHOLDS: '2',
    BACKFILL_HOURS: '1',
    MONITORING: 'false',
    DEMO_PASSWORD,
    RABBITMQ_NODENAME: `backupdrill${process.pid}@localhost`,
  };
  for (const [name] of Object.values(STACK_CONFIG))
    if (name.endsWith('_PORT')) env[name] = String(await freePort());
  const config = readConfig(STACK_CONFIG, env);
  const vmUrl = `http://127.0.0.1:${config.vmPort}`;
  const apiUrl = `http://127.0.0.1:${config.apiPort}`;
  const caFile = join(stateDir, 'tls', 'ca.crt');

  const first = await startStack(config);
  const device = await registerDevice(apiUrl);
  await devicePublishes(config, device, caFile);

  // Readings stamped before the fleet started: the backfill, all published before the backup begins.
  const cutoffS = Math.floor(Date.now() / 1000) - 5;
  const countQuery = `sum(count_over_time(${POWER_SERIES}[2h]))`;
  let last = -1;
  const before = await poll('the backfilled readings to settle', 90_000, async () => {
    const n = (await vmScalar(vmUrl, countQuery, cutoffS)) ?? 0;
    const settled = n > 0 && n === last;
    last = n;
    return settled ? n : undefined;
  });

  const backupStarted = Date.now();
  const manifest = await takeBackup({
    stateDir,
    dir: backupDir,
    vmUrl,
    broker: {
      managementUrl: `http://127.0.0.1:${config.rabbitmqManagementPort}`,
      admin: {
        username: 'energy-admin',
        password: readFileSync(join(stateDir, 'rabbitmq', 'admin-password'), 'utf8').trim(),
      },
    },
  });
  const backupMs = Date.now() - backupStarted;
  assert.equal(manifest.accounts.kind, 'sqlite');

  // The failure: the fleet goes on publishing a little, then everything stops and the state is gone.
  await new Promise((r) => setTimeout(r, 5000));
  await first.stop();
  stack = undefined;
  const failedAt = Date.now();
  rmSync(stateDir, { recursive: true, force: true });

  const restoreStarted = Date.now();
  await restoreBackup({
    stateDir,
    dir: backupDir,
    stackPorts: [{ port: config.vmPort, envVar: 'VM_PORT' }],
  });
  const restoredFilesMs = Date.now() - restoreStarted;
  if (manifest.accounts.kind === 'sqlite')
    assert.deepEqual(
      tableRows(join(stateDir, 'api', 'accounts.sqlite')),
      manifest.accounts.rows,
      'every account row',
    );

  await startStack(config);
  assert.ok(
    existsSync(join(stateDir, 'rabbitmq', 'definitions.restore.json.applied')),
    'the broker loaded the backed-up definitions',
  );
  // The device's old password, checked by the restored API, over AMQPS against the restored CA.
  await devicePublishes(config, device, caFile);
  const rtoMs = Date.now() - restoreStarted;

  assert.equal(await vmScalar(vmUrl, countQuery, cutoffS), before, 'every reading stamped before the backup');
  const newestRestoredS =
    (await vmScalar(vmUrl, `max(tlast_over_time(${POWER_SERIES}[3h]))`, Math.floor(failedAt / 1000))) ?? 0;
  const rpoS = failedAt / 1000 - newestRestoredS;

  // The fleet is back with its old gateway credentials (checked by the restored API): every connection up.
  await poll('the fleet reconnected', 60_000, async () => {
    const text = await (await fetch(`http://127.0.0.1:${config.exporterMetricsPort}/metrics`)).text();
    const up = [...text.matchAll(/^exporter_amqp_connected\{[^}]*\} (\d+)$/gm)].map((m) => m[1]);
    return up.length > 0 && up.every((v) => v === '1') ? up.length : undefined;
  });

  t.diagnostic(
    `drill: ${before} readings and ${Object.values(manifest.accounts.kind === 'sqlite' ? manifest.accounts.rows : {}).reduce((a, b) => a + b, 0)} account rows; ` +
      `backup ${(backupMs / 1000).toFixed(1)} s; restore of the files ${(restoredFilesMs / 1000).toFixed(1)} s; ` +
      `RTO (restore start → stack up and a device publishing) ${(rtoMs / 1000).toFixed(1)} s; ` +
      `RPO (failure − newest restored reading) ${rpoS.toFixed(0)} s, of which ${((failedAt - backupStarted) / 1000).toFixed(0)} s since the backup began`,
  );
});
