import type { PromisifiedBus } from 'i2c-bus';

/** The part of i2c-bus's PromisifiedBus the drivers use: plain writes and reads (no SMBus helpers, which are little-endian). */
export type I2cBus = Pick<PromisifiedBus, 'i2cWrite' | 'i2cRead'>;

/** Opens /dev/i2c-<n>; the native module is loaded only here, so the simulator never needs it. */
export async function openI2cBus(busNumber: number): Promise<PromisifiedBus> {
  const { openPromisified } = await import('i2c-bus');
  return openPromisified(busNumber);
}

export async function writeBytes(bus: I2cBus, address: number, bytes: readonly number[]): Promise<void> {
  const buf = Buffer.from(bytes);
  const r = await bus.i2cWrite(address, buf.length, buf);
  if (r.bytesWritten !== buf.length) throw new Error(`short write to 0x${address.toString(16)}`);
}

export async function readBytes(bus: I2cBus, address: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const r = await bus.i2cRead(address, length, buf);
  if (r.bytesRead !== length) throw new Error(`short read from 0x${address.toString(16)}`);
  return r.buffer;
}
