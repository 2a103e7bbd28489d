import type { BytesRead, BytesWritten } from 'i2c-bus';
import type { I2cBus } from '../i2c.js';

/** A device on an emulated bus: it sees raw write and read transactions, as the silicon does. */
export interface I2cDevice {
  write(bytes: Buffer): void;
  read(length: number): Buffer;
}

function nack(address: number): Error {
  const e = new Error(`EREMOTEIO: no ACK from 0x${address.toString(16)}`) as NodeJS.ErrnoException;
  e.code = 'EREMOTEIO';
  return e;
}

/**
 * An I2C bus with the i2c-bus PromisifiedBus API in front of register-level
 * emulators, so drivers run unchanged against it. `failNext` makes the next
 * transactions fail like a flaky wire.
 */
export class EmulatedBus implements I2cBus {
  private readonly devices = new Map<number, I2cDevice>();
  failNext = 0;
  transactions = 0;

  attach(address: number, device: I2cDevice): this {
    this.devices.set(address, device);
    return this;
  }

  protected route(address: number): I2cDevice | undefined {
    return this.devices.get(address);
  }

  private device(address: number): I2cDevice {
    this.transactions++;
    if (this.failNext > 0) {
      this.failNext--;
      throw nack(address);
    }
    const d = this.route(address);
    if (!d) throw nack(address);
    return d;
  }

  i2cWrite(address: number, length: number, buffer: Buffer): Promise<BytesWritten> {
    try {
      this.device(address).write(Buffer.from(buffer.subarray(0, length)));
      return Promise.resolve({ bytesWritten: length, buffer });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  i2cRead(address: number, length: number, buffer: Buffer): Promise<BytesRead> {
    try {
      const data = this.device(address).read(length);
      data.copy(buffer, 0, 0, length);
      return Promise.resolve({ bytesRead: length, buffer });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/** TCA9548A: the control byte selects a channel; other addresses reach the device on that channel. */
export class EmulatedMuxBus extends EmulatedBus {
  private mask = 0;
  private readonly channels = new Map<number, Map<number, I2cDevice>>();

  constructor(readonly muxAddress = 0x70) {
    super();
    this.attach(muxAddress, {
      write: (b) => {
        this.mask = b[0] ?? 0;
      },
      read: () => Buffer.from([this.mask]),
    });
  }

  attachBehind(channel: number, address: number, device: I2cDevice): this {
    const m = this.channels.get(channel) ?? new Map<number, I2cDevice>();
    m.set(address, device);
    this.channels.set(channel, m);
    return this;
  }

  protected override route(address: number): I2cDevice | undefined {
    const direct = super.route(address);
    if (direct) return direct;
    // Two channels with the same address enabled at once would collide on the wire: no ACK.
    const hits = [...this.channels.entries()].filter(([ch, m]) => this.mask & (1 << ch) && m.has(address));
    return hits.length === 1 ? hits[0]?.[1].get(address) : undefined;
  }
}
