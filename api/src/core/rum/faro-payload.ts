/**
 * What the API takes from a Grafana Faro payload (POST /api/v1/rum): how
 * many items of each kind, the web vitals of the page, its load time, and
 * the duration of every fetch the page made. Faro's shapes (web SDK 2.x):
 *   measurements[] {type: 'web-vitals', values: {lcp|inp|ttfb|fcp: ms} | {cls: score}}
 *   events[] {name: 'faro.performance.navigation', attributes: {pageLoadTime: 'ms'}}
 *   events[] {name: 'faro.performance.resource', attributes: {name: url, duration: 'ms', initiatorType}}
 * A browser is not trusted: a value that is not a finite number in range is
 * dropped and counted, never stored.
 */
export const RUM_KINDS = ['logs', 'exceptions', 'measurements', 'events', 'traces'] as const;
export type RumKind = (typeof RUM_KINDS)[number];

/** Vitals measured in milliseconds by the browser, kept in seconds. */
export const TIMED_VITALS = ['lcp', 'inp', 'ttfb', 'fcp'] as const;
export type TimedVital = (typeof TIMED_VITALS)[number];

/** Why one value of an accepted payload was not recorded (metric label `reason`). */
export type RumDropReason = 'not_a_number' | 'out_of_range';

/** Why a whole payload was refused (metric label `reason`, with the HTTP refusals). */
export type RumRefusal = { readonly reason: 'not_faro' | 'too_many_events'; readonly message: string };

export interface RumReading {
  readonly counts: ReadonlyMap<RumKind, number>;
  readonly vitals: readonly { readonly vital: TimedVital; readonly seconds: number }[];
  /** Cumulative layout shift: a score, not a time. */
  readonly layoutShifts: readonly number[];
  readonly pageLoads: readonly number[];
  /** Each fetch or XHR the page made: its URL as reported, and its duration. */
  readonly fetches: readonly { readonly url: string; readonly seconds: number }[];
  readonly dropped: ReadonlyMap<RumDropReason, number>;
}

/** Ten minutes: a longer "page load" or "fetch" is a broken clock, not a measurement. */
const MAX_MS = 600_000;
const MAX_CLS = 100;

export function readFaroPayload(body: unknown, maxEvents: number): RumReading | RumRefusal {
  if (!isRecord(body) || !('meta' in body)) {
    return { reason: 'not_faro', message: 'Not a Faro payload: "meta" is missing' };
  }
  const counts = new Map<RumKind, number>();
  let total = 0;
  for (const kind of RUM_KINDS) {
    const n = itemCount(body[kind]);
    if (n > 0) counts.set(kind, n);
    total += n;
  }
  if (total > maxEvents) {
    return {
      reason: 'too_many_events',
      message: `At most ${maxEvents} items per request; this one has ${total}`,
    };
  }

  const dropped = new Map<RumDropReason, number>();
  const drop = (reason: RumDropReason) => dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  /** A number in [0, max], from a number or a numeric string (Faro sends timings as strings). */
  const value = (raw: unknown, max: number): number | undefined => {
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) return void drop('not_a_number');
    if (n < 0 || n > max) return void drop('out_of_range');
    return n;
  };

  const vitals: { vital: TimedVital; seconds: number }[] = [];
  const layoutShifts: number[] = [];
  for (const m of arrayOf(body.measurements)) {
    if (!isRecord(m) || m.type !== 'web-vitals' || !isRecord(m.values)) continue;
    for (const vital of TIMED_VITALS) {
      if (!(vital in m.values)) continue;
      const ms = value(m.values[vital], MAX_MS);
      if (ms !== undefined) vitals.push({ vital, seconds: ms / 1000 });
    }
    if ('cls' in m.values) {
      const score = value(m.values.cls, MAX_CLS);
      if (score !== undefined) layoutShifts.push(score);
    }
  }

  const pageLoads: number[] = [];
  const fetches: { url: string; seconds: number }[] = [];
  for (const e of arrayOf(body.events)) {
    if (!isRecord(e) || !isRecord(e.attributes)) continue;
    const a = e.attributes;
    if (e.name === 'faro.performance.navigation' && 'pageLoadTime' in a) {
      const ms = value(a.pageLoadTime, MAX_MS);
      if (ms !== undefined) pageLoads.push(ms / 1000);
    } else if (
      e.name === 'faro.performance.resource' &&
      (a.initiatorType === 'fetch' || a.initiatorType === 'xmlhttprequest') &&
      typeof a.name === 'string'
    ) {
      const ms = value(a.duration, MAX_MS);
      if (ms !== undefined) fetches.push({ url: a.name, seconds: ms / 1000 });
    }
  }
  return { counts, vitals, layoutShifts, pageLoads, fetches, dropped };
}

export function isRefusal(r: RumReading | RumRefusal): r is RumRefusal {
  return 'reason' in r;
}

/** Items of one kind: an array, or OTLP traces' resourceSpans. */
function itemCount(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (isRecord(v) && Array.isArray(v.resourceSpans)) return v.resourceSpans.length;
  return 0;
}

function arrayOf(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
