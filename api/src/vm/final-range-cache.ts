import { DAILY_COST_SERIES, DAILY_KWH_SERIES, DAILY_WRITTEN_SERIES } from '@energy/lib/series';
import { ByteLru, NO_OBSERVER, type CacheObserver } from '../core/readings/byte-lru.js';

/**
 * The final steps of the Prometheus endpoint's query_range answers, per
 * household. A query_range evaluates each step on its own, from samples at
 * or before the step; a step at or before the household's completeness
 * (less a margin for recording rules, which vmalert writes after the
 * instant they are stamped) can no longer change. Those points are kept;
 * only the steps after them go to VictoriaMetrics (with nocache: its own
 * rollup cache keeps answers that late data has made wrong). This is what
 * serves the household board's range panels, refreshed every minute over
 * a window that slides by a step or two.
 *
 * Only plain queries qualify: `offset` and `@` can read after the step, and
 * parameters other than query/start/end/step change the answer in ways the
 * key does not hold. Everything else passes through uncached. Points are
 * kept per grid phase (start modulo step): Grafana aligns a 1d step to the
 * viewer's local midnight, not to the epoch.
 */

/**
 * Functions (and grouping keywords) whose value at a step reads only that
 * step's window. MetricsQL also has functions over the whole answer
 * (range_max, running_sum, topk_max, keep_last_value, sort, limit_offset …):
 * a point of those changes with the range, so a query naming any function
 * not listed here passes through.
 */
const STEP_LOCAL = new Set(
  (
    'sum avg min max count group stddev stdvar quantile count_values by without on ignoring group_left ' +
    'group_right bool and or unless rate irate increase delta idelta deriv avg_over_time max_over_time ' +
    'min_over_time sum_over_time count_over_time last_over_time first_over_time quantile_over_time ' +
    'tlast_over_time tfirst_over_time tmax_over_time tmin_over_time stddev_over_time present_over_time ' +
    'changes resets histogram_quantile abs ceil floor round clamp clamp_min clamp_max scalar vector time ' +
    'timestamp label_replace label_join absent absent_over_time exp ln log2 log10 sqrt sgn'
  ).split(' '),
);
const FUNCTION_CALL = /([A-Za-z_][A-Za-z0-9_:]*)\s*\(/g;

/** Whether every point of the query's answer depends only on samples at or before its own step. */
export function stepLocal(query: string): boolean {
  if (/\boffset\b|@/.test(query)) return false;
  for (const m of query.matchAll(FUNCTION_CALL))
    if (!STEP_LOCAL.has((m[1] ?? '').toLowerCase())) return false;
  return true;
}

/** vmalert's evaluation lag is far below this: a rule's sample older than it is written. */
export const RULE_MARGIN_MS = 10 * 60_000;
const PLAIN_PARAMS = new Set(['query', 'start', 'end', 'step', 'nocache']);

interface Series {
  readonly metric: Record<string, string>;
  readonly values: [number, string][];
}
interface Kept {
  /** Step times (s) from `from` to `to` inclusive are all here; a series absent there had no point. */
  readonly from: number;
  readonly to: number;
  readonly series: readonly Series[];
}

export interface RangeRequest {
  readonly query: string;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/**
 * The daily series the API writes back (api/src/grafana/daily-writeback-loop.ts)
 * are stamped at a local day's start but written only once the day is final,
 * up to a pass later: a step that looks final still gains them, and no
 * device-minute announces them. Queries that read them are never kept.
 */
const WRITTEN_LATE = new RegExp(
  `\\b(${[DAILY_KWH_SERIES, DAILY_COST_SERIES, DAILY_WRITTEN_SERIES].join('|')})\\b`,
);
export const readsWrittenLate = (query: string): boolean => WRITTEN_LATE.test(query);

/** The request as the cache reads it, or undefined when it must pass through. */
export function plainRange(params: URLSearchParams): RangeRequest | undefined {
  for (const k of params.keys()) if (!PLAIN_PARAMS.has(k)) return undefined;
  const query = params.get('query') ?? '';
  const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(params.get(k)));
  if (
    start === undefined ||
    end === undefined ||
    step === undefined ||
    params.getAll('query').length !== 1 ||
    !stepLocal(query) ||
    readsWrittenLate(query) ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    !Number.isInteger(step) ||
    step <= 0 ||
    end < start
  )
    return undefined;
  return { query, start, end, step };
}

const PLAIN_INSTANT_PARAMS = new Set(['query', 'time', 'nocache']);

/**
 * An instant query with its time given (Grafana always gives it) and
 * nothing else that changes the answer, as a key; else undefined. Its
 * answer is VictoriaMetrics' at that time, so it can be kept as long as the
 * household's data cannot change (its next device-minute).
 */
export function plainInstant(
  params: URLSearchParams,
): { readonly query: string; readonly time: number } | undefined {
  for (const k of params.keys()) if (!PLAIN_INSTANT_PARAMS.has(k)) return undefined;
  const time = Number(params.get('time'));
  if (
    params.getAll('query').length !== 1 ||
    params.getAll('time').length !== 1 ||
    !Number.isFinite(time) ||
    readsWrittenLate(params.get('query') ?? '')
  )
    return undefined;
  return { query: params.get('query') ?? '', time };
}

type Fetch = (start: number, end: number) => Promise<{ status: number; body: string }>;

export class FinalRangeCache {
  private readonly lru: ByteLru<Kept>;

  constructor(maxBytes = 128 * 2 ** 20, observer: CacheObserver = NO_OBSERVER) {
    this.lru = new ByteLru(maxBytes, observer);
  }

  /**
   * The answer to `r` for `household`: kept final points, the rest through
   * `fetch` (VictoriaMetrics, household forced). `completeUntilMs` is the
   * household's completeness; `generation` its device generation.
   */
  async answer(
    household: string,
    generation: string,
    r: RangeRequest,
    completeUntilMs: number,
    fetch: Fetch,
  ): Promise<{ status: number; body: string }> {
    const phase = ((r.start % r.step) + r.step) % r.step;
    const key = `${household}\u0000${generation}\u0000${r.step}\u0000${phase}\u0000${r.query}`;
    // The last step on this grid at or before completeness (less the rules' margin).
    const finalTo = Math.min(
      r.end,
      phase + Math.floor(((completeUntilMs - RULE_MARGIN_MS) / 1000 - phase) / r.step) * r.step,
    );
    const kept = this.lru.get(key);
    const usable = kept && kept.from <= r.start && r.start <= kept.to + r.step;
    // Nothing kept and nothing to keep: VictoriaMetrics' answer as it came, not parsed.
    if (!usable && finalTo < r.start) return fetch(r.start, r.end);
    const tailFrom = usable ? Math.max(r.start, Math.min(kept.to, r.end) + r.step) : r.start;
    let tail: Series[] = [];
    if (tailFrom <= r.end) {
      const res = await fetch(tailFrom, r.end);
      const parsed = matrix(res.body);
      if (res.status !== 200 || !parsed) return res;
      tail = parsed;
    }
    const head = usable ? clip(kept.series, r.start, Math.min(kept.to, r.end)) : [];
    const all = merge(head, tail);
    if (finalTo >= r.start) {
      const keep = clip(all, r.start, finalTo);
      this.lru.set(key, { from: r.start, to: finalTo, series: keep }, bytesOf(keep));
    }
    return {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: all } }),
    };
  }
}

/** The series of a complete matrix answer, or undefined (an error, a partial answer). */
function matrix(body: string): Series[] | undefined {
  try {
    const b = JSON.parse(body) as {
      status?: string;
      isPartial?: boolean;
      data?: { resultType?: string; result?: Series[] };
    };
    if (b.status !== 'success' || b.isPartial === true || b.data?.resultType !== 'matrix') return undefined;
    return b.data.result;
  } catch {
    return undefined;
  }
}

function clip(series: readonly Series[], from: number, to: number): Series[] {
  const out: Series[] = [];
  for (const s of series) {
    const values = s.values.filter(([t]) => t >= from && t <= to);
    if (values.length > 0) out.push({ metric: s.metric, values });
  }
  return out;
}

const labelsKey = (m: Record<string, string>): string =>
  JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Kept points then fetched ones, per series (the same labels); the fetched start after the kept. */
function merge(head: readonly Series[], tail: readonly Series[]): Series[] {
  const by = new Map<string, Series>();
  for (const s of [...head, ...tail]) {
    const k = labelsKey(s.metric);
    const e = by.get(k);
    if (e) e.values.push(...s.values);
    else by.set(k, { metric: s.metric, values: [...s.values] });
  }
  return [...by.values()];
}

const bytesOf = (series: readonly Series[]): number =>
  series.reduce((a, s) => a + 200 + s.values.length * 40, 64);
