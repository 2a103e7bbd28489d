import { buckets, type Bucket } from '@energy/lib/local-time';
import type { SeriesReader, SocketSamples } from './series-reader.js';
import type { ReadingHousehold, SocketNames } from './sockets.js';
import { pricer, roundMoney, tariffOf } from './tariff.js';
import { rfc3339 } from './zone-clock.js';

const QUARTER_MS = 900_000;
const JOULES_PER_KWH = 3_600_000;

export interface SocketEnergy {
  readonly device: string;
  readonly socket: number;
  kwh: number;
  cost: number;
}
/** What the house meter measured beyond the sockets: house − Σ sockets, never below zero. */
export interface Untracked {
  kwh: number;
  cost: number;
}
export interface EnergyBucket {
  readonly start: number;
  readonly end: number;
  /** The household's use: its house meter where one measured the bucket, else the sum of its sockets. */
  kwh: number;
  cost: number;
  /** Every socket, house meters included (their role tells them apart). */
  readonly sockets: SocketEnergy[];
  /** Null without a house meter reading in the bucket. */
  untracked: Untracked | null;
}

/** How energyBuckets tells a house meter from a socket, and reports a meter that read less than its sockets. */
export interface HouseMeterOptions {
  /** The socket roles (socketNames); without it every socket is an ordinary one. */
  readonly names?: SocketNames;
  /** Called once per bucket whose house meter read less than the sum of its sockets (clamped to zero). */
  readonly onNegativeUntracked?: () => void;
}

const HOUSE_METER = 'house-meter';

/**
 * A socket's quarter-hour increases (joules) in a row: quarter i ends at
 * `firstEndMs + i × 15 min`; NaN where it had no reading. What the energy
 * cache holds per final day, handed over without a tuple per quarter.
 */
export interface QuarterRun {
  readonly device: string;
  readonly socket: number;
  readonly firstEndMs: number;
  readonly joules: ArrayLike<number>;
}

/** Where energyBuckets reads quarters: the energy cache (energy-cache.ts) in front of the store. */
export interface QuarterSource {
  quarterRuns(household: string, startMs: number, endMs: number): Promise<QuarterRun[]>;
}

/** A store's quarter-hour increases as runs. */
export function quarterRuns(read: readonly SocketSamples[]): QuarterRun[] {
  return read.flatMap((s) => {
    const firstEndMs = s.samples[0]?.[0];
    const lastEndMs = s.samples[s.samples.length - 1]?.[0];
    if (firstEndMs === undefined || lastEndMs === undefined) return [];
    const joules = new Float64Array((lastEndMs - firstEndMs) / QUARTER_MS + 1).fill(NaN);
    for (const [t, j] of s.samples) joules[(t - firstEndMs) / QUARTER_MS] = j;
    return [{ device: s.device, socket: s.socket, firstEndMs, joules }];
  });
}

/**
 * Energy per bucket from the counter: the increase over every quarter hour
 * (every zone's offset is a whole number of quarters, so quarters never
 * straddle a bucket edge), priced at the quarter's start and summed into the
 * household's local buckets. Quarters after now are not read.
 */
export async function energyBuckets(
  source: Pick<SeriesReader, 'energyIncrease'> | QuarterSource,
  hh: ReadingHousehold,
  opts: {
    readonly from: number;
    readonly to: number;
    readonly bucket: Bucket;
    readonly nowMs: number;
  } & HouseMeterOptions,
): Promise<EnergyBucket[]> {
  const bs = localBuckets(opts.from, opts.to, opts.bucket, hh.timeZone);
  const first = bs[0];
  const last = bs[bs.length - 1];
  if (!first || !last) return [];
  const endMs = readUpTo(last.end, opts.nowMs);
  const out: EnergyBucket[] = bs.map((b) => ({ ...b, kwh: 0, cost: 0, sockets: [], untracked: null }));
  // The house meters' sums per bucket, apart from the sockets': the meter measures them too.
  const meterKwh = new Float64Array(out.length).fill(NaN);
  const meterCost = new Float64Array(out.length);
  const index = new Map<string, number>();
  const price = pricer(tariffOf(hh), hh.timeZone);
  let runs: QuarterRun[] = [];
  if (first.start < endMs) {
    runs =
      'quarterRuns' in source
        ? await source.quarterRuns(hh.id, first.start, endMs)
        : quarterRuns(
            await source.energyIncrease(hh.id, { startMs: first.start, endMs, stepMs: QUARTER_MS }),
          );
  }
  for (const run of runs) {
    const { device, socket, joules, firstEndMs } = run;
    const isMeter = opts.names?.(device, socket).role === HOUSE_METER;
    // Quarter i spans [firstEndMs + (i − 1) q, firstEndMs + i q): the run's first and last starts.
    const runStart = firstEndMs - QUARTER_MS;
    const runEnd = firstEndMs + (joules.length - 1) * QUARTER_MS;
    for (let bi = firstBucketEndingAfter(out, runStart); bi < out.length; bi++) {
      const b = out[bi];
      if (!b || b.start >= runEnd || b.start >= endMs) break;
      // The quarters whose start lies in the bucket and whose end is not after endMs.
      const lo = Math.max(0, Math.ceil((b.start - runStart) / QUARTER_MS));
      const hi = Math.min(joules.length - 1, Math.floor((Math.min(b.end, endMs) - firstEndMs) / QUARTER_MS));
      let kwh = 0;
      let cost = 0;
      let any = false;
      for (let i = lo; i <= hi; i++) {
        const j = joules[i];
        if (j === undefined || Number.isNaN(j)) continue;
        const k = j / JOULES_PER_KWH;
        if (!Number.isFinite(k)) continue;
        kwh += k;
        cost += k * price(runStart + i * QUARTER_MS);
        any = true;
      }
      if (!any) continue;
      const key = `${bi}|${device}|${socket}`;
      let e = index.get(key);
      if (e === undefined) {
        e = b.sockets.push({ device, socket, kwh: 0, cost: 0 }) - 1;
        index.set(key, e);
      }
      const se = b.sockets[e];
      if (se) {
        se.kwh += kwh;
        se.cost += cost;
      }
      if (isMeter) {
        meterKwh[bi] = (Number.isNaN(meterKwh[bi] ?? NaN) ? 0 : (meterKwh[bi] ?? 0)) + kwh;
        meterCost[bi] = (meterCost[bi] ?? 0) + cost;
      } else {
        b.kwh += kwh;
        b.cost += cost;
      }
    }
  }
  for (const [bi, b] of out.entries()) {
    const houseKwh = meterKwh[bi] ?? NaN;
    if (!Number.isNaN(houseKwh)) {
      const houseCost = meterCost[bi] ?? 0;
      // Rounded before comparing: a remainder within the rounding is none, not noise to count.
      const left = round6(houseKwh) - round6(b.kwh);
      if (left < 0) opts.onNegativeUntracked?.();
      b.untracked = {
        kwh: round6(Math.max(0, left)),
        cost: roundMoney(Math.max(0, houseCost - b.cost)),
      };
      b.kwh = houseKwh;
      b.cost = houseCost;
    }
    b.kwh = round6(b.kwh);
    b.cost = roundMoney(b.cost);
    b.sockets.sort((x, y) => x.device.localeCompare(y.device) || x.socket - y.socket);
    for (const s of b.sockets) {
      s.kwh = round6(s.kwh);
      s.cost = roundMoney(s.cost);
    }
  }
  return out;
}

/** Quarters after now are not read: the end of the quarter holding now, or the last bucket's end. */
const readUpTo = (lastEnd: number, nowMs: number): number =>
  Math.min(lastEnd, Math.ceil(nowMs / QUARTER_MS) * QUARTER_MS);

/**
 * What an energy answer is made of, besides the readings and the household:
 * its first bucket's start, its last bucket's end, and the end of what is
 * read. Two requests with the same extent get the same answer.
 */
export function energyExtent(
  from: number,
  to: number,
  bucket: Bucket,
  timeZone: string,
  nowMs: number,
): { readonly startMs: number; readonly endMs: number; readonly readToMs: number } | undefined {
  const bs = localBuckets(from, to, bucket, timeZone);
  const first = bs[0];
  const last = bs[bs.length - 1];
  return first && last && { startMs: first.start, endMs: last.end, readToMs: readUpTo(last.end, nowMs) };
}

/**
 * lib's `buckets` (the local buckets from the one holding `from` up to
 * `to`), served from a run of consecutive buckets already computed per kind
 * and zone: each bucket edge costs several Intl calls, and views ask the
 * same buckets again and again from starts that differ by the millisecond
 * (a month back from now). Bucket edges depend only on kind and zone, so
 * runs that meet are joined.
 */
const knownRuns = new Map<string, readonly { readonly start: number; readonly end: number }[]>();
const MAX_RUN = 20_000;
export function localBuckets(
  from: number,
  to: number,
  bucket: Bucket,
  tz: string,
): { start: number; end: number }[] {
  const key = `${bucket}|${tz}`;
  let run = knownRuns.get(key) ?? [];
  if (!covers(run, from, to)) {
    run = joined(run, buckets(from, to, bucket, tz));
    if (knownRuns.size >= 1_000) knownRuns.clear();
    knownRuns.set(key, run);
    if (!covers(run, from, to)) return buckets(from, to, bucket, tz);
  }
  const out: { start: number; end: number }[] = [];
  for (let i = firstBucketEndingAfter(run, from); i < run.length; i++) {
    const b = run[i];
    if (!b || b.start >= to) break;
    out.push({ start: b.start, end: b.end });
  }
  return out;
}

const covers = (run: readonly { start: number; end: number }[], from: number, to: number): boolean =>
  (run[0]?.start ?? Infinity) <= from && to <= (run[run.length - 1]?.end ?? -Infinity);

/** Two runs of the same kind and zone as one when they meet or overlap, else the fresh one alone. */
function joined(
  run: readonly { readonly start: number; readonly end: number }[],
  fresh: readonly { readonly start: number; readonly end: number }[],
): readonly { readonly start: number; readonly end: number }[] {
  const [a, z, fa, fz] = [run[0], run[run.length - 1], fresh[0], fresh[fresh.length - 1]];
  if (!a || !z || !fa || !fz || fa.start > z.end || fz.end < a.start || run.length + fresh.length > MAX_RUN)
    return fresh;
  return [...fresh.filter((b) => b.end <= a.start), ...run, ...fresh.filter((b) => b.start >= z.end)];
}

/** The index of the first bucket that ends after `ms` (buckets are in order and do not overlap). */
function firstBucketEndingAfter(bs: readonly { readonly end: number }[], ms: number): number {
  let lo = 0;
  let hi = bs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((bs[mid]?.end ?? Infinity) <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export interface EnergyView {
  readonly bucket: Bucket;
  readonly timeZone: string;
  readonly currency: string;
  readonly buckets: {
    readonly start: string;
    readonly end: string;
    readonly kwh: number;
    readonly cost: number;
    readonly sockets: readonly SocketEnergy[];
    readonly untracked: Untracked | null;
  }[];
}

/** The energy answer: buckets with their local start and end. */
export function energyView(hh: ReadingHousehold, bucket: Bucket, bs: readonly EnergyBucket[]): EnergyView {
  return {
    bucket,
    timeZone: hh.timeZone,
    currency: hh.currency,
    buckets: bs.map((b) => ({
      start: rfc3339(b.start, hh.timeZone),
      end: rfc3339(b.end, hh.timeZone),
      kwh: b.kwh,
      cost: b.cost,
      sockets: b.sockets,
      untracked: b.untracked,
    })),
  };
}

/** The CSV export: a row per socket per bucket, names quoted where they need it. */
export function energyCsv(hh: ReadingHousehold, names: SocketNames, bs: readonly EnergyBucket[]): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [`start,end,device,socket,name,kwh,cost_${hh.currency}`];
  for (const b of bs) {
    for (const s of b.sockets) {
      lines.push(
        [
          rfc3339(b.start, hh.timeZone),
          rfc3339(b.end, hh.timeZone),
          q(s.device),
          s.socket,
          q(names(s.device, s.socket).name),
          s.kwh,
          s.cost,
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
