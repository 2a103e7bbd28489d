import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';

/** Every metric of the exporter (daemon and fleet), declared once on one registry. */
export function createExporterMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    power: new Gauge({
      name: POWER_SERIES,
      help: 'Active power of a socket at the last sample, watts.',
      labelNames: [SERIES_LABELS.socket],
      registers: r,
    }),
    energy: new Counter({
      name: ENERGY_SERIES,
      help: 'Energy through a socket since this exporter boot, joules.',
      labelNames: [SERIES_LABELS.socket],
      registers: r,
    }),
    readErrors: new Counter({
      name: 'exporter_meter_read_errors_total',
      help: 'Failed meter reads, by chip and reason.',
      labelNames: ['chip', 'reason'],
      registers: r,
    }),
    samples: new Counter({
      name: 'exporter_meter_samples_total',
      help: 'Successful meter reads.',
      labelNames: ['chip'],
      registers: r,
    }),
    outboxDepth: new Gauge({
      name: 'exporter_outbox_batches',
      help: 'Batches in the outbox waiting for a publisher confirm.',
      registers: r,
    }),
    outboxOldestAge: new Gauge({
      name: 'exporter_outbox_oldest_age_seconds',
      help: 'Age of the oldest batch in the outbox (0 when empty).',
      registers: r,
    }),
    outboxDropped: new Counter({
      name: 'exporter_outbox_dropped_batches_total',
      help: 'Batches dropped from the outbox, by reason (full: older than the bound; write-error: disk).',
      labelNames: ['reason'],
      registers: r,
    }),
    batchesBuilt: new Counter({
      name: 'exporter_batches_built_total',
      help: 'Device-minute batches built.',
      registers: r,
    }),
    published: new Counter({
      name: 'exporter_batches_published_total',
      help: 'Batches confirmed by the broker.',
      registers: r,
    }),
    confirms: new Counter({
      name: 'exporter_publisher_confirms_total',
      help: 'Publisher confirms received.',
      registers: r,
    }),
    nacks: new Counter({
      name: 'exporter_publisher_nacks_total',
      help: 'Publishes not confirmed, by reason (nacked, unroutable: returned by the broker as no queue takes it, connection-lost, not-connected).',
      labelNames: ['reason'],
      registers: r,
    }),
    reconnects: new Counter({
      name: 'exporter_amqp_reconnects_total',
      help: 'AMQP connection attempts after the first, by outcome.',
      labelNames: ['outcome'],
      registers: r,
    }),
    connected: new Gauge({
      name: 'exporter_amqp_connected',
      help: '1 while the AMQP connection is up.',
      labelNames: ['connection'],
      registers: r,
    }),
    blocked: new Gauge({
      name: 'exporter_amqp_blocked',
      help: '1 while the broker blocks publishing (resource alarm).',
      labelNames: ['connection'],
      registers: r,
    }),
    publishLatency: new Histogram({
      name: 'exporter_publish_latency_seconds',
      help: 'From publish to publisher confirm.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: r,
    }),
    clockSynchronised: new Gauge({
      name: 'exporter_clock_synchronised',
      help: '1 once the wall clock is known (timesyncd synchronised, or seen being set); until then minutes wait unstamped.',
      registers: r,
    }),
    unstampedBatches: new Gauge({
      name: 'exporter_unstamped_batches',
      help: 'Minutes closed on the monotonic clock, waiting for the wall clock to be known.',
      registers: r,
    }),
    credentialsValid: new Gauge({
      name: 'exporter_credentials_valid',
      help: '1 while the API accepts this device login, 0 once it refuses it (revoked or expired: pair again).',
      registers: r,
    }),
    rotations: new Counter({
      name: 'exporter_credential_rotations_total',
      help: 'Broker password rotations, by reason (scheduled, expiring: an operator forced one).',
      labelNames: ['reason'],
      registers: r,
    }),
    apiChecks: new Counter({
      name: 'exporter_api_checks_total',
      help: 'Looks at GET /api/v1/devices/self, by outcome (ok, refused, error).',
      labelNames: ['outcome'],
      registers: r,
    }),
    batchVersionNeeded: new Gauge({
      name: 'exporter_reading_batch_version_needed',
      help: 'The ReadingBatch version this exporter batches need.',
      registers: r,
    }),
    platformBatchVersion: new Gauge({
      name: 'exporter_platform_reading_batch_version',
      help: 'The newest ReadingBatch version the platform takes, as the API last said.',
      registers: r,
    }),
    batchVersionSupported: new Gauge({
      name: 'exporter_reading_batch_supported',
      help: '1 when the platform takes this exporter batches, 0 when they would be dead-lettered as unsupported_version.',
      registers: r,
    }),
    fleetBackfillLag: new Gauge({
      name: 'exporter_fleet_backfill_lag_seconds',
      help: 'How far the fleet backfill is behind now (0 when caught up).',
      registers: r,
    }),
  };
}

export type ExporterMetrics = ReturnType<typeof createExporterMetrics>;
