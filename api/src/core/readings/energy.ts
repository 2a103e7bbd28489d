import { buckets, rfc3339InZone, type Bucket } from '@energy/lib/local-time';
import type { SeriesReader } from './series-reader.js';
import type { ReadingHousehold, SocketNames } from './sockets.js';
import { pricer, roundMoney, tariffOf } from './tariff.js';

const QUARTER_MS = 900_000;
const JOULES_PER_KWH = 3_600_000;

export interface SocketEnergy {
  readonly device: string;
  readonly socket: number;
  kwh: number;
  cost: number;
}
export interface EnergyBucket {
  readonly start: number;
  readonly end: number;
  kwh: number;
  cost: number;
  readonly sockets: SocketEnergy[];
}

/**
 * Energy per bucket from the counter: the increase over every quarter hour
 * (every zone's offset is a whole number of quarters, so quarters never
 * straddle a bucket edge), priced at the quarter's start and summed into the
 * household's local buckets. Quarters after now are not read.
 */
export async function energyBuckets(
  series: Pick<SeriesReader, 'energyIncrease'>,
  hh: ReadingHousehold,
  opts: { readonly from: number; readonly to: number; readonly bucket: Bucket; readonly nowMs: number },
): Promise<EnergyBucket[]> {
  const bs = buckets(opts.from, opts.to, opts.bucket, hh.timeZone);
  const first = bs[0];
  const last = bs[bs.length - 1];
  if (!first || !last) return [];
  const endMs = Math.min(last.end, Math.ceil(opts.nowMs / QUARTER_MS) * QUARTER_MS);
  const out: EnergyBucket[] = bs.map((b) => ({ ...b, kwh: 0, cost: 0, sockets: [] }));
  const index = new Map<string, number>();
  const price = pricer(tariffOf(hh), hh.timeZone);
  const read =
    first.start < endMs
      ? await series.energyIncrease(hh.id, { startMs: first.start, endMs, stepMs: QUARTER_MS })
      : [];
  for (const s of read) {
    const { device, socket } = s;
    let bi = 0;
    for (const [t, joules] of s.samples) {
      const qStart = t - QUARTER_MS;
      while (bi < out.length && (out[bi]?.end ?? 0) <= qStart) bi++;
      const b = out[bi];
      if (!b || qStart < b.start) continue;
      const kwh = joules / JOULES_PER_KWH;
      if (!Number.isFinite(kwh)) continue;
      const cost = kwh * price(qStart);
      const key = `${bi}|${device}|${socket}`;
      let i = index.get(key);
      if (i === undefined) {
        i = b.sockets.push({ device, socket, kwh: 0, cost: 0 }) - 1;
        index.set(key, i);
      }
      const se = b.sockets[i];
      if (se) {
        se.kwh += kwh;
        se.cost += cost;
      }
      b.kwh += kwh;
      b.cost += cost;
    }
  }
  for (const b of out) {
    b.kwh = round6(b.kwh);
    b.cost = roundMoney(b.cost);
    b.sockets.sort((x, y) => x.device.localeCompare(y.device) || x.socket - y.socket);
    for (const s of b.sockets) {
      s.kwh = round6(s.kwh);
      s.cost = roundMoney(s.cost);
    }
  }
  return out;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export interface EnergyView {
  readonly bucket: Bucket;
  readonly timeZone: string;
  readonly currency: string;
  readonly buckets: {
    readonly start: string;
    readonly end: string;
    readonly kwh: number;
    readonly cost: number;
    readonly sockets: readonly SocketEnergy[];
  }[];
}

/** The energy answer: buckets with their local start and end. */
export function energyView(hh: ReadingHousehold, bucket: Bucket, bs: readonly EnergyBucket[]): EnergyView {
  return {
    bucket,
    timeZone: hh.timeZone,
    currency: hh.currency,
    buckets: bs.map((b) => ({
      start: rfc3339InZone(b.start, hh.timeZone),
      end: rfc3339InZone(b.end, hh.timeZone),
      kwh: b.kwh,
      cost: b.cost,
      sockets: b.sockets,
    })),
  };
}

/** The CSV export: a row per socket per bucket, names quoted where they need it. */
export function energyCsv(hh: ReadingHousehold, names: SocketNames, bs: readonly EnergyBucket[]): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [`start,end,device,socket,name,kwh,cost_${hh.currency}`];
  for (const b of bs) {
    for (const s of b.sockets) {
      lines.push(
        [
          rfc3339InZone(b.start, hh.timeZone),
          rfc3339InZone(b.end, hh.timeZone),
          q(s.device),
          s.socket,
          q(names(s.device, s.socket).name),
          s.kwh,
          s.cost,
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
