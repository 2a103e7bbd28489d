import type { SeriesReader } from './series-reader.js';
import { bySocket, type ReadingHousehold, type SocketNames } from './sockets.js';
import { householdPriceAt, roundMoney } from './tariff.js';

/** The 5th percentile of a week's power is what a socket draws when "off". */
export const STANDBY_QUANTILE = 0.05;
export const STANDBY_WINDOW_MS = 7 * 86_400_000;
/** A mean year: 365.25 days. */
const HOURS_PER_YEAR = 8766;
/** The role of a socket that meters the whole house rather than one appliance. */
const HOUSE_METER = 'house-meter';

export interface StandbyCost {
  readonly baselineWatts: number;
  readonly kwhPerYear: number;
  readonly costPerYear: number;
}
export interface StandbySocket extends StandbyCost {
  readonly device: string;
  readonly socket: number;
  readonly name: string;
  readonly role: string;
}
export interface StandbyView {
  readonly currency: string;
  /** Today's price, the one the yearly costs assume. */
  readonly pricePerKwh: number;
  readonly sockets: StandbySocket[];
  readonly houseMeters: StandbySocket[];
  /** The house meters' baseline less the sockets' (never below 0); null without a house meter. */
  readonly untracked: StandbyCost | null;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Standby per socket: the baseline power, what it comes to in a year and
 * what that costs at today's price; with a house meter declared, the
 * baseline no socket accounts for.
 */
export async function standbyView(
  series: SeriesReader,
  hh: ReadingHousehold,
  names: SocketNames,
  nowMs: number,
): Promise<StandbyView> {
  const price = householdPriceAt(hh, nowMs);
  const rows = await series.powerQuantile(hh.id, STANDBY_QUANTILE, STANDBY_WINDOW_MS);
  const yearly = (w: number): { kwhPerYear: number; costPerYear: number } => {
    const kwh = (w * HOURS_PER_YEAR) / 1000;
    return { kwhPerYear: round3(kwh), costPerYear: roundMoney(kwh * price) };
  };
  const all = rows
    .map((s) => {
      const n = names(s.device, s.socket);
      const w = round3(s.value);
      return {
        device: s.device,
        socket: s.socket,
        name: n.name,
        role: n.role,
        baselineWatts: w,
        ...yearly(w),
      };
    })
    .sort(bySocket);
  const meter = all.filter((s) => s.role === HOUSE_METER);
  const sockets = all.filter((s) => s.role !== HOUSE_METER);
  let untracked = null;
  if (meter.length > 0) {
    const w = Math.max(
      0,
      meter.reduce((a, s) => a + s.baselineWatts, 0) - sockets.reduce((a, s) => a + s.baselineWatts, 0),
    );
    untracked = { baselineWatts: round3(w), ...yearly(w) };
  }
  return { currency: hh.currency, pricePerKwh: price, sockets, houseMeters: meter, untracked };
}
