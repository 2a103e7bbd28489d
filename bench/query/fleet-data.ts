/**
 * The bench's stored readings: every household's device writes each UTC
 * minute's mean power and its energy counter (the device simulator's exact
 * values, stamped at the minute's end as the collector stamps a batch), and
 * its completeness watermark (value = the end of the last minute written: the
 * device has nothing older waiting). Loaded with remote write, whole series
 * per request; the counters live in a state file so that a later run can
 * reuse a loaded VictoriaMetrics data dir and only append the minutes since.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { compressRequest } from '@energy/collector/core/remote-write-encoder';
import { RemoteWriteClient } from '@energy/collector/vm/remote-write-client';
import { COMPLETENESS_SERIES, ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { SeriesRequest } from './series-request.js';

export interface BenchHousehold {
  readonly id: string;
  readonly timeZone: string;
  readonly device: string;
}

interface FleetState {
  readonly shape: string;
  /** Last UTC minute written (minute m covers [60m, 60m + 60) s and is stamped at 60(m + 1)). */
  lastMinute: number;
  /** Energy counter per household and socket after lastMinute, joules. */
  counters: number[][];
}

const SIM_SEED = 20261201;
/** Raw bytes per remote-write request: a few MB keeps VictoriaMetrics' 32 MB limit far away. */
const REQUEST_BYTES = 4 << 20;

export class FleetData {
  private state: FleetState;

  private constructor(
    private readonly households: readonly BenchHousehold[],
    private readonly sockets: number,
    private readonly stateFile: string,
    state: FleetState,
  ) {
    this.state = state;
  }

  /** The saved state when it is of this shape, else a fresh one (nothing written yet). */
  static open(
    households: readonly BenchHousehold[],
    sockets: number,
    stateFile: string,
    shape: string,
  ): { fleet: FleetData; reused: boolean } {
    if (existsSync(stateFile)) {
      const s = JSON.parse(readFileSync(stateFile, 'utf8')) as FleetState;
      if (s.shape === shape) return { fleet: new FleetData(households, sockets, stateFile, s), reused: true };
    }
    const fresh = {
      shape,
      lastMinute: -1,
      counters: households.map(() => new Array<number>(sockets).fill(0)),
    };
    return { fleet: new FleetData(households, sockets, stateFile, fresh), reused: false };
  }

  get lastMinute(): number {
    return this.state.lastMinute;
  }

  /** Writes minutes (lastMinute, toMinute] (or from `fromMinute` on a fresh fleet); returns samples written. */
  async writeUpTo(vmUrl: string, toMinute: number, fromMinute: number): Promise<number> {
    const first = this.state.lastMinute >= 0 ? this.state.lastMinute + 1 : fromMinute;
    const n = toMinute - first + 1;
    if (n <= 0) return 0;
    const timestamps = new Float64Array(n);
    const watermark = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      timestamps[i] = (first + i + 1) * 60_000;
      watermark[i] = (first + i + 1) * 60;
    }
    const perRequest = Math.max(1, Math.floor(REQUEST_BYTES / (2 * this.sockets * n * 18 + n * 18)));
    const client = new RemoteWriteClient(vmUrl, 120_000);
    const inFlight = new Set<Promise<void>>();
    let samples = 0;
    const power = new Float64Array(n);
    const energy = new Float64Array(n);
    try {
      for (let h0 = 0; h0 < this.households.length; h0 += perRequest) {
        const req = new SeriesRequest();
        for (let h = h0; h < Math.min(this.households.length, h0 + perRequest); h++) {
          const hh = this.households[h] as BenchHousehold;
          const sim = new HouseholdSimulator({
            seed: SIM_SEED,
            householdId: hh.id,
            deviceId: hh.device,
            timeZone: hh.timeZone,
          });
          const counters = this.state.counters[h] as number[];
          const ids = { [SERIES_LABELS.household]: hh.id, [SERIES_LABELS.device]: hh.device };
          for (let s = 0; s < this.sockets; s++) {
            let joules = counters[s] ?? 0;
            for (let i = 0; i < n; i++) {
              const dw = sim.minuteDeciwatts(s, first + i);
              joules += 6 * dw;
              power[i] = dw / 10;
              energy[i] = joules;
            }
            counters[s] = joules;
            const labels = { ...ids, [SERIES_LABELS.socket]: String(s) };
            req.add({ __name__: POWER_SERIES, ...labels }, timestamps, power);
            req.add({ __name__: ENERGY_SERIES, ...labels }, timestamps, energy);
          }
          req.add({ __name__: COMPLETENESS_SERIES, ...ids }, timestamps, watermark);
        }
        samples += req.samples;
        const body = await compressRequest(req.raw());
        const write = client.writeOnce(body).then((r) => {
          if (r.kind !== 'success') throw new Error(`remote write failed: ${JSON.stringify(r)}`);
        });
        inFlight.add(write);
        void write.finally(() => inFlight.delete(write)).catch(() => undefined);
        if (inFlight.size >= 3) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      client.close();
    }
    this.state.lastMinute = toMinute;
    writeFileSync(this.stateFile, JSON.stringify(this.state));
    return samples;
  }

  /** Forgets what was saved (the data dir is being rebuilt). */
  static discard(stateFile: string): void {
    if (existsSync(stateFile)) writeFileSync(stateFile, '{}');
  }
}
