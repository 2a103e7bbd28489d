/**
 * What a simulated Pi's meter counts, as a pure function of time: the
 * household simulator's sockets, or a house meter on socket 0 that reads
 * the sum of the other sockets. Its truth is the reference the API's kWh
 * is compared with.
 */
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';

export interface MeterModel {
  readonly timeZone: string;
  readonly sockets: number;
  /** Exact joules of a socket in [fromS, toS). */
  joules(socket: number, fromS: number, toS: number): number;
  watts(socket: number, atS: number): number;
}

/** `deviceId` and `seed` as the exporter daemon's simulator meter takes them (it simulates on UTC). */
export function simulatedHousehold(
  householdId: string,
  timeZone: string,
  sockets: number,
  sim = new HouseholdSimulator({ seed: 11, householdId, timeZone }),
): MeterModel {
  return {
    timeZone,
    sockets,
    joules: (s, fromS, toS) => sim.truthJoules(s, fromS * 1000, toS * 1000),
    watts: (s, t) => sim.powerWatts(s, t),
  };
}

/** Socket 0 is the house meter: the sum of sockets 1..n-1 of the same household. */
export function withHouseMeter(m: MeterModel): MeterModel {
  const others = Array.from({ length: m.sockets - 1 }, (_, i) => i + 1);
  return {
    ...m,
    joules: (s, fromS, toS) =>
      s === 0 ? others.reduce((sum, o) => sum + m.joules(o, fromS, toS), 0) : m.joules(s, fromS, toS),
    watts: (s, t) => (s === 0 ? others.reduce((sum, o) => sum + m.watts(o, t), 0) : m.watts(s, t)),
  };
}
