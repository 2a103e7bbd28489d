// The readings the pages share: energy per bucket, live power, standby.
import { api } from './api.js';

export interface EnergyBucket {
  start: string;
  end: string;
  kwh: number;
  cost: number;
  sockets: { device: string; socket: number; kwh: number; cost: number }[];
  untracked: { kwh: number; cost: number } | null;
}
export interface Energy {
  bucket: string;
  timeZone: string;
  currency: string;
  buckets: EnergyBucket[];
}
export interface Live {
  at: string;
  sockets: { device: string; socket: number; name: string; watts: number; at: string | null }[];
}
export interface StandbyCost {
  baselineWatts: number;
  kwhPerYear: number;
  costPerYear: number;
}
export interface Standby {
  currency: string;
  pricePerKwh: number;
  sockets: (StandbyCost & { device: string; socket: number; name: string; role: string })[];
  houseMeters: (StandbyCost & { device: string; socket: number; name: string })[];
  untracked: StandbyCost | null;
}

export function energy(bucket: string, fromMs: number, toMs: number, signal?: AbortSignal): Promise<Energy> {
  const q = new URLSearchParams({
    bucket,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
  });
  return api<Energy>(`/api/v1/readings/energy?${q.toString()}`, signal ? { signal } : {});
}

export const live = (): Promise<Live> => api<Live>('/api/v1/readings/live');
export const standby = (): Promise<Standby> => api<Standby>('/api/v1/readings/standby');

/** kWh and cost summed per socket over buckets, largest cost first. */
export function perSocket(
  bs: readonly EnergyBucket[],
): { device: string; socket: number; kwh: number; cost: number }[] {
  const m = new Map<string, { device: string; socket: number; kwh: number; cost: number }>();
  for (const b of bs)
    for (const s of b.sockets) {
      const k = `${s.device}|${s.socket}`;
      const e = m.get(k) ?? { device: s.device, socket: s.socket, kwh: 0, cost: 0 };
      e.kwh += s.kwh;
      e.cost += s.cost;
      m.set(k, e);
    }
  return [...m.values()].sort((a, b) => b.cost - a.cost || b.kwh - a.kwh);
}
