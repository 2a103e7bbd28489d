/**
 * The events of the energy check, each one household (or two) on the real
 * stack whose batches carry the event: what a Pi sends through it, built from
 * the simulator, and the checks of the API's buckets against the truth.
 * Everything is stamped in the past: a whole local day that has ended.
 */
import { randomInt } from 'node:crypto';
import { buckets, bucketStart, type Bucket } from '@energy/lib/local-time';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import type { Check, Row } from './compare.js';
import {
  addDevice,
  declareHouseMeter,
  registerHousehold,
  type DeviceLogin,
  type Household,
} from './household-client.js';
import { simulatedHousehold, withHouseMeter, type MeterModel } from './meter-model.js';
import { publishAs } from './publish.js';
import type { EnergyStack } from './stack.js';
import { minuteStream, type Epoch } from './timeline.js';

export const SOCKETS = 8;
const MIN = 60;

export interface EventRun {
  readonly checks: Check[];
  /** Energy samples each household must hold before its buckets are asked. */
  readonly expected: { householdId: string; samples: number }[];
  /** What the event saw go wrong besides the kWh (the run fails on any). */
  readonly failures?: string[];
  /** Rows the event compared itself (the board's against the API's, event 8). */
  readonly rows?: Row[];
}

export interface EnergyEvent {
  readonly name: string;
  run(stack: EnergyStack): Promise<EventRun>;
}

/** The local day [start, end) that ended last in a zone (23, 24 or 25 hours). */
export function lastWholeDay(timeZone: string, nowMs = Date.now()): { startMs: number; endMs: number } {
  const endMs = bucketStart(nowMs, 'day', timeZone);
  return { startMs: bucketStart(endMs - 1, 'day', timeZone), endMs };
}

/** The local day holding a date's noon in a zone. */
export function localDay(date: string, timeZone: string): { startMs: number; endMs: number } {
  const noon = Date.parse(`${date}T12:00:00Z`);
  const b = buckets(noon, noon + 1, 'day', timeZone)[0];
  if (b === undefined) throw new Error(`no day for ${date} in ${timeZone}`);
  return { startMs: b.start, endMs: b.end };
}

export interface Home {
  readonly household: Household;
  readonly device: DeviceLogin;
  readonly model: MeterModel;
}

export async function home(
  stack: EnergyStack,
  name: string,
  timeZone: string,
  houseMeter = false,
): Promise<Home> {
  const household = await registerHousehold(stack.apiUrl, name, timeZone);
  const device = await addDevice(household, `${name} Pi`);
  // The simulated household is named after the event, not the API's random id: every run sends the same watts.
  const sim = simulatedHousehold(`verify-energy/${name}`, timeZone, SOCKETS);
  if (houseMeter) await declareHouseMeter(household, device.id, 0);
  return { household, device, model: houseMeter ? withHouseMeter(sim) : sim };
}

const newBoot = (): number => randomInt(1, 2 ** 31);

export function dayCheck(
  event: string,
  h: Home,
  day: { startMs: number; endMs: number },
  bucket: Bucket = 'day',
): Check {
  const range = buckets(day.startMs, day.endMs, bucket, h.model.timeZone);
  return {
    event,
    household: h.household,
    deviceId: h.device.id,
    model: h.model,
    covered: [[day.startMs / 1000, day.endMs / 1000]],
    bucket,
    fromMs: range[0]?.start ?? day.startMs,
    toMs: range.at(-1)?.end ?? day.endMs,
  };
}

/**
 * Energy samples VictoriaMetrics holds for a stream: one per socket and
 * minute (a duplicate is the same sample), and each epoch's first batch
 * (seq 1) adds the sockets' counters at zero (collector/src/core/epoch-start.ts).
 */
const samples = (batches: readonly ReadingBatch[]): number =>
  (new Set(batches.map((b) => b.endUnixS)).size +
    new Set(batches.filter((b) => b.seq === 1).map((b) => b.bootId)).size) *
  SOCKETS;

/** One Berlin household through yesterday, its stream shaped by `shape`. */
function dayEvent(
  name: string,
  shape: (dayStartS: number) => { epochs: Epoch[]; skip?: (endS: number) => boolean },
  deliver: (stack: EnergyStack, h: Home, stream: ReadingBatch[], dayStartS: number) => Promise<void> = (
    s,
    h,
    b,
  ) => publishAs(s.vhost, h.device, b),
): EnergyEvent {
  return {
    name,
    async run(stack) {
      const h = await home(stack, name, 'Europe/Berlin');
      const day = lastWholeDay('Europe/Berlin');
      const startS = day.startMs / 1000;
      const stream = minuteStream(h.model, { fromS: startS, toS: day.endMs / 1000, ...shape(startS) });
      await deliver(stack, h, stream, startS);
      return {
        checks: [dayCheck(name, h, day)],
        expected: [{ householdId: h.household.id, samples: samples(stream) }],
      };
    },
  };
}

const minuteIn = (dayStartS: number, endS: number, from: number, to: number): boolean =>
  endS > dayStartS + from * MIN && endS <= dayStartS + to * MIN;

export const EVENTS: readonly EnergyEvent[] = [
  // Down 3 minutes at 10:00 and again at 10:30: the same epoch goes on, the meter kept counting.
  dayEvent('exporter restarted twice within an hour', (d) => ({
    epochs: [{ bootId: newBoot(), startS: d }],
    skip: (e) => minuteIn(d, e, 600, 603) || minuteIn(d, e, 630, 633),
  })),
  // The chip lost power at 12:00: a new boot id, counters from zero, the first batch 3 minutes later.
  dayEvent('Pi reboot', (d) => ({
    epochs: [
      { bootId: newBoot(), startS: d },
      { bootId: newBoot(), startS: d + 720 * MIN },
    ],
    skip: (e) => minuteIn(d, e, 720, 722),
  })),
  // 14:00-15:00 sits in the outbox and is replayed after the live minutes of the rest of the day.
  dayEvent(
    'an hour offline, replayed from the outbox',
    (d) => ({ epochs: [{ bootId: newBoot(), startS: d }] }),
    async (s, h, stream, d) => {
      const late = (b: ReadingBatch) => minuteIn(d, b.endUnixS, 840, 900);
      await publishAs(
        s.vhost,
        h.device,
        stream.filter((b) => !late(b)),
      );
      await publishAs(s.vhost, h.device, stream.filter(late));
    },
  ),
  {
    name: 'daylight saving (Berlin 25 h and 23 h days, weeks, months; Kolkata)',
    async run(stack) {
      const name = 'daylight saving (Berlin 25 h and 23 h days, weeks, months; Kolkata)';
      const berlin = await home(stack, 'dst-berlin', 'Europe/Berlin');
      const checks: Check[] = [];
      let berlinSamples = 0;
      for (const date of ['2026-10-25', '2026-03-29']) {
        const day = localDay(date, 'Europe/Berlin');
        const stream = minuteStream(berlin.model, {
          fromS: day.startMs / 1000,
          toS: day.endMs / 1000,
          epochs: [{ bootId: newBoot(), startS: day.startMs / 1000 }],
        });
        await publishAs(stack.vhost, berlin.device, stream);
        berlinSamples += samples(stream);
        for (const bucket of ['day', 'week', 'month'] as const)
          checks.push(dayCheck(name, berlin, day, bucket));
      }
      // Both days reach the week and month buckets: each is checked against the truth of what was sent in it.
      const covered = checks.filter((c) => c.bucket === 'day').flatMap((c) => c.covered);
      const all: Check[] = checks.map((c) => ({ ...c, covered }));
      const kolkata = await home(stack, 'dst-kolkata', 'Asia/Kolkata');
      const kDay = lastWholeDay('Asia/Kolkata');
      const kStream = minuteStream(kolkata.model, {
        fromS: kDay.startMs / 1000,
        toS: kDay.endMs / 1000,
        epochs: [{ bootId: newBoot(), startS: kDay.startMs / 1000 }],
      });
      await publishAs(stack.vhost, kolkata.device, kStream);
      all.push(dayCheck(name, kolkata, kDay));
      return {
        checks: all,
        expected: [
          { householdId: berlin.household.id, samples: berlinSamples },
          { householdId: kolkata.household.id, samples: samples(kStream) },
        ],
      };
    },
  },
  {
    name: 'house meter',
    async run(stack) {
      const h = await home(stack, 'house-meter', 'Europe/Berlin', true);
      const day = lastWholeDay('Europe/Berlin');
      const stream = minuteStream(h.model, {
        fromS: day.startMs / 1000,
        toS: day.endMs / 1000,
        epochs: [{ bootId: newBoot(), startS: day.startMs / 1000 }],
      });
      await publishAs(stack.vhost, h.device, stream);
      return {
        checks: [{ ...dayCheck('house meter', h, day), houseMeter: true }],
        expected: [{ householdId: h.household.id, samples: samples(stream) }],
      };
    },
  },
  dayEvent(
    'the same batches delivered twice',
    (d) => ({ epochs: [{ bootId: newBoot(), startS: d }] }),
    async (s, h, stream) => {
      await publishAs(s.vhost, h.device, stream);
      await publishAs(s.vhost, h.device, stream);
    },
  ),
  // SIGKILL while the day's batches are being consumed: what was not acknowledged comes again.
  dayEvent(
    'collector killed in the middle of a batch',
    (d) => ({ epochs: [{ bootId: newBoot(), startS: d }] }),
    async (s, h, stream) => {
      const sent = publishAs(s.vhost, h.device, stream);
      await new Promise((r) => setTimeout(r, 400));
      await s.killCollector();
      await sent;
      await s.startCollector();
    },
  ),
];

/**
 * The small check npm test runs: one Berlin household, 00:00-04:00 of
 * 2026-10-25 (five hours: 02:00-03:00 comes twice) with the exporter down for
 * three minutes in the second 02:xx hour, checked per hour and for the day.
 */
export const DST_RESTART_HOURS: EnergyEvent = {
  name: 'exporter restart across the 25-hour day (Berlin, 4 local hours)',
  async run(stack) {
    const h = await home(stack, 'dst-restart', 'Europe/Berlin');
    const day = localDay('2026-10-25', 'Europe/Berlin');
    const fromS = day.startMs / 1000;
    const toS = fromS + 5 * 3600; // 04:00 local: five hours after midnight on this day
    const stream = minuteStream(h.model, {
      fromS,
      toS,
      epochs: [{ bootId: newBoot(), startS: fromS }],
      // 02:10-02:13 CET (the second 02:xx hour) — minutes 190-193 after local midnight.
      skip: (e) => minuteIn(fromS, e, 190, 193),
    });
    await publishAs(stack.vhost, h.device, stream);
    const base = { event: this.name, household: h.household, deviceId: h.device.id, model: h.model };
    const covered: [number, number][] = [[fromS, toS]];
    return {
      checks: [
        { ...base, covered, bucket: 'hour', fromMs: fromS * 1000, toMs: toS * 1000 },
        { ...base, covered, bucket: 'day', fromMs: day.startMs, toMs: day.endMs },
      ],
      expected: [{ householdId: h.household.id, samples: samples(stream) }],
    };
  },
};
