/**
 * The benchmark's readings: what a fleet of simulated households really
 * sends (device/'s seeded appliance simulator: fridges cycling, kettles,
 * idle sockets at 0 W), so that payload size and VictoriaMetrics'
 * compression are measured on realistic values, not on a ramp. Each device
 * is the fleet's own counter epoch (exporters' DeviceEpoch), started at
 * the run's first minute.
 */
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { DeviceEpoch } from '@energy/exporters/fleet-device';
import type { ReadingBatch } from '@energy/lib/reading-batch';

export const BENCH_SOCKETS = 30;
const BENCH_SEED = 20261129;

export function benchHousehold(d: number, prefix = 'bench'): string {
  return `${prefix}-hh${d}`;
}

/** Device `d` of the bench fleet; counters start at 0 at `startS`, boot id d + 1 (fixed, so runs compare). */
export function benchDevice(d: number, startS: number): DeviceEpoch {
  const sim = new HouseholdSimulator({ seed: BENCH_SEED, householdId: benchHousehold(d), deviceId: 'pi' });
  let epochs = 0;
  return new DeviceEpoch(sim, BENCH_SOCKETS, Math.floor(startS / 60), () => {
    // A day of the bench stays far below an epoch (74 kWh per socket); a longer run would roll over.
    if (epochs++ > 0) throw new Error('bench run too long for one counter epoch');
    return d + 1;
  });
}

/** Every device's batch of minute 0, then minute 1, …: the order a live fleet publishes in. */
export function* fleetMinutes(devices: number, minutes: number, startS: number): Generator<ReadingBatch> {
  const fleet = Array.from({ length: devices }, (_, d) => benchDevice(d, startS));
  for (let k = 0; k < minutes; k++) for (const dev of fleet) yield dev.next();
}
