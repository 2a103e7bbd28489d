import {
  COMPLETENESS_SERIES,
  DAILY_COST_SERIES,
  DAILY_KWH_SERIES,
  DAILY_WRITTEN_SERIES,
  ENERGY_SERIES,
  POWER_SERIES,
  SERIES_LABELS,
} from '@energy/lib/series';

/**
 * Every PromQL (MetricsQL) string the API sends to VictoriaMetrics, built
 * from the series names in lib. The household is never written into a read
 * query: the client forces it with `extra_label`.
 */

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A range in the largest whole unit: 7d, 10m, 900 s → 15m; below a second is refused. */
export function duration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  throw new RangeError(`${ms} ms is not a whole number of seconds`);
}

/** The last power value of every socket. */
export const lastPower = (withinMs: number): string =>
  `last_over_time(${POWER_SERIES}[${duration(withinMs)}])`;

/** The timestamp (Unix seconds) of that last value. */
export const lastPowerTime = (withinMs: number): string =>
  `tlast_over_time(${POWER_SERIES}[${duration(withinMs)}])`;

/** Mean power over each step of a range query. */
export const meanPower = (stepMs: number): string => `avg_over_time(${POWER_SERIES}[${duration(stepMs)}])`;

/** Highest power over each step of a range query: the peaks a coarse chart must keep. */
export const maxPower = (stepMs: number): string => `max_over_time(${POWER_SERIES}[${duration(stepMs)}])`;

/** The counter's increase (joules) over each step of a range query. */
export const energyIncrease = (stepMs: number): string => `increase(${ENERGY_SERIES}[${duration(stepMs)}])`;

export const powerQuantile = (q: number, windowMs: number): string =>
  `quantile_over_time(${q}, ${POWER_SERIES}[${duration(windowMs)}])`;

/** The newest report of any socket, per device (Unix seconds). */
export const deviceLastReport = (withinMs: number): string =>
  `max by (${SERIES_LABELS.device}) (tlast_over_time(${POWER_SERIES}[${duration(withinMs)}]))`;

/** Each device's highest completeness watermark (Unix seconds) stated within the window. */
export const deviceCompleteUntil = (withinMs: number): string =>
  `max by (${SERIES_LABELS.device}) (max_over_time(${COMPLETENESS_SERIES}[${duration(withinMs)}]))`;

/** Every series of one household: the match[] of a deletion. */
export const householdSeries = (household: string): string =>
  `{${SERIES_LABELS.household}=${JSON.stringify(household)}}`;

/** The label filter VictoriaMetrics adds to every read (`extra_label`). */
export const householdFilter = (household: string): string => `${SERIES_LABELS.household}=${household}`;

/** Per pricing the household's daily write-back was made with, when its newest day starts (Unix seconds). */
export const lastDailyWrite = (withinMs: number): string =>
  `max by (pricing) (tlast_over_time(${DAILY_WRITTEN_SERIES}[${duration(withinMs)}]))`;

/** Every written-back daily series of one household (kWh, cost, mark): the match[] of a repricing. */
export const householdDailySeries = (household: string): string =>
  `{__name__=~${JSON.stringify([DAILY_KWH_SERIES, DAILY_COST_SERIES, DAILY_WRITTEN_SERIES].join('|'))},${SERIES_LABELS.household}=${JSON.stringify(household)}}`;
