// Dashboards as code. Writes grafana/dashboards/**.json from the
// definitions below; the JSON files are committed (Grafana provisions
// files) and grafana/dashboards.test.ts fails when they are stale.
//   node --conditions=source --import tsx grafana/build-dashboards.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  DAILY_COST_SERIES,
  DAILY_KWH_SERIES,
  ENERGY_SERIES,
  POWER_SERIES,
  SERIES_LABELS,
} from '@energy/lib/series';

export interface Target {
  readonly expr: string;
  readonly legend?: string;
  /** Instant query: one value per series (stats, gauges). */
  readonly instant?: boolean;
  /** Minimum step, e.g. "1d" for daily bars. */
  readonly interval?: string;
}

interface PanelSpec {
  readonly title: string;
  /** 'row': a full-width heading that groups the panels after it (no queries). */
  readonly type: 'timeseries' | 'stat' | 'bargauge' | 'barchart' | 'row';
  readonly targets: readonly Target[];
  readonly unit: string;
  readonly w: number;
  readonly h: number;
  readonly description?: string;
  /** Panel-relative time, e.g. "now/d" (today so far), "30d". */
  readonly timeFrom?: string;
  readonly decimals?: number;
  readonly stack?: boolean;
  /** Points across the panel (Grafana's step = range / this, rounded): fewer than its width in pixels. */
  readonly maxDataPoints?: number;
}

interface DashboardSpec {
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly time: { from: string; to: string };
  readonly refresh: string;
  readonly extraVariables?: readonly Record<string, unknown>[];
  readonly panels: readonly PanelSpec[];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function panel(spec: PanelSpec, id: number, x: number, y: number): Record<string, unknown> {
  if (spec.type === 'row') {
    return {
      id,
      type: 'row',
      title: spec.title,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    };
  }
  const bars = spec.type === 'barchart';
  return {
    id,
    type: spec.type,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    datasource: DATASOURCE,
    gridPos: { x, y, w: spec.w, h: spec.h },
    ...(spec.timeFrom ? { timeFrom: spec.timeFrom } : {}),
    // The minimum step is the panel's (@grafana/schema 10.4 has `interval` on Panel, not on a query).
    ...(minStep(spec) ? { interval: minStep(spec) } : {}),
    ...(spec.maxDataPoints ? { maxDataPoints: spec.maxDataPoints } : {}),
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend ?? '__auto',
      instant: t.instant ?? false,
      range: !(t.instant ?? false),
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}),
        ...(spec.type === 'timeseries'
          ? {
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: spec.stack ? 30 : 10,
                spanNulls: false,
                stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
              },
            }
          : {}),
      },
      overrides: [],
    },
    options:
      spec.type === 'timeseries'
        ? { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } }
        : bars
          ? {
              xTickLabelRotation: -45,
              legend: { displayMode: 'list', placement: 'bottom' },
              stacking: 'normal',
            }
          : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, orientation: 'auto' },
  };
}

/** A panel's minimum step: its queries' (one per panel where it is set). */
function minStep(spec: PanelSpec): string | undefined {
  return spec.targets.find((t) => t.interval)?.interval;
}

/** Lays the panels out left to right, wrapping at Grafana's 24 columns. */
function dashboard(spec: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((p, i) => {
    if (x + p.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const out = panel(p, i + 1, x, y);
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
    return out;
  });
  return {
    uid: spec.uid,
    title: spec.title,
    tags: spec.tags,
    editable: true,
    schemaVersion: 39,
    version: 1,
    timezone: 'browser',
    time: spec.time,
    refresh: spec.refresh,
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          // 'default': the organisation's default datasource of the type (there is one).
          // @grafana/schema's VariableOption needs text and value; `{}` failed it.
          current: { selected: false, text: 'default', value: 'default' },
          hide: 0,
        },
        ...(spec.extraVariables ?? []),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

const KWH = '3600000';
/** Per socket of the household: a socket number is unique only within its device. */
const BY_SOCKET = `${SERIES_LABELS.device}, ${SERIES_LABELS.socket}`;
const SOCKET_LEGEND = `{{${SERIES_LABELS.device}}} / {{${SERIES_LABELS.socket}}}`;
const RATE = '$__rate_interval';

/**
 * One household, through the API's Prometheus-compatible endpoint
 * (`/prometheus`, a household API token): the API adds
 * extra_label=household=<id> to every query, so no household filter here.
 * Closed local days come from the daily kWh and cost the API writes back
 * once a day is final (its own energy code: local days and time-of-use
 * money, equal to the portal's to the cent; docs/grafana.md); today comes
 * from the raw counters, priced with `price_per_kwh` (today's price, which
 * the API's Grafana adapter sets with `currency` when it provisions the
 * board). A daily bar sits at the step after its local midnight (steps are
 * UTC-aligned); its value is exact.
 */
/** A closed local day's written value, each step showing the day whose local midnight fell within it. */
const closedDays = (series: string, by?: string): string =>
  `sum${by ? ` by (${by})` : ''} (last_over_time(${series}[1d]))`;
/**
 * The closed days of the panel's range, summed. A range window is open at
 * its start ((t − range, t]), and the month's first day is written exactly
 * at the month's start: `offset 1ms` moves the window to [start, now − 1 ms]
 * so that day counts (nothing is ever written in the last millisecond).
 */
const closedInRange = (series: string): string => `sum(sum_over_time(${series}[$__range] offset 1ms))`;
const household: DashboardSpec = {
  file: 'household/household-energy.json',
  uid: 'energy-household',
  title: 'Household energy',
  tags: ['energy', 'household'],
  time: { from: 'now/d', to: 'now' },
  refresh: '1m',
  extraVariables: [
    { name: 'price_per_kwh', label: 'Price per kWh', type: 'constant', query: '0.30', hide: 2 },
    { name: 'currency', label: 'Currency', type: 'constant', query: 'EUR', hide: 2 },
  ],
  panels: [
    {
      title: 'Power now',
      type: 'stat',
      unit: 'watt',
      w: 6,
      h: 6,
      targets: [{ expr: `sum(${POWER_SERIES})`, instant: true, legend: 'household' }],
    },
    {
      title: 'Power per socket now',
      type: 'bargauge',
      unit: 'watt',
      w: 18,
      h: 6,
      targets: [{ expr: POWER_SERIES, instant: true, legend: SOCKET_LEGEND }],
    },
    {
      title: 'Power today',
      type: 'timeseries',
      unit: 'watt',
      w: 24,
      h: 9,
      stack: true,
      // About 300 points (a day at 5 min, as the portal's chart), each the step's mean power, not
      // one sample per step: at its width in pixels Grafana asked thousands of steps × every socket
      // on each refresh. Never finer than the devices' minute.
      maxDataPoints: 300,
      targets: [
        {
          expr: `sum by (${BY_SOCKET}) (avg_over_time(${POWER_SERIES}[$__interval]))`,
          legend: SOCKET_LEGEND,
          interval: '1m',
        },
      ],
    },
    {
      title: 'Energy today',
      type: 'stat',
      unit: 'kwatth',
      decimals: 2,
      w: 6,
      h: 5,
      timeFrom: 'now/d',
      targets: [{ expr: `sum(increase(${ENERGY_SERIES}[$__range])) / ${KWH}`, instant: true }],
    },
    {
      title: 'Cost today ($currency)',
      type: 'stat',
      unit: 'none',
      decimals: 2,
      w: 6,
      h: 5,
      timeFrom: 'now/d',
      targets: [
        {
          expr: `sum(increase(${ENERGY_SERIES}[$__range])) / ${KWH} * $price_per_kwh`,
          instant: true,
        },
      ],
    },
    {
      title: 'Energy this month (closed days)',
      type: 'stat',
      unit: 'kwatth',
      decimals: 1,
      w: 6,
      h: 5,
      timeFrom: 'now/M',
      description: 'The closed days of this month as the portal counts them; today is in "Energy today".',
      targets: [{ expr: closedInRange(DAILY_KWH_SERIES), instant: true }],
    },
    {
      title: 'Cost this month ($currency, closed days)',
      type: 'stat',
      unit: 'none',
      decimals: 2,
      w: 6,
      h: 5,
      timeFrom: 'now/M',
      description: 'The closed days of this month at the household tariff, as the portal counts them.',
      targets: [{ expr: closedInRange(DAILY_COST_SERIES), instant: true }],
    },
    {
      title: 'kWh per day (last 30 days)',
      type: 'barchart',
      description: 'Closed local days, written by the API once final; equal to the portal per socket.',
      unit: 'kwatth',
      w: 12,
      h: 9,
      timeFrom: '30d',
      targets: [
        {
          expr: closedDays(DAILY_KWH_SERIES, BY_SOCKET),
          legend: SOCKET_LEGEND,
          interval: '1d',
        },
      ],
    },
    {
      title: 'kWh per month (last 12 months)',
      type: 'barchart',
      unit: 'kwatth',
      w: 12,
      h: 9,
      timeFrom: '1y',
      description: 'Buckets of 30 days; the portal shows calendar months exactly.',
      targets: [
        {
          expr: `sum(increase(${ENERGY_SERIES}[30d])) / ${KWH}`,
          legend: 'household',
          interval: '30d',
        },
      ],
    },
    {
      title: 'Cost per day ($currency, last 30 days)',
      type: 'barchart',
      description:
        'Closed local days at the household tariff (time of use included), as the portal counts them.',
      unit: 'none',
      decimals: 2,
      w: 24,
      h: 8,
      timeFrom: '30d',
      targets: [
        {
          expr: closedDays(DAILY_COST_SERIES),
          legend: 'cost',
          interval: '1d',
        },
      ],
    },
  ],
};

const queues = 'queue=~"energy\\\\.readings\\\\.q.*"';

/** Operators, on the monitoring VictoriaMetrics (what vmagent scraped). */
const ingest: DashboardSpec = {
  file: 'operators/ingest.json',
  uid: 'energy-ops-ingest',
  title: 'Operators / Ingest pipeline',
  tags: ['energy', 'operators'],
  time: { from: 'now-3h', to: 'now' },
  refresh: '30s',
  panels: [
    {
      title: 'Messages consumed / s',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (instance) (rate(collector_messages_consumed_total[${RATE}]))`,
          legend: '{{instance}}',
        },
        { expr: `sum(rate(exporter_batches_published_total[${RATE}]))`, legend: 'published by the fleet' },
      ],
    },
    {
      title: 'Samples written / s',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (instance) (rate(collector_samples_written_total[${RATE}]))`,
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Ingest lag (reading time → written)',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      targets: [0.5, 0.9, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(collector_ingest_lag_seconds_bucket[${RATE}])))`,
        legend: `p${q * 100}`,
      })),
    },
    {
      title: 'Queue depth',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (queue) (rabbitmq_detailed_queue_messages_ready{${queues}})`,
          legend: '{{queue}} ready',
        },
        {
          expr: `sum by (queue) (rabbitmq_detailed_queue_messages_unacked{${queues}})`,
          legend: '{{queue}} unacked',
        },
      ],
    },
    {
      title: 'Dead letters',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        {
          expr: 'sum(rabbitmq_detailed_queue_messages{queue="energy.readings.dead"})',
          legend: 'in energy.readings.dead',
        },
        {
          expr: `sum by (reason) (rate(collector_rejected_messages_total[${RATE}]))`,
          legend: 'rejected/s {{reason}}',
        },
      ],
    },
    {
      title: 'Remote write errors / s',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (instance) (rate(collector_remote_write_errors_total[${RATE}]))`,
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'RabbitMQ alarms',
      type: 'stat',
      unit: 'bool_on_off',
      w: 12,
      h: 5,
      targets: [
        { expr: 'max(rabbitmq_alarms_memory_used_watermark)', instant: true, legend: 'memory' },
        { expr: 'max(rabbitmq_alarms_free_disk_space_watermark)', instant: true, legend: 'disk' },
      ],
    },
    {
      title: 'Targets up',
      type: 'stat',
      unit: 'none',
      w: 12,
      h: 5,
      targets: [{ expr: 'min by (job) (up)', instant: true, legend: '{{job}}' }],
    },
    {
      title: 'Pis (what their batches and the broker say; no Pi is scraped)',
      type: 'row',
      targets: [],
      unit: 'none',
      w: 24,
      h: 1,
    },
    {
      title: 'Devices seen',
      description:
        'Distinct devices that sent a valid batch, per collector (linear-counting estimate, ~0.1 % at 2 M devices). Summed over collectors: an upper bound when a device reaches several.',
      type: 'timeseries',
      unit: 'short',
      w: 8,
      h: 8,
      targets: [
        { expr: 'sum(collector_devices_seen{window="5m"})', legend: 'last 5 min' },
        { expr: 'sum(collector_devices_seen{window="15m"})', legend: 'last 15 min' },
      ],
    },
    {
      title: 'Outbox backlog stated per batch',
      description: 'Batches waiting on the sending Pi when it published (0 when not stated).',
      type: 'timeseries',
      unit: 'short',
      w: 8,
      h: 8,
      targets: [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(collector_device_outbox_backlog_batches_bucket[${RATE}])))`,
        legend: `p${q * 100}`,
      })),
    },
    {
      title: 'Completeness lag (now − stated watermark)',
      type: 'timeseries',
      unit: 's',
      w: 8,
      h: 8,
      targets: [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(collector_device_completeness_lag_seconds_bucket[${RATE}])))`,
        legend: `p${q * 100}`,
      })),
    },
    {
      title: 'Publish retries reported / s',
      description: 'Publishes without a broker confirm, as the Pis report them in their next batch.',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [{ expr: `sum(rate(collector_device_publish_retries_total[${RATE}]))`, legend: 'retries/s' }],
    },
    {
      title: 'Broker connections',
      description: 'RabbitMQ: one connection per Pi (or gateway); churn is Pis reconnecting.',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        { expr: 'sum(rabbitmq_connections)', legend: 'connections' },
        { expr: 'sum(rabbitmq_channels)', legend: 'channels' },
        { expr: `sum(rate(rabbitmq_connections_opened_total[${RATE}]))`, legend: 'opened/s' },
        { expr: `sum(rate(rabbitmq_connections_closed_total[${RATE}]))`, legend: 'closed/s' },
      ],
    },
  ],
};

const victoriaMetrics: DashboardSpec = {
  file: 'operators/victoriametrics.json',
  uid: 'energy-ops-vm',
  title: 'Operators / VictoriaMetrics',
  tags: ['energy', 'operators'],
  time: { from: 'now-6h', to: 'now' },
  refresh: '1m',
  panels: [
    {
      title: 'Up',
      type: 'stat',
      unit: 'none',
      w: 6,
      h: 5,
      targets: [
        { expr: 'up{job=~"victoriametrics|monitoring-victoriametrics"}', instant: true, legend: '{{job}}' },
      ],
    },
    {
      title: 'Free disk',
      type: 'stat',
      unit: 'bytes',
      w: 18,
      h: 5,
      targets: [{ expr: 'min by (job) (vm_free_disk_space_bytes)', instant: true, legend: '{{job}}' }],
    },
    {
      title: 'Rows inserted / s',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [{ expr: `sum by (job) (rate(vm_rows_inserted_total[${RATE}]))`, legend: '{{job}}' }],
    },
    {
      title: 'Data size',
      type: 'timeseries',
      unit: 'bytes',
      w: 12,
      h: 8,
      targets: [{ expr: 'sum by (job) (vm_data_size_bytes)', legend: '{{job}}' }],
    },
    {
      title: 'Active series (last hour)',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        { expr: 'sum by (job) (vm_cache_entries{type="storage/hour_metric_ids"})', legend: '{{job}}' },
      ],
    },
    {
      title: 'HTTP errors / s',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (job, path) (rate(vm_http_request_errors_total[${RATE}]))`,
          legend: '{{job}} {{path}}',
        },
      ],
    },
  ],
};

const api: DashboardSpec = {
  file: 'operators/api.json',
  uid: 'energy-ops-api',
  title: 'Operators / API',
  tags: ['energy', 'operators'],
  time: { from: 'now-3h', to: 'now' },
  refresh: '30s',
  panels: [
    {
      title: 'Requests / s by route',
      type: 'timeseries',
      unit: 'reqps',
      w: 12,
      h: 8,
      targets: [
        { expr: `sum by (route) (rate(http_requests_total{job="api"}[${RATE}]))`, legend: '{{route}}' },
      ],
    },
    {
      title: '5xx ratio',
      type: 'timeseries',
      unit: 'percentunit',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum(rate(http_requests_total{job="api",status=~"5.."}[${RATE}])) / sum(rate(http_requests_total{job="api"}[${RATE}]))`,
          legend: '5xx',
        },
      ],
    },
    {
      title: 'Latency p99 by route',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="api"}[${RATE}])))`,
          legend: '{{route}}',
        },
      ],
    },
    {
      title: 'Failed logins / min',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      h: 8,
      targets: [
        { expr: `sum by (reason) (rate(api_login_failures_total[${RATE}])) * 60`, legend: '{{reason}}' },
      ],
    },
    // The browser's view (Faro, POST /api/v1/rum) beside the server's: the
    // same route templates on both sides, so a gap between them is network,
    // queueing or the browser itself.
    {
      title: 'API call p75 by route — as browsers saw it',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      description: "Each fetch's duration in the portal's browsers (resource timing), by route template.",
      targets: [
        {
          expr: `histogram_quantile(0.75, sum by (le, route) (rate(api_rum_api_call_seconds_bucket{job="api"}[${RATE}])))`,
          legend: '{{route}}',
        },
      ],
    },
    {
      title: 'API call p75 by route — as the server saw it',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      description: 'From the request entering Koa to the response leaving it.',
      targets: [
        {
          expr: `histogram_quantile(0.75, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="api",route=~"/api/.*"}[${RATE}])))`,
          legend: '{{route}}',
        },
      ],
    },
    {
      title: 'Web vitals p75 (browsers)',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      description:
        'Good: LCP ≤ 2.5 s, INP ≤ 200 ms, TTFB ≤ 800 ms, FCP ≤ 1.8 s. Page load: navigation start to DOM complete.',
      targets: [
        {
          expr: `histogram_quantile(0.75, sum by (le, vital) (rate(api_rum_web_vital_seconds_bucket{job="api"}[${RATE}])))`,
          legend: '{{vital}}',
        },
        {
          expr: `histogram_quantile(0.75, sum by (le) (rate(api_rum_page_load_seconds_bucket{job="api"}[${RATE}])))`,
          legend: 'page load',
        },
      ],
    },
    {
      title: 'Cumulative layout shift p75 (browsers)',
      type: 'timeseries',
      unit: 'short',
      w: 6,
      h: 8,
      description: 'Good: ≤ 0.1.',
      targets: [
        {
          expr: `histogram_quantile(0.75, sum by (le) (rate(api_rum_cumulative_layout_shift_bucket{job="api"}[${RATE}])))`,
          legend: 'CLS',
        },
      ],
    },
    {
      title: 'RUM refused and dropped / min',
      type: 'timeseries',
      unit: 'short',
      w: 6,
      h: 8,
      description:
        'Reports refused (413 too many items or too large, 429 rate limited, 400 not Faro) and single values dropped (not a number, out of range).',
      targets: [
        {
          expr: `sum by (reason) (rate(api_rum_rejected_total{job="api"}[${RATE}])) * 60`,
          legend: 'refused {{reason}}',
        },
        {
          expr: `sum by (reason) (rate(api_rum_values_dropped_total{job="api"}[${RATE}])) * 60`,
          legend: 'dropped {{reason}}',
        },
      ],
    },
  ],
};

export const dashboards: readonly DashboardSpec[] = [household, ingest, victoriaMetrics, api];

export const dashboardsDir = new URL('./dashboards/', import.meta.url).pathname;

/**
 * File path (relative to grafana/dashboards) → JSON text, formatted the way
 * `prettier --check` wants it, so the committed files pass `npm run check`.
 */
export async function renderDashboards(): Promise<Map<string, string>> {
  const options = await resolveConfig(join(dashboardsDir, 'x.json'));
  const out = new Map<string, string>();
  for (const d of dashboards) {
    out.set(d.file, await format(JSON.stringify(dashboard(d)), { ...options, parser: 'json' }));
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [file, text] of await renderDashboards()) {
    const path = join(dashboardsDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote grafana/dashboards/${file}`);
  }
}
