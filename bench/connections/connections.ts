/**
 * bench:connections — every simulated Pi on its own AMQP connection with its
 * own credentials (exporters/src/fleet-own-connections.ts), against one
 * RabbitMQ node whose HTTP auth backend is the API's internal listener in a
 * process of its own. Measures, in one run:
 *
 * 1. the auth backend alone: /rabbitmq/user answered per second (one API process);
 * 2. the fleet booting: connections per second, auth checks per connection (cache cold);
 * 3. the broker's memory per connection: RSS and the management API's
 *    connection_* buckets, over the idle node, with every device publishing;
 * 4. the cache warm: every connection closed by the broker (close_all_connections),
 *    the devices reconnect within the cache's 60 s: auth checks per reconnection;
 * 5. the storm: the broker restarted with every device connected; seconds
 *    until every device has a confirm again, auth checks and the auth
 *    backend's CPU meanwhile; then every batch made is counted back in a
 *    durable queue (nothing lost);
 * 6. the broker restarted with tuned TCP buffers and a new fleet with longer
 *    heartbeats: memory per connection again.
 *
 * Prints a table; `-- --json` one JSON line last; the result also goes to
 * /tmp/energy-bench-results/connections.json (bench:capacity can read it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { freePort, type RabbitMQHandle, type RabbitMQOptions } from '@energy/lib/services/index';
import { OwnConnectionsFleet, type OwnDevice } from '@energy/exporters/fleet-own-connections';
import { createExporterMetrics } from '@energy/exporters/metrics';
import { treeCpuMs } from '../shared/proc-cpu.js';
import {
  beamPid,
  connectionMemory,
  HTTPC_MAX_SESSIONS,
  memoryBreakdown,
  openFds,
  rssBytes,
  startBenchBroker,
} from './broker.js';
import { declareReadback, missing, readBack } from './readback.js';

const N = Number(process.env.BENCH_DEVICES ?? 10_000);
const MINUTE_EVERY_MS = Number(process.env.BENCH_MINUTE_EVERY_MS ?? 30_000);
const BOOT_SPREAD_MS = Number(process.env.BENCH_BOOT_SPREAD_MS ?? 20_000);
const TUNED_BUFFER = Number(process.env.BENCH_TCP_BUFFER ?? 8192);
const TUNED_HEARTBEAT_S = Number(process.env.BENCH_HEARTBEAT_S ?? 300);
const WAIT_MS = Number(process.env.BENCH_WAIT_MS ?? 900_000);
/** The devices' reconnect backoff ceiling (the exporter's default is 30 s). */
const BACKOFF_MAX_MS = Number(process.env.BENCH_BACKOFF_MAX_MS ?? 30_000);
/** BENCH_WARM=0 skips the warm reconnect (every device at once, a second storm). */
const WARM = process.env.BENCH_WARM !== '0';
/** The tuned phase's fleet (memory per connection is per connection: a smaller fleet saves the run time). */
const TUNED_DEVICES = Math.min(N, Number(process.env.BENCH_TUNED_DEVICES ?? N));
const QUEUE = 'bench-readback';
const json = process.argv.includes('--json') || Boolean(process.env.npm_config_json);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (s: string) => process.stderr.write(`# ${new Date().toISOString().slice(11, 19)} ${s}\n`);
async function until(
  what: string,
  ok: () => boolean | Promise<boolean>,
  progress?: () => string,
  ms = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  let told = Date.now();
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (progress && Date.now() - told > 30_000) {
      say(`  ${what}: ${progress()}`);
      told = Date.now();
    }
    await sleep(200);
  }
}

const dir = mkdtempSync('/tmp/energy-bench-connections-');
// The broker (user rabbitmq) must traverse it; the credentials file in it is 0600.
chmodSync(dir, 0o755);
const authPort = await freePort();
const authSecret = randomBytes(12).toString('hex');
const credentialsFile = join(dir, 'credentials.json');
let auth: ChildProcess | undefined;
let broker: RabbitMQHandle | undefined;
const fleets: OwnConnectionsFleet[] = [];

async function counts(): Promise<Record<string, number>> {
  const r = await fetch(`http://127.0.0.1:${authPort}/bench/counts`);
  return (await r.json()) as Record<string, number>;
}
function checksBetween(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) out[k.replace('/rabbitmq/', '')] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
}
const total = (c: Record<string, number>) => Object.values(c).reduce((s, v) => s + v, 0);
const r2 = (x: number) => Math.round(x * 100) / 100;

try {
  say(`auth backend: creating ${N} devices`);
  auth = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'bench/connections/auth-backend-main.ts'],
    {
      env: {
        ...process.env,
        BENCH_DEVICES: String(N),
        AUTH_PORT: String(authPort),
        AUTH_SECRET: authSecret,
        AUTH_CREDENTIALS_FILE: credentialsFile,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: auth?.stdout ?? process.stdin }).once('line', () => resolve());
    auth?.once('exit', (c) => reject(new Error(`auth backend exited ${c}`)));
  });
  const creds = JSON.parse(readFileSync(credentialsFile, 'utf8')) as OwnDevice[];
  const devices: OwnDevice[] = creds.map((c) => ({ ...c, sockets: 30 }));

  const opts: RabbitMQOptions = {
    baseDir: join(dir, 'rabbitmq'),
    nodeName: `energy-bench-conn-${randomBytes(3).toString('hex')}@localhost`,
    amqpPort: await freePort(),
    distPort: await freePort(),
    managementPort: await freePort(),
    prometheusPort: await freePort(),
    authHttpBaseUrl: `http://127.0.0.1:${authPort}`,
    authHttpKey: authSecret,
  };
  say('broker: starting');
  broker = await startBenchBroker(opts);
  let pid = await beamPid(broker);
  const fdLimit = openFds(pid);
  if (fdLimit < N + 100) throw new Error(`the broker may open ${fdLimit} files, fewer than ${N} connections`);
  await declareReadback(broker.amqpUrl('/'), QUEUE);
  const deviceUrl = `amqp://127.0.0.1:${opts.amqpPort}/`;

  // 1. The auth backend on its own: user checks, 64 at a time, for 5 s.
  const authPid = auth.pid ?? 0;
  const hammerMs = 5000;
  let logins = 0;
  const cpu0 = treeCpuMs(authPid);
  const hammerEnd = Date.now() + hammerMs;
  await Promise.all(
    Array.from({ length: 64 }, async (_, w) => {
      for (let i = w; Date.now() < hammerEnd; i += 64) {
        const c = devices[i % devices.length] as OwnDevice;
        const body = new URLSearchParams({
          username: `${c.householdId}.${c.deviceId}`,
          password: c.password,
        });
        const r = await fetch(`http://127.0.0.1:${authPort}/rabbitmq/user?key=${authSecret}`, {
          method: 'POST',
          body,
        });
        if ((await r.text()) !== 'allow') throw new Error('the auth backend refused a device');
        logins++;
      }
    }),
  );
  const backendLoginsPerSec = Math.round(logins / (hammerMs / 1000));
  const backendCpuMsPerLogin = r2((treeCpuMs(authPid) - cpu0) / logins);

  // 2. Boot: every device connects with its own credentials, cache cold.
  await sleep(3000);
  const idleRss = rssBytes(pid);
  const idleMem = await memoryBreakdown(broker);
  const log = createLogger('bench-fleet', 'fatal');
  const metrics = createExporterMetrics();
  const startMinute = Math.floor(Date.now() / 60_000) - 12 * 60;
  const fleet = new OwnConnectionsFleet({
    devices,
    amqpUrls: [deviceUrl],
    exchange: READINGS_EXCHANGE,
    seed: 14,
    log,
    metrics,
    startMinute,
    minuteEveryMs: MINUTE_EVERY_MS,
    bootSpreadMs: BOOT_SPREAD_MS,
    backoffMaxMs: BACKOFF_MAX_MS,
  });
  fleets.push(fleet);
  say(`fleet: booting ${N} devices over ${BOOT_SPREAD_MS} ms`);
  const c0 = await counts();
  const bootStart = Date.now();
  fleet.start();
  await until(
    'every device connected',
    () => fleet.connected === N,
    () => `${fleet.connected} connected`,
  );
  const bootSeconds = (Date.now() - bootStart) / 1000;
  await until('a confirm from every device', () => fleet.devices.every((d) => d.confirmed > 0));
  const coldChecks = checksBetween(c0, await counts());

  // 3. Memory per connection, every device connected and publishing.
  await sleep(10_000);
  const busyRss = rssBytes(pid);
  const busyMem = await memoryBreakdown(broker);
  const rssPerConnKB = (busyRss - idleRss) / N / 1024;
  const connBucketsPerConnKB = (connectionMemory(busyMem) - connectionMemory(idleMem)) / N / 1024;
  const fleetRssMB = process.memoryUsage().rss / 2 ** 20;

  // Steady state: auth checks per publish with the cache warm.
  const s0 = await counts();
  const p0 = fleet.devices.reduce((s, d) => s + d.confirmed, 0);
  await sleep(20_000);
  const steadyChecks = total(checksBetween(s0, await counts()));
  const steadyPublishes = fleet.devices.reduce((s, d) => s + d.confirmed, 0) - p0;

  // 4. Every connection dropped by the broker, which stays up: the cache is warm.
  let warmSeconds = NaN;
  let warmChecks: Record<string, number> = {};
  if (WARM) {
    say('warm reconnect: close_all_connections');
    const w0 = await counts();
    const warmAt = Date.now();
    // The broker closes them one by one: 10,000 took longer than the default 120 s.
    await broker.ctl(['close_all_connections', 'bench: warm reconnect'], 900_000);
    await sleep(1000);
    await until('every device confirmed after the drop', () =>
      fleet.devices.every((d) => d.lastConfirmAtMs > warmAt + 1000),
    );
    warmSeconds = (Math.max(...fleet.devices.map((d) => d.lastConfirmAtMs)) - warmAt) / 1000;
    warmChecks = checksBetween(w0, await counts());
  }

  // 5. The storm: the broker restarted under the connected fleet.
  say('storm: restarting the broker');
  const st0 = await counts();
  const authCpu0 = treeCpuMs(authPid);
  const stopAt = Date.now();
  await broker.stop();
  broker = undefined;
  broker = await startBenchBroker(opts);
  const upAt = Date.now();
  pid = await beamPid(broker);
  await until(
    'every device confirmed after the restart',
    () => fleet.devices.every((d) => d.lastConfirmAtMs > upAt),
    () => `${fleet.devices.filter((d) => d.lastConfirmAtMs > upAt).length} back`,
  );
  const lastBack = Math.max(...fleet.devices.map((d) => d.lastConfirmAtMs));
  const stormRecoverySeconds = (lastBack - upAt) / 1000;
  const stormChecks = checksBetween(st0, await counts());
  const stormAuthCpuMs = treeCpuMs(authPid) - authCpu0;
  const stormLoginsPerSec = (stormChecks.user ?? 0) / stormRecoverySeconds;

  say('stopping the fleet and counting back');
  const drained = await fleet.stop(120_000);
  const made = new Map(fleet.devices.map((d) => [d.username, d.made]));
  const received = await readBack(broker.amqpUrl('/'), QUEUE);
  const lost = missing(received, made);
  const madeTotal = [...made.values()].reduce((s, v) => s + v, 0);
  let receivedTotal = 0;
  for (const s of received.values()) receivedTotal += s.size;

  // 6. Tuned: small kernel buffers on the broker's sockets, longer heartbeats.
  say(`tuned: sndbuf/recbuf ${TUNED_BUFFER}, heartbeat ${TUNED_HEARTBEAT_S} s`);
  await broker.stop();
  broker = undefined;
  broker = await startBenchBroker(opts, { tcpBufferBytes: TUNED_BUFFER });
  pid = await beamPid(broker);
  await sleep(3000);
  const tIdleRss = rssBytes(pid);
  const tIdleMem = await memoryBreakdown(broker);
  const tuned = new OwnConnectionsFleet({
    devices: devices.slice(0, TUNED_DEVICES),
    amqpUrls: [`${deviceUrl}?heartbeat=${TUNED_HEARTBEAT_S}`],
    exchange: READINGS_EXCHANGE,
    seed: 15,
    log,
    metrics,
    startMinute,
    minuteEveryMs: MINUTE_EVERY_MS,
    // The same boot rate as the first fleet.
    bootSpreadMs: (BOOT_SPREAD_MS * TUNED_DEVICES) / N,
    backoffMaxMs: BACKOFF_MAX_MS,
  });
  fleets.push(tuned);
  tuned.start();
  await until('every tuned device connected', () => tuned.connected === TUNED_DEVICES);
  await until('a confirm from every tuned device', () => tuned.devices.every((d) => d.confirmed > 0));
  await sleep(10_000);
  const tRssPerConnKB = (rssBytes(pid) - tIdleRss) / N / 1024;
  const tConnPerConnKB =
    (connectionMemory(await memoryBreakdown(broker)) - connectionMemory(tIdleMem)) / N / 1024;
  await tuned.stop(60_000);

  const result = {
    date: new Date().toISOString(),
    loadAverage: loadavg().map((x) => r2(x)),
    devices: N,
    brokerFdLimit: fdLimit,
    backendLoginsPerSec,
    backendCpuMsPerLogin,
    bootSeconds: r2(bootSeconds),
    bootConnectionsPerSec: Math.round(N / bootSeconds),
    authChecksPerConnectionCold: r2(total(coldChecks) / N),
    coldChecks,
    authChecksPerPublishSteady: r2(steadyChecks / Math.max(1, steadyPublishes)),
    authChecksPerReconnectWarm: WARM ? r2(total(warmChecks) / N) : null,
    warmChecks,
    warmReconnectSeconds: WARM ? r2(warmSeconds) : null,
    bootSpreadMs: BOOT_SPREAD_MS,
    backoffMaxMs: BACKOFF_MAX_MS,
    memoryPerConnectionKB: r2(rssPerConnKB),
    connectionBucketsPerConnectionKB: r2(connBucketsPerConnKB),
    memoryPerConnectionTunedKB: r2(tRssPerConnKB),
    connectionBucketsPerConnectionTunedKB: r2(tConnPerConnKB),
    tunedDevices: TUNED_DEVICES,
    tunedTcpBufferBytes: TUNED_BUFFER,
    httpcMaxSessions: HTTPC_MAX_SESSIONS,
    tunedHeartbeatS: TUNED_HEARTBEAT_S,
    brokerRssBusyMB: Math.round(busyRss / 2 ** 20),
    fleetProcessRssMB: Math.round(fleetRssMB),
    fleetKBPerDevice: r2((fleetRssMB * 1024) / N),
    stormOutageSeconds: r2((upAt - stopAt) / 1000),
    stormRecoverySeconds: r2(stormRecoverySeconds),
    stormChecks,
    stormLoginsPerSec: Math.round(stormLoginsPerSec),
    stormAuthBackendCpuMs: stormAuthCpuMs,
    batchesMade: madeTotal,
    batchesReceived: receivedTotal,
    batchesLost: lost,
    outboxesDrained: drained,
  };
  console.log(
    `bench:connections  ${N} devices, one AMQP connection each, RabbitMQ 3.10 + the API's HTTP auth backend`,
  );
  for (const [k, v] of Object.entries(result)) console.log(`  ${k.padEnd(40)} ${JSON.stringify(v)}`);
  mkdirSync('/tmp/energy-bench-results', { recursive: true });
  writeFileSync('/tmp/energy-bench-results/connections.json', `${JSON.stringify(result)}\n`);
  if (json) console.log(JSON.stringify(result));
  if (lost > 0) process.exitCode = 1;
} finally {
  for (const f of fleets) await f.stop(0).catch(() => undefined);
  if (broker) await broker.stop().catch(() => undefined);
  auth?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
