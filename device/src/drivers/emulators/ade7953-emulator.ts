import { ADE7953_REG, ade7953RegisterWidth } from '../ade7953.js';
import type { I2cDevice } from './i2c-emulator.js';

/**
 * ADE7953 at register level: 16-bit address pointer, big-endian registers
 * of 8/16/24/32 bits by address range, 32-bit wrapping energy accumulators
 * that reset on read while LCYCMODE.RSTREAD is set (the power-on default),
 * register 0x120 writable only right after 0xAD went to 0xFE.
 */
export class Ade7953Emulator implements I2cDevice {
  private regs = new Map<number, number>();
  private pointer = 0;
  private unlocked = false;
  /** Instantaneous values the "mains" presents (in LSBs). */
  awatt: [number, number] = [0, 0];
  irms: [number, number] = [0, 0];
  vrms = 0;

  constructor() {
    this.powerOn();
  }

  /** Power-on reset: every register back to its default, accumulators at 0. */
  powerOn(): void {
    this.regs = new Map([
      [ADE7953_REG.LCYCMODE, 0x40],
      [ADE7953_REG.CONFIG, 0x8004],
      [ADE7953_REG.SETUP_120, 0x0000],
      [ADE7953_REG.AENERGY_A, 0],
      [ADE7953_REG.AENERGY_B, 0],
    ]);
    this.unlocked = false;
  }

  /** Accumulate energy (LSBs) on both channels, wrapping like the 32-bit signed register. */
  accumulate(a: number, b: number): void {
    for (const [reg, d] of [
      [ADE7953_REG.AENERGY_A, a],
      [ADE7953_REG.AENERGY_B, b],
    ] as const) {
      this.regs.set(reg, ((this.regs.get(reg) ?? 0) + d) | 0);
    }
  }

  setAccumulator(channel: 0 | 1, value: number): void {
    this.regs.set(channel === 0 ? ADE7953_REG.AENERGY_A : ADE7953_REG.AENERGY_B, value | 0);
  }

  register(reg: number): number {
    return this.regs.get(reg) ?? 0;
  }

  write(bytes: Buffer): void {
    if (bytes.length < 2) throw new Error('ADE7953 needs a 16-bit address');
    this.pointer = bytes.readUInt16BE(0);
    if (bytes.length === 2) return; // address phase of a read
    const width = ade7953RegisterWidth(this.pointer);
    if (bytes.length !== 2 + width)
      throw new Error(`register 0x${this.pointer.toString(16)} is ${width} bytes`);
    const value = bytes.readUIntBE(2, width);
    if (this.pointer === ADE7953_REG.SETUP_120 && !this.unlocked) return; // silently ignored, as on the chip
    this.unlocked = this.pointer === ADE7953_REG.UNLOCK && value === 0xad;
    this.regs.set(this.pointer, value);
  }

  read(length: number): Buffer {
    const width = ade7953RegisterWidth(this.pointer);
    if (length !== width)
      throw new Error(`register 0x${this.pointer.toString(16)} is ${width} bytes, not ${length}`);
    let value: number;
    switch (this.pointer) {
      case ADE7953_REG.AWATT_A:
      case ADE7953_REG.AWATT_B:
        value = this.awatt[this.pointer - ADE7953_REG.AWATT_A] ?? 0;
        break;
      case ADE7953_REG.IRMS_A:
      case ADE7953_REG.IRMS_B:
        value = this.irms[this.pointer - ADE7953_REG.IRMS_A] ?? 0;
        break;
      case ADE7953_REG.VRMS:
        value = this.vrms;
        break;
      default:
        value = this.regs.get(this.pointer) ?? 0;
    }
    if (
      (this.pointer === ADE7953_REG.AENERGY_A || this.pointer === ADE7953_REG.AENERGY_B) &&
      (this.regs.get(ADE7953_REG.LCYCMODE) ?? 0) & 0x40
    ) {
      this.regs.set(this.pointer, 0);
    }
    const b = Buffer.alloc(width);
    b.writeUIntBE(
      value >>> 0 > 2 ** (8 * width) - 1 ? (value >>> 0) % 2 ** (8 * width) : value >>> 0,
      0,
      width,
    );
    return b;
  }
}
