import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DevicesSeen } from './core/devices-seen.js';

/** Every counter of the collector, on a registry of its own (several collectors may share a process in tests). */
export function createCollectorMetrics(registry = new Registry(), withDefaults = false) {
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const r = [registry];
  const devicesSeen = new DevicesSeen();
  return {
    registry,
    consumed: new Counter({
      name: 'collector_messages_consumed_total',
      help: 'Messages delivered by the broker',
      registers: r,
    }),
    redeliveries: new Counter({
      name: 'collector_redeliveries_total',
      help: 'Messages delivered again (a collector or connection died before acking them)',
      registers: r,
    }),
    samplesWritten: new Counter({
      name: 'collector_samples_written_total',
      help: 'Samples VictoriaMetrics accepted (2xx)',
      registers: r,
    }),
    messagesWritten: new Counter({
      name: 'collector_messages_written_total',
      help: 'Messages whose samples VictoriaMetrics accepted',
      registers: r,
    }),
    rejected: new Counter({
      name: 'collector_rejected_messages_total',
      help: 'Messages dead-lettered, by reason',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    writeErrors: new Counter({
      name: 'collector_remote_write_errors_total',
      help: 'Failed remote-write attempts, by kind (retryable ones are retried)',
      labelNames: ['kind'] as const,
      registers: r,
    }),
    batchMessages: new Histogram({
      name: 'collector_batch_messages',
      help: 'Messages per remote-write request',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000],
      registers: r,
    }),
    batchSamples: new Histogram({
      name: 'collector_batch_samples',
      help: 'Samples per remote-write request',
      buckets: [60, 600, 3000, 6000, 15000, 30000, 60000, 120000],
      registers: r,
    }),
    writeSeconds: new Histogram({
      name: 'collector_write_duration_seconds',
      help: 'Remote-write latency including retries',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: r,
    }),
    inFlight: new Gauge({
      name: 'collector_in_flight_messages',
      help: 'Delivered messages not yet acked',
      registers: r,
    }),
    ingestLag: new Histogram({
      name: 'collector_ingest_lag_seconds',
      help: 'Now minus reading time when VictoriaMetrics accepted the sample',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 21600, 86400, 604800],
      registers: r,
    }),
    watermarksWritten: new Counter({
      name: 'collector_watermarks_written_total',
      help: 'Device completeness watermarks VictoriaMetrics accepted (energy_device_complete_until_seconds samples)',
      registers: r,
    }),
    watermarksDropped: new Counter({
      name: 'collector_watermarks_dropped_total',
      help: 'Stated completeness watermarks not written, by reason (not_advancing is normal during replays)',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    // The Pis as the collector sees them (fleet level, no per-device series: two million devices).
    devicesSeen,
    devicesSeenGauge: new Gauge({
      name: 'collector_devices_seen',
      help: 'Distinct devices this collector took a valid batch from in the last `window` (linear-counting estimate, ~0.1 % at 2 M; see core/devices-seen.ts)',
      labelNames: ['window'] as const,
      registers: r,
      collect() {
        const nowS = Date.now() / 1000;
        this.set({ window: '5m' }, devicesSeen.distinct(5, nowS));
        this.set({ window: '15m' }, devicesSeen.distinct(15, nowS));
      },
    }),
    deviceOutboxBacklog: new Histogram({
      name: 'collector_device_outbox_backlog_batches',
      help: "Sender's outbox backlog as stated in each valid batch (batches waiting at publish; 0 when not stated)",
      buckets: [0, 1, 5, 15, 60, 240, 1440, 10080],
      registers: r,
    }),
    deviceCompletenessLag: new Histogram({
      name: 'collector_device_completeness_lag_seconds',
      help: "Now minus the sender's stated completeness watermark, per valid batch that states one",
      buckets: [60, 120, 300, 900, 3600, 21600, 86400, 604800],
      registers: r,
    }),
    devicePublishRetries: new Counter({
      name: 'collector_device_publish_retries_total',
      help: 'Publish attempts without a broker confirm, as the senders reported them in their batches',
      registers: r,
    }),
    connected: new Gauge({
      name: 'collector_broker_connected',
      help: '1 while consuming from the broker',
      registers: r,
    }),
  };
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
