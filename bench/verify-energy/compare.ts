/**
 * The API's kWh per socket per bucket against the meter model's truth over
 * the stretches that were metered. Deviation = |API − truth| / max(truth,
 * 0.01 kWh), in percent.
 */
import { buckets, type Bucket } from '@energy/lib/local-time';
import { energy, type Household } from './household-client.js';
import type { MeterModel } from './meter-model.js';

const J_PER_KWH = 3_600_000;
const FLOOR_KWH = 0.01;

export interface Check {
  readonly event: string;
  readonly household: Household;
  readonly deviceId: string;
  readonly model: MeterModel;
  /** Stretches [fromS, toS) the meter counted and the batches carried. */
  readonly covered: readonly (readonly [number, number])[];
  readonly bucket: Bucket;
  readonly fromMs: number;
  readonly toMs: number;
  /**
   * Per counter epoch, the joules per socket its first stored reading says
   * were counted before its stretch began (what the exporter counted from its
   * first look at the chip to that reading's end), added to the bucket
   * holding `atS`, the stretch's start.
   */
  readonly firstCounts?: readonly { readonly atS: number; readonly joules: readonly number[] }[];
  /** Socket 0 is a house meter: also check the bucket total and untracked. */
  readonly houseMeter?: boolean;
}

export interface Row {
  readonly event: string;
  readonly bucket: Bucket;
  readonly start: string;
  /** A socket number, or 'total' / 'untracked' for a house meter's bucket. */
  readonly socket: number | 'total' | 'untracked';
  readonly apiKwh: number;
  readonly truthKwh: number;
  readonly deviationPct: number;
}

export function deviationPct(apiKwh: number, truthKwh: number): number {
  return (Math.abs(apiKwh - truthKwh) / Math.max(truthKwh, FLOOR_KWH)) * 100;
}

function truthKwh(c: Check, socket: number, fromMs: number, toMs: number): number {
  let j = 0;
  // A first reading ends its minute: its count belongs to the bucket that minute ends in.
  for (const f of c.firstCounts ?? [])
    if (f.atS * 1000 > fromMs && f.atS * 1000 <= toMs) j += f.joules[socket] ?? 0;
  for (const [a, b] of c.covered) {
    const from = Math.max(a, fromMs / 1000);
    const to = Math.min(b, toMs / 1000);
    if (to > from) j += c.model.joules(socket, from, to);
  }
  return j / J_PER_KWH;
}

export async function compare(c: Check): Promise<Row[]> {
  const answer = await energy(c.household, c.bucket, c.fromMs, c.toMs);
  const rows: Row[] = [];
  for (const b of buckets(c.fromMs, c.toMs, c.bucket, c.model.timeZone)) {
    const got = answer.buckets.find((x) => Date.parse(x.start) === b.start);
    const start = got?.start ?? new Date(b.start).toISOString();
    const row = (socket: Row['socket'], apiKwh: number, truth: number): Row => ({
      event: c.event,
      bucket: c.bucket,
      start,
      socket,
      apiKwh,
      truthKwh: truth,
      deviationPct: deviationPct(apiKwh, truth),
    });
    for (let s = 0; s < c.model.sockets; s++) {
      const api = got?.sockets.find((x) => x.device === c.deviceId && x.socket === s)?.kwh ?? 0;
      rows.push(row(s, api, truthKwh(c, s, b.start, b.end)));
    }
    if (c.houseMeter) {
      // The house meter's reading is the total; the sockets behind it are not added again.
      const house = truthKwh(c, 0, b.start, b.end);
      rows.push(row('total', got?.kwh ?? 0, house));
      const untracked = got?.untracked?.kwh ?? 0;
      rows.push({ ...row('untracked', untracked, 0), deviationPct: deviationPct(untracked + house, house) });
    }
  }
  return rows;
}
