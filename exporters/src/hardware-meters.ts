import type { PowerMeter } from '@energy/device/power-meter';
import type { MeterConfig } from './exporter-config.js';

/** Hardware drivers (I2C chips, smart plugs); kept apart so the simulator needs no native module. */
export function createHardwareMeter(c: Exclude<MeterConfig, { type: 'simulator' }>): Promise<PowerMeter> {
  return Promise.reject(new Error(`meter type ${c.type} is not available in this build`));
}
