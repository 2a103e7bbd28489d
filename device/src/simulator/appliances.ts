import { SIMULATED_SOCKET_NAMES } from '@energy/lib/series';
import { unit } from './hash.js';

/**
 * Appliance profiles: each socket of a simulated household has one, picked
 * by socket number. A profile gives the mean power of one minute as a closed
 * form of (socket key, minute, local minute of day, local day): no state, no
 * per-second stepping, so 100,000 households × 30 sockets stay cheap.
 * Power is constant within a minute, so the exact energy of any interval is
 * a sum of whole minutes plus two partial ones.
 */
type Range = readonly [number, number];

interface Session {
  /** Window in which the session may start, local minutes of day. */
  readonly from: number;
  readonly to: number;
  /** Probability that the session happens on a given day. */
  readonly p: number;
  readonly minutes: Range;
  readonly watts: Range;
  readonly days?: 'weekday' | 'weekend';
}

export type ApplianceProfile =
  | { readonly kind: 'constant'; readonly watts: Range; readonly noise: number }
  | {
      readonly kind: 'cycle';
      readonly periodMin: Range;
      readonly duty: Range;
      readonly on: Range;
      readonly off: number;
    }
  | { readonly kind: 'sessions'; readonly standby: number; readonly sessions: readonly Session[] }
  | {
      readonly kind: 'programme';
      readonly standby: number;
      readonly p: number;
      readonly from: number;
      readonly to: number;
      /** [minutes, watts] per phase. */
      readonly phases: readonly (readonly [number, number])[];
    }
  | { readonly kind: 'heater'; readonly on: Range; readonly windows: readonly (readonly [number, number])[] };

const h = (hh: number, mm = 0): number => hh * 60 + mm;

export const APPLIANCES: readonly { readonly name: string; readonly profile: ApplianceProfile }[] = [
  {
    name: 'Fridge',
    profile: { kind: 'cycle', periodMin: [38, 50], duty: [0.3, 0.45], on: [80, 120], off: 1.5 },
  },
  {
    name: 'Freezer',
    profile: { kind: 'cycle', periodMin: [55, 75], duty: [0.35, 0.5], on: [70, 110], off: 1 },
  },
  {
    name: 'Kettle',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [
        { from: h(6, 30), to: h(8, 30), p: 0.9, minutes: [3, 4], watts: [2000, 2400] },
        { from: h(15), to: h(17), p: 0.5, minutes: [3, 4], watts: [2000, 2400] },
        { from: h(19), to: h(22), p: 0.6, minutes: [2, 4], watts: [2000, 2400] },
      ],
    },
  },
  {
    name: 'Washing machine',
    profile: {
      kind: 'programme',
      standby: 0.8,
      p: 0.4,
      from: h(9),
      to: h(19),
      phases: [
        [5, 20],
        [15, 2100],
        [45, 210],
        [20, 150],
        [10, 450],
      ],
    },
  },
  {
    name: 'Dishwasher',
    profile: {
      kind: 'programme',
      standby: 0.5,
      p: 0.7,
      from: h(19, 30),
      to: h(22, 30),
      phases: [
        [10, 60],
        [20, 1900],
        [50, 90],
        [15, 1700],
        [25, 5],
      ],
    },
  },
  {
    name: 'TV',
    profile: {
      kind: 'sessions',
      standby: 0.5,
      sessions: [
        { from: h(18), to: h(20), p: 0.85, minutes: [90, 240], watts: [70, 130] },
        { from: h(13), to: h(16), p: 0.6, minutes: [60, 180], watts: [70, 130], days: 'weekend' },
      ],
    },
  },
  { name: 'Router', profile: { kind: 'constant', watts: [7, 11], noise: 0.05 } },
  {
    name: 'Heater',
    profile: {
      kind: 'heater',
      on: [1500, 2000],
      windows: [
        [h(6), h(9)],
        [h(16, 30), h(23)],
      ],
    },
  },
  {
    name: 'Microwave',
    profile: {
      kind: 'sessions',
      standby: 2,
      sessions: [
        { from: h(12), to: h(13, 30), p: 0.5, minutes: [2, 5], watts: [900, 1200] },
        { from: h(18), to: h(20), p: 0.5, minutes: [2, 6], watts: [900, 1200] },
      ],
    },
  },
  {
    name: 'Oven',
    profile: {
      kind: 'sessions',
      standby: 1,
      sessions: [{ from: h(17, 30), to: h(19), p: 0.4, minutes: [30, 70], watts: [1800, 2400] }],
    },
  },
  {
    name: 'Toaster',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [{ from: h(6, 30), to: h(8, 30), p: 0.6, minutes: [2, 4], watts: [800, 1000] }],
    },
  },
  {
    name: 'Coffee machine',
    profile: {
      kind: 'sessions',
      standby: 1.5,
      sessions: [
        { from: h(6), to: h(8), p: 0.95, minutes: [2, 3], watts: [1200, 1450] },
        { from: h(13), to: h(15), p: 0.6, minutes: [1, 2], watts: [1200, 1450] },
      ],
    },
  },
  {
    name: 'Computer',
    profile: {
      kind: 'sessions',
      standby: 2,
      sessions: [
        { from: h(8), to: h(10), p: 0.8, minutes: [300, 480], watts: [60, 150], days: 'weekday' },
        { from: h(19), to: h(21), p: 0.4, minutes: [60, 150], watts: [80, 200] },
      ],
    },
  },
  {
    name: 'Monitor',
    profile: {
      kind: 'sessions',
      standby: 0.4,
      sessions: [{ from: h(8), to: h(10), p: 0.8, minutes: [300, 480], watts: [20, 35], days: 'weekday' }],
    },
  },
  {
    name: 'Game console',
    profile: {
      kind: 'sessions',
      standby: 9,
      sessions: [{ from: h(17), to: h(21), p: 0.35, minutes: [45, 180], watts: [120, 200] }],
    },
  },
  {
    name: 'Living room lamp',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [{ from: h(17), to: h(19), p: 0.95, minutes: [180, 330], watts: [8, 12] }],
    },
  },
  {
    name: 'Bedroom lamp',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [
        { from: h(22), to: h(23, 30), p: 0.9, minutes: [15, 60], watts: [5, 9] },
        { from: h(6), to: h(7, 30), p: 0.7, minutes: [10, 30], watts: [5, 9] },
      ],
    },
  },
  {
    name: 'Phone charger',
    profile: {
      kind: 'sessions',
      standby: 0.1,
      sessions: [{ from: h(22), to: h(24), p: 0.95, minutes: [90, 180], watts: [4, 12] }],
    },
  },
  {
    name: 'Tumble dryer',
    profile: {
      kind: 'programme',
      standby: 0.5,
      p: 0.25,
      from: h(11),
      to: h(20),
      phases: [
        [50, 2300],
        [15, 600],
        [10, 100],
      ],
    },
  },
  {
    name: 'Aquarium',
    profile: { kind: 'cycle', periodMin: [20, 30], duty: [0.2, 0.4], on: [80, 110], off: 18 },
  },
  { name: 'NAS', profile: { kind: 'constant', watts: [18, 35], noise: 0.1 } },
  { name: 'Alarm system', profile: { kind: 'constant', watts: [5, 12], noise: 0.02 } },
  {
    name: 'Sound system',
    profile: {
      kind: 'sessions',
      standby: 4,
      sessions: [{ from: h(18), to: h(21), p: 0.5, minutes: [60, 180], watts: [25, 60] }],
    },
  },
  {
    name: 'Hair dryer',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [{ from: h(6, 30), to: h(8), p: 0.5, minutes: [4, 8], watts: [1600, 2000] }],
    },
  },
  {
    name: 'Iron',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [
        { from: h(10), to: h(18), p: 0.15, minutes: [20, 45], watts: [1000, 1400], days: 'weekend' },
      ],
    },
  },
  {
    name: 'Dehumidifier',
    profile: { kind: 'cycle', periodMin: [60, 90], duty: [0.3, 0.6], on: [180, 260], off: 1 },
  },
  {
    name: 'Water heater',
    profile: {
      kind: 'sessions',
      standby: 3,
      sessions: [
        { from: h(5), to: h(6), p: 1, minutes: [40, 80], watts: [2000, 3000] },
        { from: h(17), to: h(19), p: 0.8, minutes: [20, 50], watts: [2000, 3000] },
      ],
    },
  },
  {
    name: 'Printer',
    profile: {
      kind: 'sessions',
      standby: 2.5,
      sessions: [{ from: h(9), to: h(17), p: 0.3, minutes: [1, 3], watts: [300, 450], days: 'weekday' }],
    },
  },
  {
    name: 'Vacuum robot dock',
    profile: {
      kind: 'sessions',
      standby: 3,
      sessions: [{ from: h(10), to: h(14), p: 0.5, minutes: [90, 150], watts: [25, 40] }],
    },
  },
  {
    name: 'Desk fan',
    profile: {
      kind: 'sessions',
      standby: 0,
      sessions: [{ from: h(12), to: h(16), p: 0.3, minutes: [60, 240], watts: [25, 45] }],
    },
  },
];

/** The 30 socket names, in socket order (socket n has APPLIANCES[n % 30]); typed once in lib, which the demo seed reads. */
export const SOCKET_NAMES: readonly string[] = SIMULATED_SOCKET_NAMES;
if (
  APPLIANCES.some((a, i) => a.name !== SIMULATED_SOCKET_NAMES[i]) ||
  APPLIANCES.length !== SOCKET_NAMES.length
) {
  throw new Error('appliance profiles and SIMULATED_SOCKET_NAMES (lib/src/series.ts) are out of step');
}

const pick = (r: Range, u: number): number => r[0] + u * (r[1] - r[0]);
const MINUTES_PER_DAY = 1440;

/** 1970-01-01 was a Thursday. */
function isWeekend(day: number): boolean {
  const dow = (((day + 4) % 7) + 7) % 7;
  return dow === 0 || dow === 6;
}

function sessionWatts(
  key: number,
  s: Session,
  j: number,
  minuteOfDay: number,
  day: number,
): number | undefined {
  // A session that started the previous evening may still run after midnight.
  for (let back = 0; back <= 1; back++) {
    const d = day - back;
    if (s.days === 'weekend' && !isWeekend(d)) continue;
    if (s.days === 'weekday' && isWeekend(d)) continue;
    if (unit(key, d, 10 + j, 1) >= s.p) continue;
    const start = s.from + Math.floor(unit(key, d, 20 + j, 2) * (s.to - s.from));
    const dur = Math.round(pick(s.minutes, unit(key, d, 30 + j, 3)));
    const offset = minuteOfDay + back * MINUTES_PER_DAY - start;
    if (offset >= 0 && offset < dur) return pick(s.watts, unit(key, d, 40 + j, 4));
  }
  return undefined;
}

/**
 * Mean power of one minute in deciwatts (whole numbers, so a minute's energy
 * is 6 × deciwatts joules exactly: the wire carries 0.1 W and whole joules).
 */
export function minuteDeciwatts(
  profile: ApplianceProfile,
  key: number,
  minute: number,
  minuteOfDay: number,
  day: number,
): number {
  let w: number;
  switch (profile.kind) {
    case 'constant':
      w = pick(profile.watts, unit(key, 1, 0, 0)) * (1 + profile.noise * (unit(key, minute, 2, 0) - 0.5));
      break;
    case 'cycle': {
      const period = Math.round(pick(profile.periodMin, unit(key, 1, 0, 0)));
      const onMinutes = Math.round(pick(profile.duty, unit(key, 2, 0, 0)) * period);
      const phase = Math.floor(unit(key, 3, 0, 0) * period);
      const pos = (((minute + phase) % period) + period) % period;
      w =
        pos < onMinutes
          ? pick(profile.on, unit(key, 4, 0, 0)) * (1 + 0.04 * (unit(key, minute, 5, 0) - 0.5))
          : profile.off;
      break;
    }
    case 'sessions': {
      w = profile.standby;
      for (let j = 0; j < profile.sessions.length; j++) {
        const s = profile.sessions[j];
        if (s === undefined) continue;
        const on = sessionWatts(key, s, j, minuteOfDay, day);
        if (on !== undefined) {
          w = on;
          break;
        }
      }
      break;
    }
    case 'programme': {
      w = profile.standby;
      for (let back = 0; back <= 1; back++) {
        const d = day - back;
        if (unit(key, d, 50, 5) >= profile.p) continue;
        const start = profile.from + Math.floor(unit(key, d, 51, 6) * (profile.to - profile.from));
        let offset = minuteOfDay + back * MINUTES_PER_DAY - start;
        if (offset < 0) continue;
        for (const [len, watts] of profile.phases) {
          if (offset < len) {
            w = watts;
            break;
          }
          offset -= len;
        }
        if (w !== profile.standby) break;
      }
      break;
    }
    case 'heater': {
      // Heats in the cold half of the year, more the colder; a thermostat cycles it.
      const dayOfYear = ((day % 365.2425) + 365.2425) % 365.2425;
      const winter = Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.2425);
      w = 0;
      if (winter > 0.2 && profile.windows.some(([a, b]) => minuteOfDay >= a && minuteOfDay < b)) {
        const period = 20;
        const onMinutes = Math.round(period * (0.25 + 0.55 * winter));
        const pos = (minute + Math.floor(unit(key, 3, 0, 0) * period)) % period;
        if (pos < onMinutes) w = pick(profile.on, unit(key, 4, 0, 0));
      }
      break;
    }
  }
  return Math.max(0, Math.round(w * 10));
}
