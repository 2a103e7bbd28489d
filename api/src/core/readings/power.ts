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
 * Mean power per socket on a fixed grid of whole steps inside [from, to]
 * (aligned to the Unix epoch, so a refresh reuses the same points).
 */
export async function powerChart(
  series: Pick<SeriesReader, 'meanPower' | 'maxPower'>,
  hh: ReadingHousehold,
  names: SocketNames,
  range: { readonly fromMs: number; readonly toMs: number; readonly stepSeconds: number },
): Promise<PowerChart> {
  const step = range.stepSeconds;
  const start = Math.ceil(range.fromMs / 1000 / step) * step;
  const end = Math.floor(range.toMs / 1000 / step) * step;
  const timestamps: number[] = [];
  for (let t = start; t <= end; t += step) timestamps.push(t);
  const grid = { startMs: start * 1000, endMs: end * 1000, stepMs: step * 1000 };
  const [read, peaks] =
    end < start ? [[], []] : await Promise.all([series.meanPower(hh.id, grid), series.maxPower(hh.id, grid)]);
  const peakOf = new Map(peaks.map((p) => [`${p.device}|${p.socket}`, new Map(p.samples)]));
  return {
    from: rfc3339(start * 1000, hh.timeZone),
    to: rfc3339(end * 1000, hh.timeZone),
    stepSeconds: step,
    timestamps: timestamps.map((t) => rfc3339(t * 1000, hh.timeZone)),
    series: read
      .map((s) => {
        const byT = new Map(s.samples);
        const maxT = peakOf.get(`${s.device}|${s.socket}`);
        return {
          device: s.device,
          socket: s.socket,
          name: names(s.device, s.socket).name,
          watts: timestamps.map((t) => byT.get(t * 1000) ?? null),
          maxWatts: timestamps.map((t) => (byT.has(t * 1000) ? (maxT?.get(t * 1000) ?? null) : null)),
        };
      })
      .sort(bySocket),
  };
}
