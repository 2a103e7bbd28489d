/**
 * The queries a Grafana dashboard's panels send to a Prometheus datasource,
 * expanded from the board's JSON the way Grafana's frontend and its
 * Prometheus datasource do: the panel's time range (dashboard time, or the
 * panel's `timeFrom` override), the interval from the range over the panel's
 * resolution (`maxDataPoints`, else its width in pixels on the screen),
 * rounded as Grafana rounds it and bounded below by the query's min interval
 * (else the datasource's scrape interval) and by range / 11,000, the step
 * equal to that interval, start and end aligned to the step, and the
 * template variables, `$__interval`, `$__rate_interval` and `$__range`
 * substituted. Instant targets become `/api/v1/query` at the range's end.
 *
 * Used by the query benchmark (the board's load on the API) and by tests
 * that check what the board asks. No I/O: the board comes in as JSON.
 */
import { localParts, offsetMs, zonedToInstant } from './local-time.js';

export interface PanelQueryOptions {
  /** Wall-clock time of the refresh, ms. */
  readonly nowMs: number;
  /** The viewer's zone (the household board's `timezone` is "browser"). */
  readonly timeZone: string;
  /** Screen width in px; a panel is `gridPos.w` / 24 of it. Default 1920. */
  readonly screenWidthPx?: number;
  /** Values of the board's variables by name (constants default to their `query`). */
  readonly variables?: Readonly<Record<string, string>>;
  /** The datasource's scrape interval (Grafana's Prometheus default: 15 s). */
  readonly scrapeIntervalS?: number;
}

/** One HTTP request to the Prometheus-compatible API, times in Unix seconds. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly kind: 'range' | 'instant';
  readonly start: number;
  readonly end: number;
  /** Seconds; for an instant query the step Grafana would have used. */
  readonly step: number;
}

interface BoardTarget {
  refId?: string;
  expr?: string;
  instant?: boolean;
  range?: boolean;
  interval?: string;
  hide?: boolean;
}
interface BoardPanel {
  title?: string;
  type?: string;
  gridPos?: { w?: number };
  maxDataPoints?: number;
  interval?: string;
  timeFrom?: string;
  targets?: BoardTarget[];
  panels?: BoardPanel[];
}
interface Board {
  time?: { from?: string; to?: string };
  templating?: { list?: { name?: string; type?: string; query?: unknown; current?: { value?: unknown } }[] };
  panels?: BoardPanel[];
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_592_000_000,
  y: 31_536_000_000,
};

/** '30s', '1m', '1d' → ms (Grafana's intervalToMs). */
export function intervalMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)$/.exec(text.trim());
  if (!m) throw new Error(`not an interval: ${text}`);
  return Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
}

/** Grafana's kbn.roundInterval: a raw interval to the nearest "nice" one. */
export function roundInterval(ms: number): number {
  const table: [number, number][] = [
    [10, 1],
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12_500, 10_000],
    [17_500, 15_000],
    [25_000, 20_000],
    [45_000, 30_000],
    [90_000, 60_000],
    [210_000, 120_000],
    [450_000, 300_000],
    [750_000, 600_000],
    [1_050_000, 900_000],
    [1_500_000, 1_200_000],
    [2_700_000, 1_800_000],
    [5_400_000, 3_600_000],
    [9_000_000, 7_200_000],
    [16_200_000, 10_800_000],
    [24_300_000, 21_600_000],
    [64_800_000, 43_200_000],
    [129_600_000, 86_400_000],
    [388_800_000, 86_400_000 * 7],
    [1_209_600_000, 86_400_000 * 30],
  ];
  for (const [upTo, to] of table) if (ms <= upTo) return to;
  return 31_536_000_000;
}

/** Grafana's date math, enough for boards: now, now-30d, now/d, now/M, now-1d/d; `roundUp` ends the unit. */
export function parseDateMath(text: string, nowMs: number, tz: string, roundUp = false): number {
  const m = /^now(?:-(\d+)([smhdwMy]))?(?:\/([smhdwMy]))?$/.exec(text.trim());
  if (!m) throw new Error(`unsupported time expression: ${text}`);
  let t = nowMs;
  const [, n, unit, round] = m;
  if (n !== undefined && unit !== undefined) t = subtract(t, Number(n), unit, tz);
  if (round !== undefined) t = roundTo(t, round, tz, roundUp);
  return t;
}

function subtract(t: number, n: number, unit: string, tz: string): number {
  if (unit === 's' || unit === 'm' || unit === 'h') return t - n * (UNIT_MS[unit] ?? 0);
  // Calendar units move the wall clock (moment's subtract in the viewer's zone).
  const p = localParts(t, tz);
  const days = unit === 'd' ? n : unit === 'w' ? 7 * n : 0;
  const months = unit === 'M' ? n : unit === 'y' ? 12 * n : 0;
  return zonedToInstant(p.year, p.month - months, p.day - days, p.hour, p.minute, tz) + p.second * 1000;
}

function roundTo(t: number, unit: string, tz: string, roundUp: boolean): number {
  if (unit === 's' || unit === 'm' || unit === 'h') {
    const u = UNIT_MS[unit] ?? 1000;
    const start = Math.floor(t / u) * u;
    return roundUp ? start + u - 1 : start;
  }
  const p = localParts(t, tz);
  let start: number;
  let next: number;
  if (unit === 'd') {
    start = zonedToInstant(p.year, p.month, p.day, 0, 0, tz);
    next = zonedToInstant(p.year, p.month, p.day + 1, 0, 0, tz);
  } else if (unit === 'w') {
    // Grafana's default week starts on the browser locale's first day; Monday here.
    start = zonedToInstant(p.year, p.month, p.day - (p.weekday - 1), 0, 0, tz);
    next = zonedToInstant(p.year, p.month, p.day - (p.weekday - 1) + 7, 0, 0, tz);
  } else if (unit === 'M') {
    start = zonedToInstant(p.year, p.month, 1, 0, 0, tz);
    next = zonedToInstant(p.year, p.month + 1, 1, 0, 0, tz);
  } else {
    start = zonedToInstant(p.year, 1, 1, 0, 0, tz);
    next = zonedToInstant(p.year + 1, 1, 1, 0, 0, tz);
  }
  return roundUp ? next - 1 : start;
}

/** The panel's [from, to] in ms: its `timeFrom` ("30d" = now-30d…now; "now/d" = the whole day) or the board's. */
function panelRange(board: Board, panel: BoardPanel, o: PanelQueryOptions): [number, number] {
  const tf = panel.timeFrom;
  if (tf) {
    if (tf.startsWith('now')) {
      return [parseDateMath(tf, o.nowMs, o.timeZone), parseDateMath(tf, o.nowMs, o.timeZone, true)];
    }
    return [parseDateMath(`now-${tf}`, o.nowMs, o.timeZone), o.nowMs];
  }
  return [
    parseDateMath(board.time?.from ?? 'now-6h', o.nowMs, o.timeZone),
    parseDateMath(board.time?.to ?? 'now', o.nowMs, o.timeZone, true),
  ];
}

function variables(board: Board, o: PanelQueryOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of board.templating?.list ?? []) {
    if (!v.name) continue;
    const current = v.current?.value;
    if (typeof current === 'string') out[v.name] = current;
    else if (v.type === 'constant' && typeof v.query === 'string') out[v.name] = v.query;
  }
  return { ...out, ...o.variables };
}

function substitute(expr: string, vars: Record<string, string>): string {
  // Longest names first: $__interval_ms before $__interval, $price_per_kwh before $price.
  const names = Object.keys(vars).sort((a, b) => b.length - a.length);
  let out = expr;
  for (const n of names) {
    const value = vars[n] ?? '';
    out = out.split(`\${${n}}`).join(value).split(`[[${n}]]`).join(value).split(`$${n}`).join(value);
  }
  return out;
}

function* allPanels(panels: readonly BoardPanel[]): Generator<BoardPanel> {
  for (const p of panels) {
    if (p.type === 'row') yield* allPanels(p.panels ?? []);
    else yield p;
  }
}

/** Every request one refresh of the board sends, in panel order. */
export function boardPanelQueries(boardJson: unknown, o: PanelQueryOptions): PanelQuery[] {
  const board = boardJson as Board;
  const screen = o.screenWidthPx ?? 1920;
  const scrapeS = o.scrapeIntervalS ?? 15;
  const vars = variables(board, o);
  const offsetS = offsetMs(o.nowMs, o.timeZone) / 1000;
  const out: PanelQuery[] = [];
  for (const panel of allPanels(board.panels ?? [])) {
    const [fromMs, toMs] = panelRange(board, panel, o);
    const rangeS = Math.max(1, Math.round((toMs - fromMs) / 1000));
    const resolution = panel.maxDataPoints ?? Math.floor((screen * (panel.gridPos?.w ?? 24)) / 24);
    for (const t of panel.targets ?? []) {
      if (t.hide || !t.expr) continue;
      const minInterval = substitute(t.interval || panel.interval || `${scrapeS}s`, vars);
      // Query runner: the panel's $__interval; then the datasource bounds it (adjustInterval).
      const dynamicS = Math.max(roundInterval((toMs - fromMs) / resolution), intervalMs(minInterval)) / 1000;
      const step = Math.max(dynamicS, intervalMs(minInterval) / 1000, Math.ceil(rangeS / 11_000));
      const scoped = {
        ...vars,
        __interval: `${step}s`,
        __interval_ms: String(step * 1000),
        __rate_interval: `${Math.max(step + scrapeS, 4 * scrapeS)}s`,
        __range: `${rangeS}s`,
        __range_s: String(rangeS),
        __range_ms: String(rangeS * 1000),
      };
      const expr = substitute(t.expr, scoped);
      const startS = Math.floor(fromMs / 1000);
      const endS = Math.ceil(toMs / 1000);
      const instant = t.instant === true && t.range !== true;
      // Grafana aligns down to the step on the viewer's clock (a 1d step starts at local midnight).
      const align = (x: number) => Math.floor((x + offsetS) / step) * step - offsetS;
      out.push({
        panel: panel.title ?? '',
        refId: t.refId ?? 'A',
        expr,
        kind: instant ? 'instant' : 'range',
        start: instant ? startS : align(startS),
        end: instant ? endS : align(endS),
        step,
      });
    }
  }
  return out;
}

/** The request path and form of one panel query against a Prometheus-compatible API. */
export function panelQueryRequest(q: PanelQuery): { path: string; params: URLSearchParams } {
  if (q.kind === 'instant') {
    return { path: '/api/v1/query', params: new URLSearchParams({ query: q.expr, time: String(q.end) }) };
  }
  return {
    path: '/api/v1/query_range',
    params: new URLSearchParams({
      query: q.expr,
      start: String(q.start),
      end: String(q.end),
      step: String(q.step),
    }),
  };
}
