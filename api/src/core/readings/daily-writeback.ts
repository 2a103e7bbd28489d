import { DAILY_COST_SERIES, DAILY_KWH_SERIES, DAILY_WRITTEN_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { localBuckets, type EnergyBucket } from './energy.js';
import type { ReadingHousehold } from './sockets.js';

/**
 * Which closed local days of a household are written back as daily series
 * (DAILY_KWH_SERIES, DAILY_COST_SERIES), and the samples written. Pure: the
 * loop (api/src/grafana/daily-writeback-loop.ts) reads and writes.
 */

/**
 * The household's local days after the last one written (or from
 * `lookbackMs` before now when none is), up to the last day that ends at or
 * before `finalUntilMs`, at most `maxDays` of them, oldest first.
 */
export function daysToWrite(o: {
  readonly timeZone: string;
  /** The start (local midnight) of the newest day already written, if any. */
  readonly lastWrittenStartMs: number | undefined;
  /** Every reading before this instant is stored (finality.ts), and it is not within the last minute. */
  readonly finalUntilMs: number;
  readonly nowMs: number;
  readonly lookbackMs: number;
  readonly maxDays: number;
}): { readonly start: number; readonly end: number }[] {
  const from = Math.max(o.nowMs - o.lookbackMs, (o.lastWrittenStartMs ?? -Infinity) + 1);
  if (from >= o.finalUntilMs) return [];
  return localBuckets(from, o.finalUntilMs, 'day', o.timeZone)
    .filter(
      (b) =>
        b.end <= o.finalUntilMs && (o.lastWrittenStartMs === undefined || b.start > o.lastWrittenStartMs),
    )
    .slice(0, o.maxDays);
}

const label = (v: string): string => JSON.stringify(v);

/**
 * Prometheus text lines (`/api/v1/import/prometheus`, timestamps in ms): per
 * day and socket (house meters too) its kWh and cost exactly as the energy
 * answer rounds them, stamped at the day's start; and per day, empty ones
 * too, the progress marker (last, so a day is marked after its values).
 */
export function dailySampleLines(
  hh: ReadingHousehold,
  days: readonly EnergyBucket[],
  /** What the costs were priced with (the loop's fingerprint of tariff, zone and currency), on the mark. */
  pricing: string,
): string[] {
  const lines: string[] = [];
  for (const d of days) {
    for (const s of d.sockets) {
      const labels = `${SERIES_LABELS.household}=${label(hh.id)},${SERIES_LABELS.device}=${label(s.device)},${SERIES_LABELS.socket}=${label(String(s.socket))}`;
      lines.push(`${DAILY_KWH_SERIES}{${labels}} ${s.kwh} ${d.start}`);
      lines.push(`${DAILY_COST_SERIES}{${labels},currency=${label(hh.currency)}} ${s.cost} ${d.start}`);
    }
    lines.push(
      `${DAILY_WRITTEN_SERIES}{${SERIES_LABELS.household}=${label(hh.id)},pricing=${label(pricing)}} ${d.sockets.length} ${d.start}`,
    );
  }
  return lines;
}
