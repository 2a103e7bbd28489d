import type {
  DeviceSeen,
  DeviceWatermark,
  LatestPower,
  SeriesReader,
  SocketSamples,
  SocketValue,
  StepGrid,
} from './series-reader.js';

type Samples = [number, number][];

/**
 * A SeriesReader over samples held in memory, for tests of the readings
 * domain without VictoriaMetrics. Windows are (t − window, t], as the
 * store's range functions read them; a counter's increase is the sum of its
 * rises (a drop is a reset: the new value counts from 0).
 */
export class InMemorySeries implements SeriesReader {
  private readonly power = new Map<string, Map<string, Samples>>();
  private readonly energy = new Map<string, Map<string, Samples>>();
  /** Watermarks (ms) by household, then device: each one stated, at when it was stated. */
  private readonly watermarks = new Map<string, Map<string, Samples>>();
  /** Every read of energy increase, so a test can see what the cache asked for. */
  readonly energyReads: { household: string; grid: StepGrid }[] = [];

  constructor(private readonly nowMs: () => number) {}

  /** Adds power readings (ms, watts) of one socket. */
  addPower(household: string, device: string, socket: number, samples: Samples): this {
    add(this.power, household, device, socket, samples);
    return this;
  }

  /** Adds energy counter readings (ms, joules) of one socket. */
  addEnergy(household: string, device: string, socket: number, samples: Samples): this {
    add(this.energy, household, device, socket, samples);
    return this;
  }

  /** A device states that every reading ending at or before `untilMs` is stored (at `atMs`, default now). */
  addWatermark(household: string, device: string, untilMs: number, atMs = this.nowMs()): this {
    add(this.watermarks, household, device, 0, [[atMs, untilMs]]);
    return this;
  }

  latestPower(household: string, withinMs: number): Promise<LatestPower[]> {
    const now = this.nowMs();
    return Promise.resolve(
      sockets(this.power, household).flatMap(({ device, socket, samples }) => {
        const last = inWindow(samples, now - withinMs, now).at(-1);
        return last ? [{ device, socket, watts: last[1], atMs: last[0] }] : [];
      }),
    );
  }

  meanPower(household: string, grid: StepGrid): Promise<SocketSamples[]> {
    return Promise.resolve(
      sockets(this.power, household).map(({ device, socket, samples }) => {
        const out: [number, number][] = [];
        for (let t = grid.startMs; t <= grid.endMs; t += grid.stepMs) {
          const w = inWindow(samples, t - grid.stepMs, t);
          if (w.length > 0) out.push([t, w.reduce((a, [, v]) => a + v, 0) / w.length]);
        }
        return { device, socket, samples: out };
      }),
    );
  }

  maxPower(household: string, grid: StepGrid): Promise<SocketSamples[]> {
    return Promise.resolve(
      sockets(this.power, household).map(({ device, socket, samples }) => {
        const out: [number, number][] = [];
        for (let t = grid.startMs; t <= grid.endMs; t += grid.stepMs) {
          const w = inWindow(samples, t - grid.stepMs, t);
          if (w.length > 0) out.push([t, Math.max(...w.map(([, v]) => v))]);
        }
        return { device, socket, samples: out };
      }),
    );
  }

  energyIncrease(household: string, grid: StepGrid): Promise<SocketSamples[]> {
    this.energyReads.push({ household, grid });
    return Promise.resolve(
      sockets(this.energy, household).map(({ device, socket, samples }) => {
        const out: [number, number][] = [];
        for (let t = grid.startMs + grid.stepMs; t <= grid.endMs; t += grid.stepMs) {
          const before = samples.filter(([at]) => at <= t - grid.stepMs).at(-1);
          const w = inWindow(samples, t - grid.stepMs, t);
          if (w.length === 0) continue;
          let prev = before?.[1] ?? w[0]?.[1] ?? 0;
          let rise = 0;
          for (const [, v] of w) {
            rise += v >= prev ? v - prev : v;
            prev = v;
          }
          out.push([t, rise]);
        }
        return { device, socket, samples: out };
      }),
    );
  }

  powerQuantile(household: string, q: number, windowMs: number): Promise<SocketValue[]> {
    const now = this.nowMs();
    return Promise.resolve(
      sockets(this.power, household).flatMap(({ device, socket, samples }) => {
        const vs = inWindow(samples, now - windowMs, now)
          .map(([, v]) => v)
          .sort((a, b) => a - b);
        if (vs.length === 0) return [];
        // Linear interpolation between the closest ranks, as Prometheus does.
        const rank = q * (vs.length - 1);
        const lo = vs[Math.floor(rank)] ?? 0;
        const hi = vs[Math.ceil(rank)] ?? lo;
        return [{ device, socket, value: lo + (hi - lo) * (rank - Math.floor(rank)) }];
      }),
    );
  }

  devicesLastSeen(household: string, withinMs: number): Promise<DeviceSeen[]> {
    const now = this.nowMs();
    const seen = new Map<string, number>();
    for (const { device, samples } of sockets(this.power, household)) {
      const last = inWindow(samples, now - withinMs, now).at(-1);
      if (last && last[0] > (seen.get(device) ?? -Infinity)) seen.set(device, last[0]);
    }
    return Promise.resolve([...seen].map(([device, atMs]) => ({ device, atMs })));
  }

  completeUntil(household: string, withinMs: number): Promise<DeviceWatermark[]> {
    const now = this.nowMs();
    return Promise.resolve(
      sockets(this.watermarks, household).flatMap(({ device, samples }) => {
        const w = inWindow(samples, now - withinMs, now);
        return w.length > 0 ? [{ device, untilMs: Math.max(...w.map(([, v]) => v)) }] : [];
      }),
    );
  }
}

function add(
  store: Map<string, Map<string, Samples>>,
  household: string,
  device: string,
  socket: number,
  samples: Samples,
): void {
  let hh = store.get(household);
  if (!hh) store.set(household, (hh = new Map<string, Samples>()));
  const key = `${device}|${socket}`;
  const all = [...(hh.get(key) ?? []), ...samples].sort((a, b) => a[0] - b[0]);
  hh.set(key, all);
}

function sockets(
  store: Map<string, Map<string, Samples>>,
  household: string,
): { device: string; socket: number; samples: Samples }[] {
  return [...(store.get(household) ?? [])].map(([key, samples]) => {
    const bar = key.lastIndexOf('|');
    return { device: key.slice(0, bar), socket: Number(key.slice(bar + 1)), samples };
  });
}

const inWindow = (samples: Samples, after: number, upTo: number): Samples =>
  samples.filter(([t]) => t > after && t <= upTo);
