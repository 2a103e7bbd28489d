import type { PowerMeter } from '@energy/device/power-meter';
import { SimulatedMeter } from '@energy/device/simulator/simulated-meter';
import { parseDeviceUsername } from '@energy/lib/defaults';
import type { MeterConfig } from './exporter-config.js';

export interface MeterContext {
  readonly username: string;
  readonly now: () => number;
}

/** Builds the configured meters; hardware drivers are loaded only when configured. */
export async function createMeters(
  configs: readonly MeterConfig[],
  ctx: MeterContext,
): Promise<PowerMeter[]> {
  const meters: PowerMeter[] = [];
  for (const c of configs) {
    switch (c.type) {
      case 'simulator': {
        const id = parseDeviceUsername(ctx.username);
        meters.push(
          new SimulatedMeter({
            seed: c.seed,
            householdId: c.householdId,
            deviceId: id?.deviceId ?? '',
            sockets: c.sockets,
            // A simulated chip that kept power across restarts counts from its power-on; otherwise from this start.
            epochStartS: c.powerOnS ?? ctx.now(),
            poweredOnWithProcess: c.powerOnS === undefined,
            now: ctx.now,
          }),
        );
        break;
      }
      default:
        meters.push(await createHardwareMeter(c));
    }
  }
  return meters;
}

async function createHardwareMeter(c: Exclude<MeterConfig, { type: 'simulator' }>): Promise<PowerMeter> {
  const drivers = await import('./hardware-meters.js');
  return drivers.createHardwareMeter(c);
}
