/**
 * `npm run bench:ingest [-- --json]`: in one run on this machine,
 * (1) the broker ceiling: the fleet's messages published with confirms into a
 *     quorum queue and consumed with manual multi-acks, no processing;
 * (2) the whole pipeline: fleet → RabbitMQ → collector → VictoriaMetrics,
 *     counted back from VictoriaMetrics exactly;
 * (3) VictoriaMetrics raw: pre-encoded remote-write requests;
 * and the CPU time of broker, fleet, collector and store per message.
 * `-- --sweep` instead runs the pipeline for several prefetch/batch settings.
 * Definitions of each figure: DESIGN.md (Benchmarks).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { pino } from 'pino';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { startPrivateRabbitMQ, startPrivateVictoriaMetrics } from '@energy/lib/testkit/index';
import { AmqpConsumer } from '@energy/collector/amqp/consumer';
import { IngestPipeline } from '@energy/collector/core/pipeline';
import { compressRequest, WriteRequestBuilder } from '@energy/collector/core/remote-write-encoder';
import { DEFAULT_LIMITS } from '@energy/collector/core/validate';
import { createCollectorMetrics } from '@energy/collector/metrics';
import { RemoteWriteClient } from '@energy/collector/vm/remote-write-client';
import { countSamples } from '@energy/collector/vm/vm-query';
import { selfCpuMs, treeCpuMs } from '../shared/proc-cpu.js';
import { BENCH_SOCKETS, benchHousehold, fleetMinutes } from './fleet-batches.js';

const json = process.argv.includes('--json') || process.env.npm_config_json === 'true';
// One day of one-minute readings per socket: the shape the store holds in
// production (series live for months; a fresh hour per series would weigh
// each sample with its whole series' index).
const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 1440);
const MESSAGES = DEVICES * MINUTES;
const PACED_MINUTES = Number(process.env.BENCH_PACED_MINUTES ?? Math.ceil(30_000 / DEVICES));
const SOCKETS = BENCH_SOCKETS;
const GATEWAY = 'gw-bench';
const log = (s: string) => process.stderr.write(`${s}\n`);
const here = new URL('.', import.meta.url).pathname;

interface FleetDone {
  t: number;
  confirmed: number;
  nacked: number;
  /** The fleet child's own CPU time from go to done. */
  cpuMs: number;
}

interface FleetRun {
  t0: number;
  meanBodyBytes: number;
  done: Promise<FleetDone>;
}

/** Starts the fleet child, waits until it has encoded everything, then says go. */
async function runFleet(amqpUrl: string, startS: number, minutes = MINUTES, rate = 0): Promise<FleetRun> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(here, 'fleet-publisher.ts')],
    {
      env: {
        ...process.env,
        AMQP_URL: amqpUrl,
        BENCH_GATEWAY: GATEWAY,
        BENCH_DEVICES: String(DEVICES),
        BENCH_MINUTES: String(minutes),
        BENCH_RATE: String(rate),
        BENCH_START_S: String(startS),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const events: Record<string, (v: Record<string, number>) => void> = {};
  const next = (name: string) => new Promise<Record<string, number>>((r) => (events[name] = r));
  lines.on('line', (l) => {
    const e = JSON.parse(l) as Record<string, number> & { event: string };
    events[e.event]?.(e);
  });
  const ready = next('ready');
  const start = next('start');
  const done = next('done') as unknown as Promise<FleetDone>;
  const r = await ready;
  child.stdin.write('go\n');
  const s = await start;
  return { t0: s.t as number, meanBodyBytes: r.meanBodyBytes as number, done };
}

function startSForRun(minutes = MINUTES): number {
  // The fleet runs on the real clock through the past: the newest minute ends now at the latest.
  return Math.floor(Date.now() / 1000 / 60) * 60 - minutes * 60;
}

async function brokerCeiling(
  rabbitUrl: (vhost?: string) => string,
  ctl: (a: string[]) => Promise<string>,
  adminUser: string,
) {
  const vhost = 'ceiling';
  await ctl(['add_vhost', vhost]);
  await ctl(['set_permissions', '-p', vhost, adminUser, '.*', '.*', '.*']);
  await ctl(['set_permissions', '-p', vhost, GATEWAY, '.*', '.*', '.*']);
  const conn = await connect(rabbitUrl(vhost));
  const ch = await conn.createChannel();
  await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
  await ch.assertQueue('ceiling.q', {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-overflow': 'reject-publish' },
  });
  await ch.bindQueue('ceiling.q', READINGS_EXCHANGE, '#');
  await ch.prefetch(2000);
  let received = 0;
  let finished!: (t: number) => void;
  const allIn = new Promise<number>((r) => (finished = r));
  await ch.consume('ceiling.q', (m) => {
    if (!m) return;
    received++;
    // Multi-ack every 200 deliveries, as the collector's batches do (in order: one consumer).
    if (received % 200 === 0 || received === MESSAGES) ch.ack(m, true);
    if (received === MESSAGES) finished(Date.now());
  });
  const fleet = await runFleet(
    `amqp://${GATEWAY}:bench@${new URL(rabbitUrl(vhost)).host}/${vhost}`,
    startSForRun(),
  );
  const end = await allIn;
  const { cpuMs: fleetCpuMs } = await fleet.done;
  await conn.close();
  return { msgsPerSec: MESSAGES / ((end - fleet.t0) / 1000), seconds: (end - fleet.t0) / 1000, fleetCpuMs };
}

interface Tuning {
  /** Unacked deliveries the broker may hand out (quorum queues cap it at 2000). */
  prefetch: number;
  /** Messages per remote-write request, hence per multi-ack. */
  batch: number;
}

const TUNING: Tuning = {
  prefetch: Number(process.env.BENCH_PREFETCH ?? 2000),
  batch: Number(process.env.BENCH_BATCH ?? 500),
};

async function pipeline(
  amqpUrl: string,
  fleetUrl: string,
  vmUrl: string,
  minutes = MINUTES,
  rate = 0,
  tuning = TUNING,
) {
  const MESSAGES = DEVICES * minutes;
  const metrics = createCollectorMetrics();
  const writer = new RemoteWriteClient(vmUrl);
  const lags = new Float64Array(MESSAGES);
  let written = 0;
  let finished!: (t: number) => void;
  const allWritten = new Promise<number>((r) => (finished = r));
  const devices = Array.from({ length: DEVICES }, (_, d) => `${benchHousehold(d)}.pi`);
  const logger = pino({ level: 'warn' });
  const collector = new AmqpConsumer({
    amqpUrl,
    topology: { queue: 'energy.readings.q', shards: 0, deliveryLimit: 20 },
    prefetch: tuning.prefetch,
    batchMessages: tuning.batch,
    flushIntervalMs: 250,
    pipeline: new IngestPipeline({
      limits: DEFAULT_LIMITS,
      writer,
      gatewayDevices: () => Promise.resolve(devices),
      maxWritesInFlight: 4,
      metrics,
      logger,
    }),
    metrics,
    logger,
    onWritten(msgs) {
      const now = Date.now();
      for (const m of msgs) if (written < MESSAGES) lags[written++] = now - (m.message.timestamp ?? now);
      if (written >= MESSAGES) finished(now);
    },
  });
  await collector.start();
  const fleet = await runFleet(fleetUrl, startSForRun(minutes), minutes, rate);
  const end = await allWritten;
  const { cpuMs: fleetCpuMs } = await fleet.done;
  await collector.stop();
  writer.close();
  const seconds = (end - fleet.t0) / 1000;
  lags.sort();
  return {
    meanBodyBytes: fleet.meanBodyBytes,
    msgsPerSec: MESSAGES / seconds,
    samplesPerSec: (MESSAGES * SOCKETS * 2) / seconds,
    seconds,
    fleetCpuMs,
    p99LagMs: lags[Math.floor(MESSAGES * 0.99)] ?? 0,
  };
}

async function vmRaw(vmUrl: string) {
  // Same shape as the fleet (30 sockets, 2 series each), 10 k samples per request, 4 in flight.
  const perRequest = Math.floor(10_000 / (SOCKETS * 2));
  const requests: Buffer[] = [];
  const startS = startSForRun();
  let b = new WriteRequestBuilder();
  let d = 0;
  for (const batch of fleetMinutes(DEVICES, MINUTES, startS)) {
    b.addBatch(benchHousehold(d), 'pi', batch);
    d = (d + 1) % DEVICES;
    if (b.samples >= perRequest * SOCKETS * 2) {
      requests.push(await compressRequest(b.raw()));
      b = new WriteRequestBuilder();
    }
  }
  if (b.samples > 0) requests.push(await compressRequest(b.raw()));
  const client = new RemoteWriteClient(vmUrl);
  let i = 0;
  const t0 = Date.now();
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      while (i < requests.length) {
        const r = await client.writeOnce(requests[i++] as Buffer);
        if (r.kind !== 'success') throw new Error(`raw write failed: ${JSON.stringify(r)}`);
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  client.close();
  return { samplesPerSec: (MESSAGES * SOCKETS * 2) / seconds, seconds };
}

/** AMQP bytes of one basic.publish beyond the body: method frame + header frame + body frame overhead. */
function amqpFramingBytes(routingKey: string, messageId: string): number {
  const method = 7 + 4 + 2 + (1 + READINGS_EXCHANGE.length) + (1 + routingKey.length) + 1 + 1;
  const props =
    1 +
    'application/x-protobuf'.length +
    1 +
    8 +
    (1 + 'energy.v1.ReadingBatch'.length) +
    (1 + messageId.length) +
    (1 + GATEWAY.length);
  const header = 7 + 2 + 2 + 8 + 2 + props + 1;
  const bodyFrame = 7 + 1;
  return method + header + bodyFrame;
}

/** Where the CPU of one phase went, ms per 1000 messages. */
interface CpuPerKiloMsg {
  broker: number;
  fleet: number;
  collector: number;
  store: number;
}

async function withCpu<T extends { fleetCpuMs: number }>(
  pids: { broker: number; store?: number },
  messages: number,
  phase: () => Promise<T>,
): Promise<T & { cpu: CpuPerKiloMsg }> {
  const b0 = treeCpuMs(pids.broker);
  const s0 = pids.store ? treeCpuMs(pids.store) : 0;
  const c0 = selfCpuMs();
  const r = await phase();
  const per = (ms: number) => Math.round((ms / messages) * 1000);
  return {
    ...r,
    cpu: {
      broker: per(treeCpuMs(pids.broker) - b0),
      fleet: per(r.fleetCpuMs),
      collector: per(selfCpuMs() - c0),
      store: per(pids.store ? treeCpuMs(pids.store) - s0 : 0),
    },
  };
}

function dataBytes(dir: string): number {
  const out = execFileSync('du', ['-sb', join(dir, 'data'), join(dir, 'indexdb')], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .reduce((n, l) => n + Number(l.split('\t')[0]), 0);
}

/**
 * `--sweep`: the pipeline alone for several prefetch × batch settings, each
 * twice in interleaved rounds (the machine is shared: neighbours in time
 * see the same noise), on one broker and one store.
 */
async function sweep(): Promise<void> {
  const rabbit = await startPrivateRabbitMQ({ withAuthBackend: false });
  const vm = await startPrivateVictoriaMetrics();
  try {
    await rabbit.ctl(['add_user', GATEWAY, 'bench']);
    await rabbit.ctl(['set_permissions', '-p', '/', GATEWAY, '', '.*', '']);
    const fleetUrl = `amqp://${GATEWAY}:bench@127.0.0.1:${rabbit.amqpPort}/`;
    const settings: Tuning[] = [
      { prefetch: 2000, batch: 100 },
      { prefetch: 2000, batch: 250 },
      { prefetch: 2000, batch: 500 },
      { prefetch: 2000, batch: 1000 },
      { prefetch: 1000, batch: 250 },
      { prefetch: 500, batch: 250 },
    ];
    const rates = new Map<Tuning, number[]>(settings.map((t) => [t, []]));
    for (let round = 0; round < 2; round++) {
      for (const t of settings) {
        const r = await pipeline(rabbit.amqpUrl('/'), fleetUrl, vm.url, MINUTES, 0, t);
        log(`    prefetch ${t.prefetch} batch ${t.batch}: ${Math.round(r.msgsPerSec)} msg/s`);
        rates.get(t)?.push(r.msgsPerSec);
      }
    }
    process.stdout.write(`${'prefetch'.padEnd(10)}${'batch'.padEnd(8)}msg/s (two rounds)\n`);
    for (const [t, r] of rates) {
      process.stdout.write(
        `${String(t.prefetch).padEnd(10)}${String(t.batch).padEnd(8)}${r.map((x) => Math.round(x)).join(', ')}\n`,
      );
    }
  } finally {
    await Promise.allSettled([rabbit.dispose(), vm.dispose()]);
  }
}

async function main(): Promise<void> {
  log(
    `starting RabbitMQ and two VictoriaMetrics (${DEVICES} devices x ${MINUTES} minutes = ${MESSAGES} messages)`,
  );
  const rabbit = await startPrivateRabbitMQ({ withAuthBackend: false });
  const vm = await startPrivateVictoriaMetrics();
  const vmRawStore = await startPrivateVictoriaMetrics();
  try {
    await rabbit.ctl(['add_user', GATEWAY, 'bench']);
    await rabbit.ctl(['set_permissions', '-p', '/', GATEWAY, '', '.*', '']);
    const ctl = (a: string[]) => rabbit.ctl(a);
    const urlFor = (vhost = '/') => rabbit.amqpUrl(vhost);
    log('(1) broker ceiling…');
    const brokerPid = rabbit.process.pid;
    const ceiling = await withCpu({ broker: brokerPid }, MESSAGES, () =>
      brokerCeiling(urlFor, ctl, rabbit.admin.username),
    );
    log(`    ${Math.round(ceiling.msgsPerSec)} msg/s in ${ceiling.seconds.toFixed(1)} s`);
    log('(2) pipeline…');
    const fleetUrl = `amqp://${GATEWAY}:bench@127.0.0.1:${rabbit.amqpPort}/`;
    const e2e = await withCpu({ broker: brokerPid, store: vm.process.pid }, MESSAGES, () =>
      pipeline(rabbit.amqpUrl('/'), fleetUrl, vm.url),
    );
    log(`    ${Math.round(e2e.msgsPerSec)} msg/s in ${e2e.seconds.toFixed(1)} s`);
    await vm.forceFlush();
    const stored = await countSamples(
      vm.url,
      `{__name__=~"${POWER_SERIES}|${ENERGY_SERIES}",${SERIES_LABELS.household}=~"bench-.+"}`,
    );
    // Two samples per reading, and each device's first minute (seq 1 of its epoch) also stores every
    // socket's counter at zero at the minute's start (collector/src/core/epoch-start.ts).
    const expected = MESSAGES * SOCKETS * 2 + DEVICES * SOCKETS;
    await fetch(`${vm.url}/internal/force_merge`).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 5000));
    const disk = dataBytes(vm.dataDir);
    // Lag is a latency only below saturation: the fleet paced at half the pipeline's rate.
    const pacedRate = Math.round(e2e.msgsPerSec / 2);
    log(`(2b) pipeline paced at ${pacedRate} msg/s for the lag…`);
    const paced = await pipeline(rabbit.amqpUrl('/'), fleetUrl, vm.url, PACED_MINUTES, pacedRate);
    log(`    p99 lag ${Math.round(paced.p99LagMs)} ms`);
    log('(3) VictoriaMetrics raw…');
    const raw = await vmRaw(vmRawStore.url);
    log(`    ${Math.round(raw.samplesPerSec)} samples/s in ${raw.seconds.toFixed(1)} s`);

    const result = {
      brokerMsgsPerSec: Math.round(ceiling.msgsPerSec),
      e2eMsgsPerSec: Math.round(e2e.msgsPerSec),
      e2eSamplesPerSec: Math.round(e2e.samplesPerSec),
      ratioToBroker: Number((e2e.msgsPerSec / ceiling.msgsPerSec).toFixed(3)),
      vmRawSamplesPerSec: Math.round(raw.samplesPerSec),
      bytesPerReading: Number((e2e.meanBodyBytes / (SOCKETS * 2)).toFixed(2)),
      amqpFramingBytesPerMessage: amqpFramingBytes(`${benchHousehold(1234)}.pi`, '12345678-1234'),
      diskBytesPerSample: Number((disk / Math.max(1, stored)).toFixed(3)),
      lost: expected - stored,
      p99LagMs: Math.round(paced.p99LagMs),
      p99LagSaturatedMs: Math.round(e2e.p99LagMs),
      cpuMsPerKiloMsg: {
        ceiling: ceiling.cpu,
        pipeline: e2e.cpu,
      },
    };
    const rows: [string, string][] = [
      [
        'messages per phase',
        `${MESSAGES} (${DEVICES} devices x ${MINUTES} min, ${SOCKETS} sockets, 2 samples each)`,
      ],
      ['(1) broker ceiling', `${result.brokerMsgsPerSec} msg/s`],
      ['(2) pipeline', `${result.e2eMsgsPerSec} msg/s = ${result.e2eSamplesPerSec} samples/s`],
      ['    ratio to broker', String(result.ratioToBroker)],
      ['(3) VictoriaMetrics raw', `${result.vmRawSamplesPerSec} samples/s`],
      [
        'payload bytes per reading',
        `${result.bytesPerReading} (mean body ${e2e.meanBodyBytes.toFixed(1)} B; AMQP framing ${result.amqpFramingBytesPerMessage} B/msg)`,
      ],
      ['disk bytes per sample', String(result.diskBytesPerSample)],
      ['samples lost', `${result.lost} (stored ${stored} of ${expected})`],
      [
        'p99 lag publish→written',
        `${result.p99LagMs} ms at ${pacedRate} msg/s (${result.p99LagSaturatedMs} ms flat out)`,
      ],
    ];
    const cpuRow = (c: CpuPerKiloMsg) =>
      `broker ${c.broker}, fleet ${c.fleet}, collector ${c.collector}, VictoriaMetrics ${c.store}`;
    rows.push(
      ['CPU ms per 1000 msgs (1)', cpuRow(ceiling.cpu)],
      ['                    (2)', cpuRow(e2e.cpu)],
    );
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.allSettled([rabbit.dispose(), vm.dispose(), vmRawStore.dispose()]);
  }
}

if (process.argv.includes('--sweep')) await sweep();
else await main();
