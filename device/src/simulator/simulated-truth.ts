import { buckets, localDate } from '@energy/lib/local-time';
import type { HouseholdSimulator } from './household-simulator.js';

/** One local calendar day of one socket: what it really used. */
export interface LocalDayTruth {
  /** The household's calendar date, YYYY-MM-DD. */
  readonly date: string;
  /** Local midnight to the next local midnight (23 or 25 hours on daylight-saving days), clipped to the range asked. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly joules: number;
}

/**
 * The simulator's truth per local day of its household's zone, for the days
 * [fromMs, toMs) touches (the first and last clipped to the range): the
 * reference that the API's daily kWh is checked against.
 */
export function truthJoulesByLocalDay(
  sim: HouseholdSimulator,
  socket: number,
  fromMs: number,
  toMs: number,
): LocalDayTruth[] {
  return buckets(fromMs, toMs, 'day', sim.timeZone).map((b) => {
    const from = Math.max(b.start, fromMs);
    const to = Math.min(b.end, toMs);
    return {
      date: localDate(b.start, sim.timeZone),
      fromMs: from,
      toMs: to,
      joules: sim.truthJoules(socket, from, to),
    };
  });
}
