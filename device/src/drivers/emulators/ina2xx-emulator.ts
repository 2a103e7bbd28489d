import { INA_REG, INA_VARIANT, type InaVariant } from '../ina2xx.js';
import type { I2cDevice } from './i2c-emulator.js';

/**
 * INA219/INA226 at register level: a pointer byte, 16-bit big-endian
 * registers; current and power registers read 0 until calibrated, as on
 * the chip, and are computed from the calibration like the silicon does.
 */
export class Ina2xxEmulator implements I2cDevice {
  private regs = new Map<number, number>();
  private pointer = 0;
  amps = 0;
  volts = 0;

  constructor(
    private readonly variant: InaVariant,
    private readonly shuntOhms: number,
  ) {
    this.powerOn();
  }

  powerOn(): void {
    this.regs = new Map([
      [INA_REG.CONFIG, this.variant === 'ina219' ? 0x399f : 0x4127],
      [INA_REG.CALIBRATION, 0],
    ]);
  }

  register(reg: number): number {
    return this.regs.get(reg) ?? 0;
  }

  write(bytes: Buffer): void {
    this.pointer = bytes[0] ?? 0;
    if (bytes.length === 3) this.regs.set(this.pointer, bytes.readUInt16BE(1));
  }

  private value(): number {
    const cal = this.regs.get(INA_REG.CALIBRATION) ?? 0;
    const v = INA_VARIANT[this.variant];
    switch (this.pointer) {
      case INA_REG.BUS:
        return this.variant === 'ina219'
          ? Math.round(this.volts / 0.004) << 3
          : Math.round(this.volts / 0.00125);
      case INA_REG.SHUNT:
        return (
          Math.round((this.amps * this.shuntOhms) / (this.variant === 'ina219' ? 10e-6 : 2.5e-6)) & 0xffff
        );
      case INA_REG.CURRENT: {
        if (cal === 0) return 0;
        const lsb = v.calK / (cal * this.shuntOhms);
        return Math.round(this.amps / lsb) & 0xffff;
      }
      case INA_REG.POWER: {
        if (cal === 0) return 0;
        const lsb = (v.calK / (cal * this.shuntOhms)) * v.powerLsbFactor;
        return Math.min(0xffff, Math.round((Math.abs(this.amps) * this.volts) / lsb));
      }
      default:
        return this.regs.get(this.pointer) ?? 0;
    }
  }

  read(length: number): Buffer {
    const b = Buffer.alloc(length);
    b.writeUInt16BE(this.value() & 0xffff, 0);
    return b;
  }
}
