import { SERIES_LABELS } from '@energy/lib/series';
import type {
  DeviceSeen,
  DeviceWatermark,
  LatestPower,
  SeriesReader,
  SocketSamples,
  SocketValue,
  StepGrid,
} from '../core/readings/series-reader.js';
import * as promql from './promql.js';
import type { VmClient } from './vm-client.js';

// VictoriaMetrics answers at most 30 000 points per series; stay well below.
const MAX_POINTS = 10_000;

const deviceOf = (metric: Record<string, string>): string => metric[SERIES_LABELS.device] ?? '';
const socketOf = (metric: Record<string, string>): number => Number(metric[SERIES_LABELS.socket]);

/** The readings domain's SeriesReader on VictoriaMetrics: PromQL out, domain values in. */
export class VmSeriesReader implements SeriesReader {
  constructor(private readonly vm: VmClient) {}

  async latestPower(household: string, withinMs: number): Promise<LatestPower[]> {
    const [vals, times] = await Promise.all([
      this.vm.query(household, promql.lastPower(withinMs)),
      this.vm.query(household, promql.lastPowerTime(withinMs)),
    ]);
    const at = new Map(
      times.map((s) => [
        `${s.metric[SERIES_LABELS.device]}|${s.metric[SERIES_LABELS.socket]}`,
        Number(s.value[1]),
      ]),
    );
    return vals.map((s) => {
      const device = deviceOf(s.metric);
      const socket = socketOf(s.metric);
      const t = at.get(`${device}|${socket}`);
      return { device, socket, watts: Number(s.value[1]), atMs: t === undefined ? undefined : t * 1000 };
    });
  }

  meanPower(household: string, grid: StepGrid): Promise<SocketSamples[]> {
    return this.onGrid(household, promql.meanPower(grid.stepMs), grid);
  }

  maxPower(household: string, grid: StepGrid): Promise<SocketSamples[]> {
    return this.onGrid(household, promql.maxPower(grid.stepMs), grid);
  }

  /** One range query over the grid, per socket. */
  private async onGrid(household: string, query: string, grid: StepGrid): Promise<SocketSamples[]> {
    const series = await this.vm.queryRange(
      household,
      query,
      grid.startMs / 1000,
      grid.endMs / 1000,
      grid.stepMs / 1000,
    );
    return series.map(samples);
  }

  /** Read in parts of MAX_POINTS steps, one part after the other. */
  async energyIncrease(household: string, grid: StepGrid): Promise<SocketSamples[]> {
    const stepS = grid.stepMs / 1000;
    const startS = grid.startMs / 1000;
    const endS = grid.endMs / 1000;
    const out: SocketSamples[] = [];
    for (let part = startS; part < endS; part += stepS * MAX_POINTS) {
      const partEnd = Math.min(endS, part + stepS * MAX_POINTS);
      const series = await this.vm.queryRange(
        household,
        promql.energyIncrease(grid.stepMs),
        part + stepS,
        partEnd,
        stepS,
      );
      out.push(...series.map(samples));
    }
    return out;
  }

  async powerQuantile(household: string, q: number, windowMs: number): Promise<SocketValue[]> {
    const rows = await this.vm.query(household, promql.powerQuantile(q, windowMs));
    return rows.map((s) => ({
      device: deviceOf(s.metric),
      socket: socketOf(s.metric),
      value: Number(s.value[1]),
    }));
  }

  async devicesLastSeen(household: string, withinMs: number): Promise<DeviceSeen[]> {
    const rows = await this.vm.query(household, promql.deviceLastReport(withinMs));
    return rows.map((s) => ({ device: deviceOf(s.metric), atMs: Number(s.value[1]) * 1000 }));
  }

  async completeUntil(household: string, withinMs: number): Promise<DeviceWatermark[]> {
    const rows = await this.vm.query(household, promql.deviceCompleteUntil(withinMs));
    return rows
      .map((s) => ({ device: deviceOf(s.metric), untilMs: Number(s.value[1]) * 1000 }))
      .filter((w) => w.device !== '' && Number.isFinite(w.untilMs));
  }
}

function samples(s: { metric: Record<string, string>; values: [number, string][] }): SocketSamples {
  return {
    device: deviceOf(s.metric),
    socket: socketOf(s.metric),
    samples: s.values.map(([t, v]) => [t * 1000, Number(v)] as const),
  };
}
