import { brokerUrls, startIndexFor } from '@energy/lib/broker-urls';
import { loadConfigOrExit } from '@energy/lib/config';
import { createLogger } from '@energy/lib/logger';
import { startOpsHttpServer } from '@energy/lib/ops-http-server';
import { startTracing } from '@energy/lib/tracing';
import { AmqpConsumer } from './amqp/consumer.js';
import { httpGatewayDeviceLister } from './api-client/gateway-device-lister.js';
import { COLLECTOR_CONFIG } from './config.js';
import { IngestPipeline } from './core/pipeline.js';
import { DEFAULT_LIMITS } from './core/validate.js';
import { createCollectorMetrics } from './metrics.js';
import { RemoteWriteClient } from './vm/remote-write-client.js';

const config = loadConfigOrExit(COLLECTOR_CONFIG);
const tracing = startTracing('collector');
const log = createLogger('collector');
const metrics = createCollectorMetrics(undefined, true);
const amqpUrls = brokerUrls(config.amqpUrls, config.amqpUrl);
const writer = new RemoteWriteClient(config.vmUrl);
const pipeline = new IngestPipeline({
  limits: { ...DEFAULT_LIMITS, maxAgeS: config.maxAgeDays * 86400 },
  writer,
  gatewayDevices: httpGatewayDeviceLister(config.internalApiUrl, config.brokerAuthSecret ?? ''),
  maxWritesInFlight: config.maxWritesInFlight,
  metrics,
  logger: log,
});
const collector = new AmqpConsumer({
  amqpUrl: amqpUrls,
  // Collectors of different shards start on different nodes.
  amqpUrlStart: startIndexFor(config.consumeQueues ?? config.queue, amqpUrls.length),
  ...(config.amqpCaFile ? { amqpCaFile: config.amqpCaFile } : {}),
  topology: {
    queue: config.queue,
    shards: config.shards,
    deliveryLimit: config.deliveryLimit,
    quorumReplicas: config.quorumReplicas,
  },
  ...(config.consumeQueues ? { consumeQueues: config.consumeQueues.split(',').map((q) => q.trim()) } : {}),
  prefetch: config.prefetch,
  batchMessages: config.batchMessages,
  flushIntervalMs: config.flushIntervalMs,
  pipeline,
  metrics,
  logger: log,
});

const server = await startOpsHttpServer({
  port: config.metricsPort,
  registry: metrics.registry,
  isReady: () => collector.ready,
  notReadyText: 'not consuming from the broker',
});
log.info({ port: config.metricsPort }, 'metrics listening');
await collector.start();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping');
  await collector.stop();
  writer.close();
  server.close();
  await tracing.shutdown();
  process.exit(0);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void shutdown(sig));
