import type { PowerMeter } from '@energy/device/power-meter';
import { Ade7953Meter } from '@energy/device/drivers/ade7953';
import { openI2cBus } from '@energy/device/drivers/i2c';
import { Ina2xxMeter } from '@energy/device/drivers/ina2xx';
import { Mcp39f521Meter } from '@energy/device/drivers/mcp39f521';
import { ShellyGen2Meter } from '@energy/device/drivers/shelly-gen2';
import { TasmotaMeter } from '@energy/device/drivers/tasmota';
import { Tca9548a } from '@energy/device/drivers/tca9548a';
import { createReadStream } from 'node:fs';
import { SmlMeter } from '@energy/device/drivers/sml-meter';
import type { MeterConfig } from './exporter-config.js';

type Bus = Awaited<ReturnType<typeof openI2cBus>>;
const buses = new Map<number, Promise<Bus>>();

/** One open handle per I2C bus, shared by every chip on it. */
function bus(n: number): Promise<Bus> {
  let b = buses.get(n);
  if (!b) {
    b = openI2cBus(n);
    buses.set(n, b);
  }
  return b;
}

/** Hardware drivers (I2C chips, smart plugs); loaded only when configured, so the simulator needs no native module. */
export async function createHardwareMeter(
  c: Exclude<MeterConfig, { type: 'simulator' }>,
): Promise<PowerMeter> {
  switch (c.type) {
    case 'shelly-gen2':
      return new ShellyGen2Meter({ url: c.url, channels: c.channels, firstSocket: c.firstSocket });
    case 'tasmota':
      return new TasmotaMeter({ url: c.url, firstSocket: c.firstSocket });
    case 'sml':
      return new SmlMeter({ input: createReadStream(c.device), socket: c.socket });
    case 'ade7953': {
      const b = await bus(c.bus);
      return new Ade7953Meter(b, {
        firstSocket: c.firstSocket,
        ...(c.muxChannels ? { mux: { device: new Tca9548a(b, c.muxAddress), channels: c.muxChannels } } : {}),
      });
    }
    case 'mcp39f521':
      return new Mcp39f521Meter(await bus(c.bus), { address: c.address, socket: c.socket });
    case 'ina219':
    case 'ina226':
      return new Ina2xxMeter(await bus(c.bus), { variant: c.type, address: c.address, socket: c.socket });
  }
}
