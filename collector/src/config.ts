import { DEFAULT_PORTS, HOST } from '@energy/lib/defaults';
import { field, type Spec } from '@energy/lib/config';
import { brokerUrlsField } from '@energy/lib/broker-urls';
import { DEFAULT_QUEUE } from './amqp/topology.js';

export interface CollectorConfig {
  readonly amqpUrl: string;
  /** AMQP_URLS: the nodes of a cluster, tried in turn; unset: AMQP_URL alone. */
  readonly amqpUrls: readonly string[] | undefined;
  /** The CA that signed the broker's certificate, for amqps:// URLs. */
  readonly amqpCaFile: string | undefined;
  readonly vmUrl: string;
  readonly metricsPort: number;
  readonly internalApiUrl: string;
  /** Needed only when gateways publish (the API's internal listener checks it). */
  readonly brokerAuthSecret: string | undefined;
  readonly queue: string;
  readonly shards: number;
  /** Comma-separated queues to consume (one shard per collector); empty: every queue of the topology. */
  readonly consumeQueues: string | undefined;
  readonly prefetch: number;
  readonly batchMessages: number;
  readonly flushIntervalMs: number;
  readonly maxWritesInFlight: number;
  readonly deliveryLimit: number;
  /** Replicas per quorum queue on a cluster (3), leaders balanced over the nodes; 0: broker default. */
  readonly quorumReplicas: number;
  readonly maxAgeDays: number;
}

export const COLLECTOR_CONFIG: Spec<CollectorConfig> = {
  amqpUrl: ['AMQP_URL', field.url(`amqp://guest:guest@${HOST}:${DEFAULT_PORTS.amqp}`)],
  amqpUrls: ['AMQP_URLS', brokerUrlsField()],
  amqpCaFile: ['AMQP_CA_FILE', field.optionalString()],
  vmUrl: ['VM_URL', field.url(`http://${HOST}:${DEFAULT_PORTS.victoriaMetrics}`)],
  metricsPort: ['COLLECTOR_METRICS_PORT', field.port(DEFAULT_PORTS.collectorMetrics)],
  internalApiUrl: ['INTERNAL_API_URL', field.url(`http://${HOST}:${DEFAULT_PORTS.brokerAuth}`)],
  brokerAuthSecret: ['BROKER_AUTH_SECRET', field.optionalString()],
  queue: ['COLLECTOR_QUEUE', field.string(DEFAULT_QUEUE)],
  shards: ['COLLECTOR_SHARDS', field.int(0, 0, 1024)],
  consumeQueues: ['COLLECTOR_CONSUME_QUEUES', field.optionalString()],
  // Quorum queues cap prefetch at 2000; measured in docs/benchmarks.md.
  prefetch: ['COLLECTOR_PREFETCH', field.int(2000, 1, 2000)],
  batchMessages: ['COLLECTOR_BATCH_MESSAGES', field.int(500, 1, 2000)],
  flushIntervalMs: ['COLLECTOR_FLUSH_MS', field.int(1000, 10, 60_000)],
  maxWritesInFlight: ['COLLECTOR_WRITES_IN_FLIGHT', field.int(4, 1, 64)],
  deliveryLimit: ['COLLECTOR_DELIVERY_LIMIT', field.int(20, 1, 1000)],
  quorumReplicas: ['COLLECTOR_QUORUM_REPLICAS', field.int(0, 0, 9)],
  maxAgeDays: ['COLLECTOR_MAX_AGE_DAYS', field.int(30, 1, 3650)],
};
