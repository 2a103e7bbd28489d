/**
 * The benchmark's readings: what a fleet of simulated households really
 * sends (device/'s seeded appliance simulator: fridges cycling, kettles,
 * idle sockets at 0 W), so that payload size and VictoriaMetrics'
 * compression are measured on realistic values, not on a ramp.
 */
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { EPOCH_ENERGY_LIMIT_J, type ReadingBatch, type SocketReading } from '@energy/lib/reading-batch';

export const BENCH_SOCKETS = 30;
const BENCH_SEED = 20261129;

export function benchHousehold(d: number, prefix = 'bench'): string {
  return `${prefix}-hh${d}`;
}

/** One device per household, minute after minute; counters start at 0 at `startS`. */
export class BenchDevice {
  private readonly sim: HouseholdSimulator;
  private readonly counters = new Float64Array(BENCH_SOCKETS);
  private seq = 0;
  private minute: number;

  constructor(
    readonly index: number,
    startS: number,
  ) {
    this.sim = new HouseholdSimulator({
      seed: BENCH_SEED,
      householdId: benchHousehold(index),
      deviceId: 'pi',
    });
    this.minute = Math.floor(startS / 60);
  }

  next(): ReadingBatch {
    const minute = this.minute++;
    const readings = new Array<SocketReading>(BENCH_SOCKETS);
    for (let s = 0; s < BENCH_SOCKETS; s++) {
      const dw = this.sim.minuteDeciwatts(s, minute);
      const c = (this.counters[s] ?? 0) + 6 * dw;
      // A day of the bench stays far below an epoch (74 kWh per socket); a longer run would need a new boot id.
      if (c >= EPOCH_ENERGY_LIMIT_J) throw new Error('bench run too long for one counter epoch');
      this.counters[s] = c;
      readings[s] = { socket: s, powerWatts: dw / 10, energyJoules: c };
    }
    this.seq++;
    return { bootId: this.index + 1, seq: this.seq, endUnixS: (minute + 1) * 60, intervalS: 60, readings };
  }
}

/** Every device's batch of minute 0, then minute 1, …: the order a live fleet publishes in. */
export function* fleetMinutes(devices: number, minutes: number, startS: number): Generator<ReadingBatch> {
  const fleet = Array.from({ length: devices }, (_, d) => new BenchDevice(d, startS));
  for (let k = 0; k < minutes; k++) for (const dev of fleet) yield dev.next();
}
