import { ByteLru, NO_OBSERVER, type CacheObserver } from './byte-lru.js';
import { quarterRuns, type QuarterRun, type QuarterSource } from './energy.js';
import type { SeriesReader, SocketSamples } from './series-reader.js';

const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;
const QUARTERS_PER_DAY = DAY_MS / QUARTER_MS;

/**
 * What one final UTC day holds: each socket's counter increase (joules) per
 * quarter hour, NaN where it had no reading. Quarters, not bucket sums:
 * time-of-use prices change on quarter edges and local days in half-hour
 * zones start on them, so every bucket and every price is computed from
 * this at read time and a tariff change needs no invalidation.
 */
interface QuarterDay {
  readonly sockets: readonly {
    readonly device: string;
    readonly socket: number;
    readonly joules: Float64Array;
  }[];
}

const bytesOf = (d: QuarterDay): number =>
  64 + d.sockets.reduce((a, s) => a + QUARTERS_PER_DAY * 8 + 64 + s.device.length * 2, 0);

/** The default bound: about 10,000 household-days of 30 sockets. */
export const ENERGY_CACHE_BYTES = 256 * 2 ** 20;

/**
 * Final days of quarter-hour energy, per household. An entry is keyed by
 * the household and its device generation (device ids, creation times and
 * socket roles): deleting or re-pairing a device or changing a socket's role
 * makes every entry of the household unreachable, in every API process,
 * without a message between them; the LRU bound forgets them.
 */
export class EnergyCache {
  private readonly days: ByteLru<QuarterDay>;

  constructor(maxBytes = ENERGY_CACHE_BYTES, observer: CacheObserver = NO_OBSERVER) {
    this.days = new ByteLru(maxBytes, observer);
  }

  /** Forgets a household now (its deletion) instead of waiting for the LRU. */
  dropHousehold(household: string): void {
    this.days.dropPrefix(`${household}\u0000`);
  }

  get bytes(): number {
    return this.days.bytes;
  }

  /**
   * The household's quarter-hour increases, served from final days where it
   * can: a day that is cached is read from here, a day that ended before
   * `completeUntil` is read whole from the store and kept, the rest (days
   * not yet final) is read from the store every time. `completeUntil` is
   * only asked when some day is missing.
   */
  reader(
    series: Pick<SeriesReader, 'energyIncrease'>,
    generation: string,
    completeUntil: () => Promise<number>,
  ): QuarterSource {
    return {
      quarterRuns: (household, startMs, endMs) =>
        this.quarters(
          series,
          household,
          `${household}\u0000${generation}\u0000`,
          { startMs, endMs },
          completeUntil,
        ),
    };
  }

  private async quarters(
    series: Pick<SeriesReader, 'energyIncrease'>,
    household: string,
    prefix: string,
    range: { readonly startMs: number; readonly endMs: number },
    completeUntil: () => Promise<number>,
  ): Promise<QuarterRun[]> {
    const { startMs, endMs } = range;
    const out: QuarterRun[] = [];
    const runs: { start: number; end: number; keep: number[] }[] = [];
    let until: number | undefined;
    for (let day = Math.floor(startMs / DAY_MS) * DAY_MS; day < endMs; day += DAY_MS) {
      const cached = this.days.get(prefix + day);
      if (cached) {
        for (const s of cached.sockets) out.push({ ...s, firstEndMs: day + QUARTER_MS });
        continue;
      }
      until ??= await completeUntil();
      const final = day + DAY_MS <= until;
      const start = final ? day : Math.max(startMs, day);
      const end = final ? day + DAY_MS : Math.min(endMs, day + DAY_MS);
      const last = runs[runs.length - 1];
      if (last && last.end === start) {
        last.end = end;
        if (final) last.keep.push(day);
      } else runs.push({ start, end, keep: final ? [day] : [] });
    }
    for (const run of runs) {
      const read = await series.energyIncrease(household, {
        startMs: run.start,
        endMs: run.end,
        stepMs: QUARTER_MS,
      });
      for (const day of run.keep) this.days.set(prefix + day, ...sized(quarterDay(read, day)));
      out.push(...quarterRuns(read));
    }
    return out;
  }
}

const sized = (d: QuarterDay): [QuarterDay, number] => [d, bytesOf(d)];

/** The quarters of one day out of a store read that covered it whole. */
function quarterDay(read: readonly SocketSamples[], day: number): QuarterDay {
  const bySocket = new Map<string, { device: string; socket: number; joules: Float64Array }>();
  for (const s of read) {
    for (const [t, joules] of s.samples) {
      const i = (t - day) / QUARTER_MS - 1;
      if (i < 0 || i >= QUARTERS_PER_DAY || !Number.isInteger(i)) continue;
      const key = `${s.device}|${s.socket}`;
      let e = bySocket.get(key);
      if (!e) {
        e = { device: s.device, socket: s.socket, joules: new Float64Array(QUARTERS_PER_DAY).fill(NaN) };
        bySocket.set(key, e);
      }
      e.joules[i] = joules;
    }
  }
  return { sockets: [...bySocket.values()] };
}

/** A household's device generation: what, when it changes, makes its cached days unreachable. */
export function deviceGeneration(
  devices: readonly {
    readonly id: string;
    readonly createdAt: Date;
    readonly sockets: readonly { readonly socket: number; readonly role: string }[];
  }[],
): string {
  return devices
    .map(
      (d) =>
        `${d.id}@${d.createdAt.getTime()}:${d.sockets
          .filter((s) => s.role !== 'socket')
          .map((s) => `${s.socket}=${s.role}`)
          .sort()
          .join(',')}`,
    )
    .sort()
    .join(';');
}
