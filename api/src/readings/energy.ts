import { buckets, type Bucket } from '@energy/lib/local-time';
import { priceAt, roundMoney, type Tariff } from './tariff.js';
import type { VmClient } from './vm-client.js';

const QUARTER_S = 900;
// VictoriaMetrics answers at most 30 000 points per series; stay well below.
const MAX_POINTS = 10_000;

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
 * household's local buckets.
 */
export async function energyBuckets(
  vm: VmClient,
  household: string,
  opts: { from: number; to: number; bucket: Bucket; timeZone: string; tariff: Tariff },
): Promise<EnergyBucket[]> {
  const bs = buckets(opts.from, opts.to, opts.bucket, opts.timeZone);
  const first = bs[0];
  const last = bs[bs.length - 1];
  if (!first || !last) return [];
  const startS = first.start / 1000;
  const endS = Math.min(last.end, Math.ceil(Date.now() / 900_000) * 900_000) / 1000;
  const out: EnergyBucket[] = bs.map((b) => ({ ...b, kwh: 0, cost: 0, sockets: [] }));
  const index = new Map<string, number>();
  // Every socket shares the quarter's price: look it up once per quarter (Intl is slow).
  const prices = new Map<number, number>();
  const price = (ms: number): number => {
    let p = prices.get(ms);
    if (p === undefined) {
      p = priceAt(opts.tariff, ms, opts.timeZone);
      prices.set(ms, p);
    }
    return p;
  };
  for (let chunk = startS; chunk < endS; chunk += QUARTER_S * MAX_POINTS) {
    const chunkEnd = Math.min(endS, chunk + QUARTER_S * MAX_POINTS);
    const series = await vm.queryRange(
      household,
      `increase(energy_socket_energy_joules_total[${QUARTER_S}s])`,
      chunk + QUARTER_S,
      chunkEnd,
      QUARTER_S,
    );
    for (const s of series) {
      const device = s.metric.device ?? '';
      const socket = Number(s.metric.socket);
      let bi = 0;
      for (const [t, v] of s.values) {
        const qStart = (t - QUARTER_S) * 1000;
        while (bi < out.length && (out[bi]?.end ?? 0) <= qStart) bi++;
        const b = out[bi];
        if (!b || qStart < b.start) continue;
        const kwh = Number(v) / 3_600_000;
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
