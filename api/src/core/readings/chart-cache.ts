import { ByteLru, NO_OBSERVER, type CacheObserver } from './byte-lru.js';
import type { PowerSource } from './power.js';
import type { SocketSamples, StepGrid } from './series-reader.js';

/** Steps per cached chunk: a day at 15 min, 8 h at 5 min. */
const CHUNK_STEPS = 96;

/** One final chunk: each socket's mean and highest power per step, NaN where it did not report. */
interface Chunk {
  readonly sockets: readonly {
    readonly device: string;
    readonly socket: number;
    readonly mean: Float64Array;
    readonly max: Float64Array;
  }[];
}

const bytesOf = (c: Chunk): number =>
  64 + c.sockets.reduce((a, s) => a + CHUNK_STEPS * 16 + 64 + s.device.length * 2, 0);

/**
 * The past part of power charts: per household, device generation and step,
 * chunks of CHUNK_STEPS grid points (aligned to the epoch) whose last point
 * is at or before the household's completeness. A grid point's mean and
 * highest power read only readings in the step that ends at it, so a chunk
 * ending before completeness can no longer change. Chunks not yet final are
 * read from the store every time: a day chart from midnight to now reads
 * only its last few hours.
 */
export class ChartCache {
  private readonly chunks: ByteLru<Chunk>;

  constructor(maxBytes = 128 * 2 ** 20, observer: CacheObserver = NO_OBSERVER) {
    this.chunks = new ByteLru(maxBytes, observer);
  }

  reader(series: PowerSource, generation: string, completeUntil: () => Promise<number>): PowerSource {
    // The chart asks for mean and max of the same grid at once: answer both from one pass.
    let pending:
      { grid: StepGrid; result: Promise<{ mean: SocketSamples[]; max: SocketSamples[] }> } | undefined;
    const both = (household: string, grid: StepGrid) => {
      if (!pending || pending.grid !== grid)
        pending = { grid, result: this.read(series, household, generation, grid, completeUntil) };
      return pending.result;
    };
    return {
      meanPower: async (household, grid) => (await both(household, grid)).mean,
      maxPower: async (household, grid) => (await both(household, grid)).max,
    };
  }

  private async read(
    series: PowerSource,
    household: string,
    generation: string,
    grid: StepGrid,
    completeUntil: () => Promise<number>,
  ): Promise<{ mean: SocketSamples[]; max: SocketSamples[] }> {
    const { stepMs } = grid;
    const chunkMs = stepMs * CHUNK_STEPS;
    const prefix = `${household}\u0000${generation}\u0000${stepMs}\u0000`;
    const mean: SocketSamples[] = [];
    const max: SocketSamples[] = [];
    const inGrid = (t: number): boolean => t >= grid.startMs && t <= grid.endMs;
    const runs: { start: number; end: number; keep: number[] }[] = [];
    let until: number | undefined;
    // Chunk c holds the grid points c + step … c + chunkMs.
    for (
      let c = Math.floor((grid.startMs - stepMs) / chunkMs) * chunkMs;
      c + stepMs <= grid.endMs;
      c += chunkMs
    ) {
      const cached = this.chunks.get(prefix + c);
      if (cached) {
        for (const s of cached.sockets) {
          mean.push({ device: s.device, socket: s.socket, samples: points(s.mean, c, stepMs, inGrid) });
          max.push({ device: s.device, socket: s.socket, samples: points(s.max, c, stepMs, inGrid) });
        }
        continue;
      }
      until ??= await completeUntil();
      const final = c + chunkMs <= until;
      const start = final ? c + stepMs : Math.max(grid.startMs, c + stepMs);
      const end = final ? c + chunkMs : Math.min(grid.endMs, c + chunkMs);
      const last = runs[runs.length - 1];
      if (last && last.end + stepMs === start) {
        last.end = end;
        if (final) last.keep.push(c);
      } else runs.push({ start, end, keep: final ? [c] : [] });
    }
    for (const run of runs) {
      const g = { startMs: run.start, endMs: run.end, stepMs };
      const [m, x] = await Promise.all([series.meanPower(household, g), series.maxPower(household, g)]);
      for (const c of run.keep) this.chunks.set(prefix + c, ...sized(chunkOf(m, x, c, stepMs)));
      const clip = (s: SocketSamples): SocketSamples => ({
        ...s,
        samples: s.samples.filter(([t]) => inGrid(t)),
      });
      mean.push(...m.map(clip));
      max.push(...x.map(clip));
    }
    return { mean, max };
  }
}

const sized = (c: Chunk): [Chunk, number] => [c, bytesOf(c)];

function points(
  values: Float64Array,
  c: number,
  stepMs: number,
  inGrid: (t: number) => boolean,
): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < CHUNK_STEPS; i++) {
    const v = values[i];
    const t = c + (i + 1) * stepMs;
    if (v !== undefined && !Number.isNaN(v) && inGrid(t)) out.push([t, v]);
  }
  return out;
}

function chunkOf(
  mean: readonly SocketSamples[],
  max: readonly SocketSamples[],
  c: number,
  stepMs: number,
): Chunk {
  const by = new Map<string, { device: string; socket: number; mean: Float64Array; max: Float64Array }>();
  const fill = (list: readonly SocketSamples[], which: 'mean' | 'max') => {
    for (const s of list) {
      const key = `${s.device}|${s.socket}`;
      let e = by.get(key);
      if (!e) {
        e = {
          device: s.device,
          socket: s.socket,
          mean: new Float64Array(CHUNK_STEPS).fill(NaN),
          max: new Float64Array(CHUNK_STEPS).fill(NaN),
        };
        by.set(key, e);
      }
      for (const [t, v] of s.samples) {
        const i = (t - c) / stepMs - 1;
        if (i >= 0 && i < CHUNK_STEPS && Number.isInteger(i)) e[which][i] = v;
      }
    }
  };
  fill(mean, 'mean');
  fill(max, 'max');
  return { sockets: [...by.values()] };
}
