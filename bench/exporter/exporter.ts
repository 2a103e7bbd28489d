/**
 * npm run bench:exporter [-- --json]: the single-household daemon's RSS, the
 * fleet's CPU per simulated household-minute, and the outbox replay rate,
 * against a real RabbitMQ (the test kit's). Measures; asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { encodeReadingBatch } from '@energy/lib/reading-batch';
import type { FleetManifest } from '@energy/lib/fleet-manifest';
import { createVhost, freePort, testRabbitMQ } from '@energy/lib/testkit/index';
import { batchMessageId } from '@energy/exporters/boot-id';
import { FleetRunner } from '@energy/exporters/fleet-runner';
import { createExporterMetrics } from '@energy/exporters/metrics';
import { Outbox } from '@energy/exporters/outbox';
import { OutboxPump } from '@energy/exporters/outbox-pump';
import { AmqpPublisher } from '@energy/exporters/publisher';
import { DeviceEpoch } from '@energy/exporters/fleet-device';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';

const json = process.argv.includes('--json') || Boolean(process.env.npm_config_json);
const FLEET_HOUSEHOLDS = Number(process.env.BENCH_FLEET_HOUSEHOLDS ?? 1000);
const FLEET_MINUTES = Number(process.env.BENCH_FLEET_MINUTES ?? 10);
const REPLAY_BATCHES = Number(process.env.BENCH_REPLAY_BATCHES ?? 5000);
const log = createLogger('bench-exporter', 'warn');
const root = new URL('../../', import.meta.url).pathname;
/**
 * The UTC minute the offline measurements (simulate + encode, outbox replay)
 * start their device epochs at: a fixed minute (2025-02-19 21:20 UTC), so the simulated
 * load is the same in every run whatever the date.
 */
const FIXED_START_MINUTE = 29_000_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

await testRabbitMQ();
const vhost = await createVhost('bench-exporter');
const device = 'hbench.pi1';
await vhost.addUser(device, 'devpass', { configure: '^$', write: '.*', read: '^$' });
await vhost.addUser('gw-bench', 'gwpass', { configure: '^$', write: '.*', read: '^$' });
{
  const conn = await amqp.connect(vhost.amqpUrl());
  const ch = await conn.createChannel();
  await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
  // A queue bound to everything, as the collector's would be, so the broker persists what it confirms.
  await ch.assertQueue('sink', { durable: true, arguments: { 'x-max-length': 200_000 } });
  await ch.bindQueue('sink', READINGS_EXCHANGE, '#');
  await conn.close();
}
const deviceUrl = (() => {
  const u = new URL(vhost.amqpUrl());
  u.username = '';
  u.password = '';
  return u.toString();
})();

async function daemonRss(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-exporter-'));
  // The built daemon, as it runs on a Pi (tsx alone would add ~35 MB).
  const build = spawnSync('npx', ['tsc', '-b', 'exporters'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('tsc -b exporters failed');
  const child = spawn(process.execPath, ['exporters/dist/main.js'], {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      AMQP_URL: deviceUrl,
      AMQP_USERNAME: device,
      AMQP_PASSWORD: 'devpass',
      OUTBOX_PATH: join(dir, 'outbox.sqlite'),
      EXPORTER_METRICS_PORT: String(await freePort()),
      SIM_CLOCK_START: String(Math.floor(Date.now() / 60_000) * 60 - 86_400),
      SIM_CLOCK_SPEED: '60',
      METERS: JSON.stringify([{ type: 'simulator', sockets: 30 }]),
      LOG_LEVEL: 'warn',
    },
  });
  let peak = 0;
  // 20 s at a minute per second: 20 batches, 240 samples of 30 sockets, /metrics scraped.
  for (let i = 0; i < 40; i++) {
    await sleep(500);
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      peak = Math.max(peak, Number(m?.[1] ?? 0) / 1024);
    } catch {
      break;
    }
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return peak;
}

async function fleetCpu(): Promise<{ msPerHhMin: number; simMsPerHhMin: number; hhMinPerSec: number }> {
  // The simulation and encoding alone.
  const sims = Array.from(
    { length: 200 },
    (_, i) =>
      new DeviceEpoch(new HouseholdSimulator({ seed: 1, householdId: `h${i}` }), 30, FIXED_START_MINUTE),
  );
  const t0 = process.cpuUsage();
  for (let m = 0; m < 60; m++) for (const s of sims) encodeReadingBatch(s.next());
  const c0 = process.cpuUsage(t0);
  const simMsPerHhMin = (c0.user + c0.system) / 1000 / (200 * 60);

  const manifest: FleetManifest = {
    gateway: { username: 'gw-bench', password: 'gwpass' },
    households: Array.from({ length: FLEET_HOUSEHOLDS }, (_, i) => ({
      householdId: `hb${i}`,
      timeZone: 'Europe/Berlin',
      devices: [{ deviceId: 'pi1', sockets: 30 }],
    })),
  };
  const metrics = createExporterMetrics();
  const sinks = [0, 1].map(
    (i) =>
      new AmqpPublisher({
        url: vhost.amqpUrl('gw-bench', 'gwpass'),
        exchange: READINGS_EXCHANGE,
        log,
        metrics,
        name: `b${i}`,
        maxInFlight: 2000,
      }),
  );
  for (const s of sinks) s.start();
  for (const s of sinks) await s.waitReady(30_000);
  const nowS = Math.floor(Date.now() / 60_000) * 60 - 3600 + 1;
  const runner = new FleetRunner({
    manifest,
    seed: 1,
    sinks,
    backfillHours: FLEET_MINUTES / 60,
    backfillRate: 1_000_000,
    retryLimit: 1_000_000,
    log,
    metrics,
    nowS: () => nowS,
  });
  const start = process.cpuUsage();
  const wall = performance.now();
  const running = runner.run();
  while (!runner.backfillDone) await sleep(5);
  await runner.settle(600_000);
  const c = process.cpuUsage(start);
  const seconds = (performance.now() - wall) / 1000;
  runner.stop();
  await running;
  await Promise.all(sinks.map((s) => s.close()));
  const hhMin = FLEET_HOUSEHOLDS * FLEET_MINUTES;
  return { msPerHhMin: (c.user + c.system) / 1000 / hhMin, simMsPerHhMin, hhMinPerSec: hhMin / seconds };
}

async function replayRate(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  const outbox = new Outbox({ path: join(dir, 'outbox.sqlite') });
  const epoch = new DeviceEpoch(
    new HouseholdSimulator({ seed: 1, householdId: 'hbench', deviceId: 'pi1' }),
    30,
    FIXED_START_MINUTE,
  );
  for (let i = 0; i < REPLAY_BATCHES; i++) {
    const b = epoch.next();
    outbox.add(batchMessageId(b.bootId, b.seq), b.endUnixS, encodeReadingBatch(b), b.endUnixS);
  }
  const metrics = createExporterMetrics();
  const publisher = new AmqpPublisher({
    url: vhost.amqpUrl(device, 'devpass'),
    exchange: READINGS_EXCHANGE,
    log,
    metrics,
    maxInFlight: 200,
  });
  publisher.start();
  await publisher.waitReady(30_000);
  // The daemon's replay limit lifted, to measure what the outbox and the confirm channel sustain.
  const pump = new OutboxPump({
    outbox,
    sink: publisher,
    username: device,
    replayRate: 1_000_000,
    log,
    metrics,
  });
  const t = performance.now();
  pump.start();
  await pump.drained(600_000);
  const rate = REPLAY_BATCHES / ((performance.now() - t) / 1000);
  await pump.stop();
  await publisher.close();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const rss = await daemonRss();
const fleet = await fleetCpu();
const replay = await replayRate();
await vhost.delete();

const rows: [string, string, string][] = [
  ['daemon RSS (30 sockets, peak)', `${rss.toFixed(1)} MB`, 'goal < 80 MB'],
  [
    'fleet CPU per household-minute',
    `${fleet.msPerHhMin.toFixed(3)} ms`,
    `${FLEET_HOUSEHOLDS} households × ${FLEET_MINUTES} min, with confirms`,
  ],
  ['  of which simulate + encode', `${fleet.simMsPerHhMin.toFixed(3)} ms`, '30 sockets'],
  ['fleet throughput', `${fleet.hhMinPerSec.toFixed(0)} household-min/s`, 'backfill, 2 connections'],
  ['outbox replay', `${replay.toFixed(0)} batches/s`, 'goal ≥ 100; daemon limits to REPLAY_RATE (200)'],
];
for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(34)} ${b.padStart(22)}   ${c}\n`);
if (json) {
  process.stdout.write(
    `${JSON.stringify({
      daemonRssMB: Number(rss.toFixed(1)),
      fleetCpuMsPerHouseholdMinute: Number(fleet.msPerHhMin.toFixed(4)),
      replayBatchesPerSec: Math.round(replay),
    })}\n`,
  );
}
