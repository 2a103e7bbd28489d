import { MCP_ACK, MCP_CMD, MCP_CSFAIL, MCP_HEADER, MCP_NAK, checksum } from '../mcp39f521-frame.js';
import { MCP_REG } from '../mcp39f521.js';
import type { I2cDevice } from './i2c-emulator.js';

/** MCP39F521 at frame level: parses command frames, checks checksums, answers from a little-endian register file. */
export class Mcp39f521Emulator implements I2cDevice {
  private mem = Buffer.alloc(0x100);
  private pointer = 0;
  private response: Buffer = Buffer.from([MCP_NAK]);
  /** Corrupt the checksum of the next read response (a noisy wire). */
  corruptNext = false;

  constructor() {
    this.powerOn();
  }

  powerOn(): void {
    this.mem = Buffer.alloc(0x100);
    this.mem.writeUInt16LE(0x0521, 0x04);
  }

  set(volts: number, amps: number, watts: number): void {
    this.mem.writeUInt16LE(Math.round(volts * 10), 0x06);
    this.mem.writeUInt16LE(50_000, 0x08);
    this.mem.writeUInt32LE(Math.round(amps * 10_000), 0x0e);
    this.mem.writeUInt32LE(Math.round(watts * 100), 0x12);
  }

  /** Adds to the import energy accumulator (only while accumulation is on, as on the chip). */
  accumulate(lsb: number): void {
    if (this.mem.readUInt16LE(MCP_REG.ENERGY_CONTROL) === 0) return;
    const v = this.mem.readBigUInt64LE(MCP_REG.IMPORT_ACTIVE_ENERGY);
    this.mem.writeBigUInt64LE(v + BigInt(lsb), MCP_REG.IMPORT_ACTIVE_ENERGY);
  }

  write(bytes: Buffer): void {
    if (bytes[0] !== MCP_HEADER || bytes[1] !== bytes.length) {
      this.response = Buffer.from([MCP_NAK]);
      return;
    }
    if (checksum(bytes, bytes.length - 1) !== bytes[bytes.length - 1]) {
      this.response = Buffer.from([MCP_CSFAIL]);
      return;
    }
    let i = 2;
    this.response = Buffer.from([MCP_ACK]);
    while (i < bytes.length - 1) {
      const cmd = bytes[i++];
      if (cmd === MCP_CMD.SET_POINTER) {
        this.pointer = ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
        i += 2;
      } else if (cmd === MCP_CMD.READ) {
        const n = bytes[i++] ?? 0;
        const data = this.mem.subarray(this.pointer, this.pointer + n);
        const head = [MCP_ACK, n + 3, ...data];
        const cs = (checksum(head) + (this.corruptNext ? 1 : 0)) & 0xff;
        this.corruptNext = false;
        this.response = Buffer.from([...head, cs]);
      } else if (cmd === MCP_CMD.WRITE) {
        const n = bytes[i++] ?? 0;
        bytes.copy(this.mem, this.pointer, i, i + n);
        i += n;
      } else {
        this.response = Buffer.from([MCP_NAK]);
        return;
      }
    }
  }

  read(length: number): Buffer {
    const b = Buffer.alloc(length);
    this.response.copy(b, 0, 0, Math.min(length, this.response.length));
    return b;
  }
}
