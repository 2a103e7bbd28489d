import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's metrics, on one registry per app so tests do not share counters. */
export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: 'api_login_failures_total',
      help: 'Failed logins by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rumEvents: new Counter({
      name: 'api_rum_events_total',
      help: 'Faro events received from the portal, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    rumRejected: new Counter({
      name: 'api_rum_rejected_total',
      help: 'Faro payloads refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rumDropped: new Counter({
      name: 'api_rum_values_dropped_total',
      help: 'Values of accepted Faro payloads not recorded (not a number, out of range), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    // The browser's view, beside http_request_duration_seconds (the server's).
    rumWebVital: new Histogram({
      name: 'api_rum_web_vital_seconds',
      help: "Web vitals reported by the portal's browsers (lcp, inp, ttfb, fcp)",
      labelNames: ['vital'],
      buckets: [0.05, 0.1, 0.2, 0.5, 0.8, 1, 1.8, 2.5, 4, 10],
      registers: [registry],
    }),
    rumLayoutShift: new Histogram({
      name: 'api_rum_cumulative_layout_shift',
      help: "Cumulative layout shift scores reported by the portal's browsers",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    rumPageLoad: new Histogram({
      name: 'api_rum_page_load_seconds',
      help: "Page load time (navigation start to DOM complete) in the portal's browsers",
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15],
      registers: [registry],
    }),
    rumApiCall: new Histogram({
      name: 'api_rum_api_call_seconds',
      help: "Duration of the portal's API calls as its browsers saw them, by route template",
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    brokerAuth: new Counter({
      name: 'api_broker_auth_decisions_total',
      help: 'RabbitMQ HTTP auth backend answers by check and result',
      labelNames: ['check', 'result'],
      registers: [registry],
    }),
    vmQueries: new Counter({
      name: 'api_vm_queries_total',
      help: 'Queries to VictoriaMetrics by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    readCacheLookups: new Counter({
      name: 'api_read_cache_lookups_total',
      help: 'Look-ups in the read path caches (energy days, chart chunks, live, kept answers, prometheus final steps) by result',
      labelNames: ['cache', 'result'],
      registers: [registry],
    }),
    readCacheBytes: new Gauge({
      name: 'api_read_cache_bytes',
      help: 'Bytes held by each read path cache',
      labelNames: ['cache'],
      registers: [registry],
    }),
    readCacheEntries: new Gauge({
      name: 'api_read_cache_entries',
      help: 'Entries held by each read path cache',
      labelNames: ['cache'],
      registers: [registry],
    }),
    alertsReceived: new Counter({
      name: 'api_alerts_received_total',
      help: 'Alerts received from Alertmanager by outcome',
      labelNames: ['reason'],
      registers: [registry],
    }),
    // A self rotation is routine; forced ones are an operator's (a leak, or hygiene with a grace period).
    deviceCredentialRotations: new Counter({
      name: 'api_device_credential_rotations_total',
      help: 'Device broker passwords replaced, by reason (self: the device rotated it; forced: an operator did)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    untrackedClamped: new Counter({
      name: 'api_untracked_clamped_total',
      help: 'Energy buckets whose house meter read less than the sum of its sockets (measurement noise): untracked clamped to zero',
      registers: [registry],
    }),
    mails: new Counter({
      name: 'api_mails_total',
      help: 'Mails handed to the SMTP server, by kind (alert, invite) and result (sent, failed)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    // The Grafana provisioning queue (api/src/grafana/provisioning-loop.ts).
    grafanaJobs: new Counter({
      name: 'api_grafana_provisioning_jobs_total',
      help: 'Grafana provisioning job attempts by kind and outcome (applied, skipped, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    grafanaQueueDepth: new Gauge({
      name: 'api_grafana_provisioning_queue_depth',
      help: 'Grafana provisioning jobs waiting, failing ones included',
      registers: [registry],
    }),
    grafanaQueueFailing: new Gauge({
      name: 'api_grafana_provisioning_queue_failing',
      help: 'Grafana provisioning jobs that failed at least once and wait for their next attempt',
      registers: [registry],
    }),
    grafanaQueueOldestAge: new Gauge({
      name: 'api_grafana_provisioning_queue_oldest_age_seconds',
      help: 'Age of the oldest waiting Grafana provisioning job (0 when none waits)',
      registers: [registry],
    }),
    dailyWritebackDays: new Counter({
      name: 'api_daily_writeback_days_total',
      help: 'Closed local household days written back as daily kWh and cost series, by outcome (written, failed; repriced: a household whose written days were deleted to be written again)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    dailyWritebackSamples: new Counter({
      name: 'api_daily_writeback_samples_total',
      help: 'Daily kWh and cost samples written back to VictoriaMetrics',
      registers: [registry],
    }),
    dailyWritebackBehind: new Gauge({
      name: 'api_daily_writeback_households_behind',
      help: 'Households seen in the last pass with a final day not yet written (work left for later passes)',
      registers: [registry],
    }),
  };
}

export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly loginFailures: Counter<'reason'>;
  readonly rumEvents: Counter<'kind'>;
  readonly rumRejected: Counter<'reason'>;
  readonly rumDropped: Counter<'reason'>;
  readonly rumWebVital: Histogram<'vital'>;
  readonly rumLayoutShift: Histogram;
  readonly rumPageLoad: Histogram;
  readonly rumApiCall: Histogram<'route'>;
  readonly brokerAuth: Counter<'check' | 'result'>;
  readonly vmQueries: Counter<'result'>;
  readonly readCacheLookups: Counter<'cache' | 'result'>;
  readonly readCacheBytes: Gauge<'cache'>;
  readonly readCacheEntries: Gauge<'cache'>;
  readonly alertsReceived: Counter<'reason'>;
  readonly mails: Counter<'kind' | 'result'>;
  readonly deviceCredentialRotations: Counter<'reason'>;
  readonly untrackedClamped: Counter;
  readonly grafanaJobs: Counter<'kind' | 'outcome'>;
  readonly grafanaQueueDepth: Gauge;
  readonly grafanaQueueFailing: Gauge;
  readonly grafanaQueueOldestAge: Gauge;
  /** Daily write-back (api/src/grafana/daily-writeback-loop.ts). */
  readonly dailyWritebackDays: Counter<'outcome'>;
  readonly dailyWritebackSamples: Counter;
  readonly dailyWritebackBehind: Gauge;
}
