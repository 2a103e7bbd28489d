import { MeterReadError, safeRead, type MeterReading, type PowerMeter } from '../power-meter.js';
import { readBytes, writeBytes, type I2cBus } from './i2c.js';

export const INA_REG = {
  CONFIG: 0x00,
  SHUNT: 0x01,
  BUS: 0x02,
  POWER: 0x03,
  CURRENT: 0x04,
  CALIBRATION: 0x05,
} as const;

export type InaVariant = 'ina219' | 'ina226';

/** Datasheet constants: calibration numerator, power LSB as a multiple of the current LSB, bus voltage decoding. */
export const INA_VARIANT = {
  ina219: {
    calK: 0.04096,
    powerLsbFactor: 20,
    config: 0x399f,
    busVolts: (reg: number) => (reg >> 3) * 0.004,
  },
  ina226: { calK: 0.00512, powerLsbFactor: 25, config: 0x4127, busVolts: (reg: number) => reg * 0.00125 },
} as const;

export interface Ina2xxOptions {
  readonly variant: InaVariant;
  readonly address: number;
  readonly socket: number;
  readonly shuntOhms?: number;
  /** Largest expected current; sets the current LSB. */
  readonly maxAmps?: number;
  /** Monotonic seconds (injectable for tests). */
  readonly now?: () => number;
}

export function inaCalibration(variant: InaVariant, shuntOhms: number, maxAmps: number) {
  const currentLsb = maxAmps / 32768;
  const cal = Math.floor(INA_VARIANT[variant].calK / (currentLsb * shuntOhms));
  // The chip works with the rounded calibration; derive the LSBs back from it so readings stay exact.
  const effectiveCurrentLsb = INA_VARIANT[variant].calK / (cal * shuntOhms);
  return {
    cal,
    currentLsb: effectiveCurrentLsb,
    powerLsb: effectiveCurrentLsb * INA_VARIANT[variant].powerLsbFactor,
  };
}

/**
 * INA219 / INA226 for DC outlets. They have no energy register: energy is
 * the power integrated in software (trapezoids between reads). A chip that
 * lost its calibration (power-on reset) is calibrated again.
 */
export class Ina2xxMeter implements PowerMeter {
  readonly chip: InaVariant;
  private readonly cal: ReturnType<typeof inaCalibration>;
  private readonly now: () => number;
  private initialised = false;
  private lastWatts: number | undefined;
  private lastT = 0;
  private joules = 0;
  resets = 0;

  constructor(
    private readonly bus: I2cBus,
    private readonly opts: Ina2xxOptions,
  ) {
    this.chip = opts.variant;
    this.cal = inaCalibration(opts.variant, opts.shuntOhms ?? 0.1, opts.maxAmps ?? 3.2);
    this.now = opts.now ?? (() => performance.now() / 1000);
  }

  private async writeReg(reg: number, value: number): Promise<void> {
    await writeBytes(this.bus, this.opts.address, [reg, (value >> 8) & 0xff, value & 0xff]);
  }

  private async readReg(reg: number): Promise<number> {
    await writeBytes(this.bus, this.opts.address, [reg]);
    return (await readBytes(this.bus, this.opts.address, 2)).readUInt16BE(0);
  }

  private async init(): Promise<void> {
    await this.writeReg(INA_REG.CONFIG, INA_VARIANT[this.opts.variant].config);
    await this.writeReg(INA_REG.CALIBRATION, this.cal.cal);
    this.initialised = true;
  }

  read(): Promise<MeterReading> {
    return safeRead(this.chip, async () => {
      try {
        if (!this.initialised) await this.init();
        else if ((await this.readReg(INA_REG.CALIBRATION)) !== this.cal.cal) {
          this.resets++;
          await this.init();
        }
        const busVolts = INA_VARIANT[this.opts.variant].busVolts(await this.readReg(INA_REG.BUS));
        const current = ((await this.readReg(INA_REG.CURRENT)) << 16) >> 16; // signed
        const watts = (await this.readReg(INA_REG.POWER)) * this.cal.powerLsb;
        const t = this.now();
        if (this.lastWatts !== undefined && t > this.lastT)
          this.joules += ((this.lastWatts + watts) / 2) * (t - this.lastT);
        this.lastWatts = watts;
        this.lastT = t;
        return [
          {
            socket: this.opts.socket,
            watts,
            energyJoules: this.joules,
            volts: busVolts,
            amps: current * this.cal.currentLsb,
          },
        ];
      } catch (err) {
        if (err instanceof MeterReadError) throw err;
        throw new MeterReadError(this.chip, 'io', err instanceof Error ? err.message : String(err), {
          cause: err,
        });
      }
    });
  }
}
