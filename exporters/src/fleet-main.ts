import { readFileSync } from 'node:fs';
import { brokerUrls, brokerUrlsField } from '@energy/lib/broker-urls';
import { field, loadConfigOrExit } from '@energy/lib/config';
import { DEFAULT_PORTS, READINGS_EXCHANGE } from '@energy/lib/defaults';
import type { FleetManifest } from '@energy/lib/fleet-manifest';
import { createLogger } from '@energy/lib/logger';
import { startOpsHttpServer } from '@energy/lib/ops-http-server';
import { runOwnConnectionsFleet } from './fleet-own-main.js';
import { FleetRunner } from './fleet-runner.js';
import { createExporterMetrics } from './metrics.js';
import { AmqpPublisher } from './publisher.js';
import { withCredentials } from './amqp-url.js';

const config = loadConfigOrExit({
  manifestPath: ['FLEET_MANIFEST', field.string()],
  amqpUrl: ['AMQP_URL', field.url(`amqp://127.0.0.1:${DEFAULT_PORTS.amqp}`)],
  amqpUrls: ['AMQP_URLS', brokerUrlsField()],
  amqpCaFile: ['AMQP_CA_FILE', field.optionalString()],
  backfillHours: ['BACKFILL_HOURS', field.number(0, 0, 24 * 400)],
  seed: ['SEED', field.int(1)],
  metricsPort: ['EXPORTER_METRICS_PORT', field.port(DEFAULT_PORTS.exporterMetrics)],
  connections: ['FLEET_CONNECTIONS', field.int(2, 1, 64)],
  backfillRate: ['FLEET_BACKFILL_RATE', field.number(2000, 1, 1_000_000)],
  maxInFlight: ['FLEET_MAX_IN_FLIGHT', field.int(1000, 1, 100_000)],
  retryLimit: ['FLEET_RETRY_LIMIT', field.int(200_000, 1, 10_000_000)],
  traceSampleRatio: ['EXPORTER_TRACE_SAMPLE_RATIO', field.number(0.01, 0, 1)],
  // gateway: a few connections carry every device (load); devices: one connection and login per device.
  mode: ['FLEET_MODE', field.string('gateway')],
  minuteEveryMs: ['FLEET_MINUTE_EVERY_MS', field.int(60_000, 100, 3_600_000)],
  bootSpreadMs: ['FLEET_BOOT_SPREAD_MS', field.int(60_000, 0, 3_600_000)],
});
if (config.mode !== 'gateway' && config.mode !== 'devices') {
  process.stderr.write(`FLEET_MODE=${config.mode}: expected gateway or devices\n`);
  process.exit(1);
}

const log = createLogger('energy-fleet');
let manifest: FleetManifest;
try {
  manifest = JSON.parse(readFileSync(config.manifestPath, 'utf8')) as FleetManifest;
  if (!manifest.gateway?.username || !Array.isArray(manifest.households))
    throw new Error('not a FleetManifest');
} catch (err) {
  process.stderr.write(
    `FLEET_MANIFEST=${config.manifestPath}: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}

const metrics = createExporterMetrics();
if (config.mode === 'devices') {
  try {
    await runOwnConnectionsFleet(
      {
        amqpUrls: brokerUrls(config.amqpUrls, config.amqpUrl),
        ...(config.amqpCaFile ? { amqpCaFile: config.amqpCaFile } : {}),
        seed: config.seed,
        metricsPort: config.metricsPort,
        backfillHours: config.backfillHours,
        minuteEveryMs: config.minuteEveryMs,
        bootSpreadMs: config.bootSpreadMs,
      },
      manifest,
      log,
      metrics,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.exit(0);
}
const urls = brokerUrls(config.amqpUrls, config.amqpUrl).map((u) =>
  withCredentials(u, manifest.gateway.username, manifest.gateway.password),
);
const publishers = Array.from(
  { length: config.connections },
  (_, i) =>
    new AmqpPublisher({
      url: urls,
      // The gateway's connections spread over the nodes of a cluster.
      urlStart: i,
      exchange: READINGS_EXCHANGE,
      log,
      metrics,
      name: `fleet-${i}`,
      maxInFlight: config.maxInFlight,
      traceSampleRatio: config.traceSampleRatio,
      ...(config.amqpCaFile ? { caFile: config.amqpCaFile } : {}),
    }),
);
for (const p of publishers) p.start();
const runner = new FleetRunner({
  manifest,
  seed: config.seed,
  sinks: publishers,
  backfillHours: config.backfillHours,
  backfillRate: config.backfillRate,
  retryLimit: config.retryLimit,
  log,
  metrics,
});
const server = await startOpsHttpServer({
  port: config.metricsPort,
  registry: metrics.registry,
  isReady: () => publishers.some((p) => p.connected),
  notReadyText: 'no publisher connected to the broker',
});
log.info(
  {
    devices: runner.deviceCount,
    households: manifest.households.length,
    backfillHours: config.backfillHours,
  },
  'fleet started',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'fleet stopping');
  runner.stop();
  await runner.settle(5000);
  await Promise.all(publishers.map((p) => p.close()));
  server.close();
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
await runner.run();
