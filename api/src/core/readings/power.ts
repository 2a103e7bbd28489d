import type { SeriesReader } from './series-reader.js';
import { bySocket, type ReadingHousehold, type SocketNames } from './sockets.js';
import { rfc3339 } from './zone-clock.js';

/** The finest step a chart may ask for, and the most points it may get. */
export const MIN_STEP_SECONDS = 10;
export const MAX_POINTS = 11_000;

/**
 * What a chart can show: about 300 points across (a day at 5 minutes), in
 * whole minutes, at least one. Finer steps only add bytes; the peaks a
 * coarse step would average away are kept in `maxWatts`.
 */
export const CHART_POINTS = 300;
export function defaultStepSeconds(fromMs: number, toMs: number): number {
  return Math.max(60, Math.ceil((toMs - fromMs) / 1000 / CHART_POINTS / 60) * 60);
}

/** Why a chart cannot have this step, or undefined. */
export function stepProblem(fromMs: number, toMs: number, stepSeconds: number): string | undefined {
  if (
    !Number.isInteger(stepSeconds) ||
    stepSeconds < MIN_STEP_SECONDS ||
    (toMs - fromMs) / 1000 / stepSeconds > MAX_POINTS
  )
    return `"step" must be whole seconds, at least ${MIN_STEP_SECONDS}, and give at most ${MAX_POINTS} points`;
  return undefined;
}

export interface PowerChart {
  readonly from: string;
  readonly to: string;
  readonly stepSeconds: number;
  readonly timestamps: string[];
  readonly series: {
    readonly device: string;
    readonly socket: number;
    readonly name: string;
    /** Mean power over the step ending at each timestamp; null where the socket did not report. */
    readonly watts: (number | null)[];
    /** Highest power within that step (the peaks a mean hides); null where `watts` is. */
    readonly maxWatts: (number | null)[];
  }[];
}

/**
 * The chart's grid in Unix seconds: whole steps inside [from, to], aligned
 * to the epoch. The chart is made of the grid alone: two requests with the
 * same grid get the same answer.
 */
export function chartGrid(range: {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepSeconds: number;
}): {
  readonly start: number;
  readonly end: number;
} {
  const step = range.stepSeconds;
  return {
    start: Math.ceil(range.fromMs / 1000 / step) * step,
    end: Math.floor(range.toMs / 1000 / step) * step,
  };
}

/** Where the chart reads its steps: a SeriesReader, or the chart cache (chart-cache.ts) in front of it. */
export type PowerSource = Pick<SeriesReader, 'meanPower' | 'maxPower'>;

/**
 * Mean and highest power per socket on a fixed grid of whole steps inside
 * [from, to] (aligned to the Unix epoch, so a refresh reuses the same
 * points). A socket may come back in several parts (cached and fresh).
 */
export async function powerChart(
  series: PowerSource,
  hh: ReadingHousehold,
  names: SocketNames,
  range: { readonly fromMs: number; readonly toMs: number; readonly stepSeconds: number },
): Promise<PowerChart> {
  const step = range.stepSeconds;
  const { start, end } = chartGrid(range);
  const n = end < start ? 0 : (end - start) / step + 1;
  const timestamps: string[] = [];
  for (let i = 0; i < n; i++) timestamps.push(rfc3339((start + i * step) * 1000, hh.timeZone));
  const grid = { startMs: start * 1000, endMs: end * 1000, stepMs: step * 1000 };
  const [read, peaks] =
    n === 0 ? [[], []] : await Promise.all([series.meanPower(hh.id, grid), series.maxPower(hh.id, grid)]);
  // One row per socket, a slot per timestamp.
  const rows = new Map<
    string,
    { device: string; socket: number; watts: (number | null)[]; maxWatts: (number | null)[] }
  >();
  const slot = (t: number): number => (t / 1000 - start) / step;
  for (const s of read) {
    const key = `${s.device}|${s.socket}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        device: s.device,
        socket: s.socket,
        watts: new Array<number | null>(n).fill(null),
        maxWatts: new Array<number | null>(n).fill(null),
      };
      rows.set(key, row);
    }
    for (const [t, v] of s.samples) {
      const i = slot(t);
      if (i >= 0 && i < n && Number.isInteger(i)) row.watts[i] = v;
    }
  }
  for (const p of peaks) {
    const row = rows.get(`${p.device}|${p.socket}`);
    if (!row) continue;
    for (const [t, v] of p.samples) {
      const i = slot(t);
      if (i >= 0 && i < n && Number.isInteger(i) && row.watts[i] !== null) row.maxWatts[i] = v;
    }
  }
  return {
    from: rfc3339(start * 1000, hh.timeZone),
    to: rfc3339(end * 1000, hh.timeZone),
    stepSeconds: step,
    timestamps,
    series: [...rows.values()]
      .map((r) => ({
        device: r.device,
        socket: r.socket,
        name: names(r.device, r.socket).name,
        watts: r.watts,
        maxWatts: r.maxWatts,
      }))
      .sort(bySocket),
  };
}
