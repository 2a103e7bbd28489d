import {
  MeterReadError,
  safeRead,
  type MeterReading,
  type PowerMeter,
  type SocketSample,
} from '../power-meter.js';
import { readBytes, writeBytes, type I2cBus } from './i2c.js';
import type { Tca9548a } from './tca9548a.js';

export const ADE7953_ADDRESS = 0x38;

/** Register addresses (datasheet); the width follows from the address range. */
export const ADE7953_REG = {
  LCYCMODE: 0x004, // 8 bit; bit 6 RSTREAD: energy registers reset on read (default 1)
  UNLOCK: 0x0fe, // 8 bit; 0xAD unlocks register 0x120
  CONFIG: 0x102, // 16 bit
  SETUP_120: 0x120, // 16 bit; must be 0x0030 for the specified performance
  AWATT_A: 0x312, // 32 bit signed, instantaneous active power
  AWATT_B: 0x313,
  IRMS_A: 0x31a, // 32 bit
  IRMS_B: 0x31b,
  VRMS: 0x31c,
  AENERGY_A: 0x31e, // 32 bit signed accumulator
  AENERGY_B: 0x31f,
} as const;

export function ade7953RegisterWidth(reg: number): 1 | 2 | 3 | 4 {
  if (reg < 0x100) return 1;
  if (reg < 0x200) return 2;
  if (reg < 0x300) return 3;
  return 4;
}

export interface Ade7953Scale {
  readonly wattsPerLsb: number;
  readonly joulesPerLsb: number;
  readonly voltsPerLsb: number;
  readonly ampsPerLsb: number;
}

/** Shelly-style front end; calibrate per board. */
export const ADE7953_DEFAULT_SCALE: Ade7953Scale = {
  wattsPerLsb: 1 / 164,
  joulesPerLsb: 3600 / 25_240,
  voltsPerLsb: 0.0000382602,
  ampsPerLsb: 0.00000949523,
};

interface ChipState {
  readonly muxChannel: number | undefined;
  /** Last raw accumulator per channel (A, B); undefined right after (re)initialisation. */
  last: [number | undefined, number | undefined];
  total: [number, number];
  initialised: boolean;
  /** Found without its setup at the first read: its accumulators restarted at power-on. */
  countRestarted: boolean;
}

export interface Ade7953Options {
  readonly firstSocket: number;
  /** One chip per mux channel; absent: a single chip directly on the bus. */
  readonly mux?: { readonly device: Tca9548a; readonly channels: readonly number[] };
  readonly scale?: Ade7953Scale;
}

/**
 * ADE7953 over I2C, two sockets (current channels A and B) per chip. The
 * energy accumulators run in non-reset mode and are unwrapped in software
 * (32-bit signed, so a wrap is a small difference modulo 2³²); a chip reset
 * is noticed by the setup register losing its value, the chip is set up
 * again and its counters continue from where they were, so they never go
 * backwards.
 */
export class Ade7953Meter implements PowerMeter {
  readonly chip = 'ade7953';
  private readonly chips: ChipState[];
  private readonly scale: Ade7953Scale;
  resets = 0;

  constructor(
    private readonly bus: I2cBus,
    private readonly opts: Ade7953Options,
  ) {
    this.scale = opts.scale ?? ADE7953_DEFAULT_SCALE;
    const channels = opts.mux ? opts.mux.channels : [undefined];
    this.chips = channels.map((muxChannel) => ({
      muxChannel,
      last: [undefined, undefined],
      total: [0, 0],
      initialised: false,
      countRestarted: false,
    }));
  }

  private async writeReg(reg: number, value: number): Promise<void> {
    const width = ade7953RegisterWidth(reg);
    const bytes = [(reg >> 8) & 0xff, reg & 0xff];
    for (let i = width - 1; i >= 0; i--) bytes.push((value >>> (8 * i)) & 0xff);
    await writeBytes(this.bus, ADE7953_ADDRESS, bytes);
  }

  /** Write the 16-bit address, then read the register's width (big-endian). */
  private async readReg(reg: number, signed = false): Promise<number> {
    const width = ade7953RegisterWidth(reg);
    await writeBytes(this.bus, ADE7953_ADDRESS, [(reg >> 8) & 0xff, reg & 0xff]);
    const b = await readBytes(this.bus, ADE7953_ADDRESS, width);
    const v = b.readUIntBE(0, width);
    if (!signed) return v;
    const bits = width * 8;
    return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
  }

  private async init(c: ChipState): Promise<void> {
    await this.writeReg(ADE7953_REG.CONFIG, 0x0004);
    await this.writeReg(ADE7953_REG.UNLOCK, 0xad);
    await this.writeReg(ADE7953_REG.SETUP_120, 0x0030);
    // Non-reset mode: reading the accumulators does not clear them, so a failed read loses nothing.
    await this.writeReg(ADE7953_REG.LCYCMODE, 0x00);
    c.initialised = true;
    c.last = [undefined, undefined];
  }

  private async readChip(c: ChipState, index: number): Promise<SocketSample[]> {
    if (c.muxChannel !== undefined) await this.opts.mux?.device.select(c.muxChannel);
    if (!c.initialised) {
      // Set up already: the chip kept power (and its count) while the exporter restarted.
      c.countRestarted = (await this.readReg(ADE7953_REG.SETUP_120)) !== 0x0030;
      await this.init(c);
    } else if ((await this.readReg(ADE7953_REG.SETUP_120)) !== 0x0030) {
      // Power glitch or brown-out: the chip lost its setup and its accumulators restarted at 0.
      this.resets++;
      await this.init(c);
    }
    const vrms = (await this.readReg(ADE7953_REG.VRMS)) * this.scale.voltsPerLsb;
    const out: SocketSample[] = [];
    for (const ch of [0, 1] as const) {
      const watts =
        (await this.readReg(ch === 0 ? ADE7953_REG.AWATT_A : ADE7953_REG.AWATT_B, true)) *
        this.scale.wattsPerLsb;
      const amps =
        (await this.readReg(ch === 0 ? ADE7953_REG.IRMS_A : ADE7953_REG.IRMS_B)) * this.scale.ampsPerLsb;
      const raw = await this.readReg(ch === 0 ? ADE7953_REG.AENERGY_A : ADE7953_REG.AENERGY_B, true);
      const last = c.last[ch];
      // Difference modulo 2³², read as signed: correct across a wrap; negative (export) counts nothing.
      const delta = last === undefined ? raw : (raw - last) | 0;
      if (delta > 0) c.total[ch] += delta;
      c.last[ch] = raw;
      out.push({
        socket: this.opts.firstSocket + index * 2 + ch,
        watts: Math.max(0, watts),
        energyJoules: c.total[ch] * this.scale.joulesPerLsb,
        volts: vrms,
        amps,
        ...(c.countRestarted ? { countRestarted: true } : {}),
      });
    }
    c.countRestarted = false;
    return out;
  }

  read(): Promise<MeterReading> {
    return safeRead(this.chip, async () => {
      const samples: SocketSample[] = [];
      for (const [i, c] of this.chips.entries()) {
        try {
          samples.push(...(await this.readChip(c, i)));
        } catch (err) {
          this.opts.mux?.device.forget();
          throw new MeterReadError(
            this.chip,
            'io',
            `chip ${i}: ${err instanceof Error ? err.message : String(err)}`,
            {
              cause: err,
            },
          );
        }
      }
      return samples;
    });
  }
}
