import { offsetMs } from '@energy/lib/local-time';
import { APPLIANCES, minuteDeciwatts } from './appliances.js';
import { hash4, hashString } from './hash.js';

const MINUTES_PER_DAY = 1440;

/**
 * Offset of a time zone from UTC in minutes at an instant, daylight saving
 * included: the kettle is boiled at 7:00 on the household's clock, summer and
 * winter. Cached per zone and quarter hour (every transition in the tz
 * database falls on one), so a fleet of 100,000 households sharing a handful
 * of zones asks Intl once per zone and quarter hour.
 */
const offsets = new Map<string, Map<number, number>>();
const QUARTER_MS = 15 * 60_000;
const MAX_CACHED_QUARTERS = 100_000;

export function utcOffsetMinutes(timeZone: string, atMs: number): number {
  const quarter = Math.floor(atMs / QUARTER_MS);
  let zone = offsets.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let cached = zone.get(quarter);
  if (cached === undefined) {
    try {
      cached = Math.round(offsetMs(quarter * QUARTER_MS, timeZone) / 60_000);
    } catch {
      cached = 0; // an unknown zone simulates on UTC
    }
    if (zone.size >= MAX_CACHED_QUARTERS) zone.clear();
    zone.set(quarter, cached);
  }
  return cached;
}

export interface HouseholdOptions {
  readonly seed: number;
  readonly householdId: string;
  /** Two devices of one household have different appliances behind the same socket numbers. */
  readonly deviceId?: string;
  readonly timeZone?: string;
}

/**
 * The true power and energy of every socket of one simulated household, a
 * pure function of (seed, household, device, socket, time). Power is
 * constant within each UTC minute, so energies are exact sums.
 */
export class HouseholdSimulator {
  private readonly key: number;
  /** The household's zone: its daily routine and its local days follow it. */
  readonly timeZone: string;

  constructor(opts: HouseholdOptions) {
    this.key = hash4(opts.seed >>> 0, hashString(opts.householdId), hashString(opts.deviceId ?? ''), 0x5eed);
    this.timeZone = opts.timeZone ?? 'UTC';
  }

  /** Name of the appliance behind a socket. */
  static applianceName(socket: number): string {
    return APPLIANCES[socket % APPLIANCES.length]?.name ?? 'Unknown';
  }

  /** Mean power of the UTC minute `minute` (= floor(unixS / 60)), deciwatts. */
  minuteDeciwatts(socket: number, minute: number): number {
    const appliance = APPLIANCES[socket % APPLIANCES.length];
    if (appliance === undefined) return 0;
    const local = minute + utcOffsetMinutes(this.timeZone, minute * 60_000);
    const day = Math.floor(local / MINUTES_PER_DAY);
    const minuteOfDay = local - day * MINUTES_PER_DAY;
    return minuteDeciwatts(appliance.profile, hash4(this.key, socket, 0x50c, 0), minute, minuteOfDay, day);
  }

  /** Power at an instant (the mean of its minute), watts. */
  powerWatts(socket: number, unixS: number): number {
    return this.minuteDeciwatts(socket, Math.floor(unixS / 60)) / 10;
  }

  /** Energy of one whole minute, joules: 60 s × dW / 10 — always a whole number. */
  minuteEnergyJoules(socket: number, minute: number): number {
    return 6 * this.minuteDeciwatts(socket, minute);
  }

  /**
   * The truth: joules the socket really used in [fromMs, toMs) — what a
   * perfect meter and a lossless pipeline would report. Exact: a whole number
   * when both ends fall on whole minutes (power is constant in each minute).
   */
  truthJoules(socket: number, fromMs: number, toMs: number): number {
    return this.energyJoules(socket, fromMs / 1000, toMs / 1000);
  }

  /** Exact energy between two instants, joules. */
  energyJoules(socket: number, fromS: number, toS: number): number {
    if (toS <= fromS) return 0;
    const firstMinute = Math.floor(fromS / 60);
    const lastMinute = Math.floor(toS / 60);
    if (firstMinute === lastMinute) return (this.minuteDeciwatts(socket, firstMinute) / 10) * (toS - fromS);
    let joules = (this.minuteDeciwatts(socket, firstMinute) / 10) * ((firstMinute + 1) * 60 - fromS);
    for (let m = firstMinute + 1; m < lastMinute; m++) joules += this.minuteEnergyJoules(socket, m);
    joules += (this.minuteDeciwatts(socket, lastMinute) / 10) * (toS - lastMinute * 60);
    return joules;
  }
}
