import { brokerUrls, startIndexFor } from '@energy/lib/broker-urls';
import { ConfigError } from '@energy/lib/config';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { startOpsHttpServer } from '@energy/lib/ops-http-server';
import { withCredentials } from './amqp-url.js';
import { fastClock, realClock } from './clock.js';
import { CredentialRotator, writePasswordToConfig } from './credential-rotator.js';
import { ClockSanity } from './clock-sanity.js';
import { systemClockSource } from './clock-source.js';
import { readExporterConfig, type ExporterConfig } from './exporter-config.js';
import { Exporter } from './exporter.js';
import { readExporterState, statePathFor, writeExporterState } from './exporter-state.js';
import { createMeters } from './meters.js';
import { createExporterMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { OutboxPump } from './outbox-pump.js';
import { AmqpPublisher } from './publisher.js';

let config: ExporterConfig;
try {
  config = readExporterConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}

const log = createLogger('energy-exporter');
const metrics = createExporterMetrics();
const clock = config.simClockStart > 0 ? fastClock(config.simClockStart, config.simClockSpeed) : realClock();
const outbox = new Outbox({
  path: config.outboxPath,
  maxAgeS: config.outboxMaxAgeDays * 86_400,
  onDrop: (reason, n) => {
    metrics.outboxDropped.inc({ reason }, n);
    log.warn({ reason, batches: n }, 'outbox dropped its oldest batches');
  },
});
const publisher = new AmqpPublisher({
  url: brokerUrls(config.amqpUrls, config.amqpUrl).map((u) =>
    withCredentials(u, config.username, config.password),
  ),
  // Devices spread over the nodes, each always starting on the same one.
  urlStart: startIndexFor(config.username, brokerUrls(config.amqpUrls, config.amqpUrl).length),
  exchange: READINGS_EXCHANGE,
  log,
  metrics,
  maxInFlight: 200,
  traceSampleRatio: config.traceSampleRatio,
  ...(config.amqpCaFile ? { caFile: config.amqpCaFile } : {}),
});
const pump = new OutboxPump({
  outbox,
  sink: publisher,
  username: config.username,
  replayRate: config.replayRate,
  log,
  metrics,
  nowS: clock.now,
});
// The simulator reads "at" the nominal sample time, so its counters are exact at each minute's end.
let sampleTime = clock.now();
const meters = await createMeters(config.meters, { username: config.username, now: () => sampleTime });
// Boot id, seq and counters persist beside the outbox: a restart continues them when the meters kept their counts.
const statePath = statePathFor(config.outboxPath);
const restored = readExporterState(statePath);
// A simulated clock is right by construction; the real one may be a Pi's before NTP set it.
const clockSanity =
  config.simClockStart > 0
    ? undefined
    : new ClockSanity(systemClockSource(), { mode: config.clockCheck, floorS: restored?.endUnixS ?? 0 });
const exporter = new Exporter({
  meters,
  ...(restored ? { restored } : {}),
  ...(clockSanity ? { clockSanity } : {}),
  persist: (state) => writeExporterState(statePath, state),
  clock,
  outbox,
  pump,
  metrics,
  log,
  sampleIntervalS: config.sampleIntervalS,
  beforeRead: (t) => {
    sampleTime = t;
  },
  onBatch: (b) => log.debug({ bootId: b.bootId, seq: b.seq, endUnixS: b.endUnixS }, 'batch built'),
});
const server = await startOpsHttpServer({
  port: config.metricsPort,
  host: config.metricsHost,
  registry: metrics.registry,
  isReady: () => publisher.connected,
  notReadyText: 'not connected to the broker',
});
publisher.start();
pump.start();
// The password is rotated only where it can be saved: in the config file, not given in the environment.
const configFile = process.env.EXPORTER_CONFIG;
const rotator =
  config.apiUrl === undefined
    ? undefined
    : new CredentialRotator({
        apiUrl: config.apiUrl,
        username: config.username,
        password: config.password,
        rotateEveryS: config.rotateDays * 86_400,
        rotatedAtS: config.passwordRotatedAt,
        ...(configFile && !process.env.AMQP_PASSWORD
          ? { persist: (pw: string, at: number) => writePasswordToConfig(configFile, pw, at) }
          : {}),
        use: (pw) => publisher.useCredentials(config.username, pw),
        metrics,
        log,
      });
rotator?.start(3600);
log.info(
  {
    bootId: exporter.aggregator.bootId,
    restored: restored !== undefined,
    outboxDepth: outbox.depth,
    meters: meters.map((m) => m.chip),
  },
  'exporter started',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'exporter stopping');
  exporter.stop();
  rotator?.stop();
  await pump.drained(2000);
  await pump.stop();
  await publisher.close();
  await Promise.all(meters.map((m) => (m.close ? m.close() : Promise.resolve())));
  outbox.close();
  server.close();
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
await exporter.run();
