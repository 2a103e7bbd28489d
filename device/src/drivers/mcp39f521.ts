import { MeterReadError, safeRead, type MeterReading, type PowerMeter } from '../power-meter.js';
import { readBytes, writeBytes, type I2cBus } from './i2c.js';
import { MCP_ACK, parseReadResponse, readFrame, writeFrame } from './mcp39f521-frame.js';

export const MCP39F521_ADDRESS = 0x74;
/** Register addresses (little-endian values). */
export const MCP_REG = {
  STATUS: 0x0002,
  /** From STATUS: status, version, Vrms, frequency, analog in, power factor, Irms, P, Q, S — 28 bytes. */
  OUTPUT_BLOCK_LENGTH: 28,
  IMPORT_ACTIVE_ENERGY: 0x001e, // u64
  ENERGY_CONTROL: 0x00dc, // u16; 1 = energy accumulation on (0 after a reset)
} as const;

export interface Mcp39f521Options {
  readonly address?: number;
  readonly socket: number;
  /** Joules per LSB of the import energy counter (1 mWh with the default configuration). */
  readonly joulesPerLsb?: number;
}

/**
 * MCP39F521 single-phase monitor: Vrms, Irms, power factor, active power
 * and an import energy accumulator, read through checksummed frames. After
 * a reset the chip stops accumulating (energy control reads 0): the driver
 * turns it back on and keeps its own counter going from where it was.
 */
export class Mcp39f521Meter implements PowerMeter {
  readonly chip = 'mcp39f521';
  private readonly address: number;
  private initialised = false;
  private lastRaw: number | undefined;
  private total = 0;
  resets = 0;

  constructor(
    private readonly bus: I2cBus,
    private readonly opts: Mcp39f521Options,
  ) {
    this.address = opts.address ?? MCP39F521_ADDRESS;
  }

  private async readRegs(reg: number, n: number): Promise<Buffer> {
    await writeBytes(this.bus, this.address, [...readFrame(reg, n)]);
    const data = parseReadResponse(await readBytes(this.bus, this.address, n + 3), n);
    if (typeof data === 'string') {
      throw new MeterReadError(
        this.chip,
        data === 'checksum' ? 'checksum' : 'garbage',
        `read 0x${reg.toString(16)}: ${data}`,
      );
    }
    return data;
  }

  private async writeRegs(reg: number, data: readonly number[]): Promise<void> {
    await writeBytes(this.bus, this.address, [...writeFrame(reg, data)]);
    const ack = await readBytes(this.bus, this.address, 1);
    if (ack[0] !== MCP_ACK)
      throw new MeterReadError(this.chip, 'garbage', `write 0x${reg.toString(16)} not acknowledged`);
  }

  read(): Promise<MeterReading> {
    return safeRead(this.chip, async () => {
      try {
        let countRestarted = false;
        if (!this.initialised) {
          // Accumulating already: the chip kept power (and its count) while the exporter restarted.
          countRestarted = (await this.readRegs(MCP_REG.ENERGY_CONTROL, 2)).readUInt16LE(0) === 0;
          await this.writeRegs(MCP_REG.ENERGY_CONTROL, [1, 0]);
          this.initialised = true;
        } else if ((await this.readRegs(MCP_REG.ENERGY_CONTROL, 2)).readUInt16LE(0) === 0) {
          this.resets++;
          await this.writeRegs(MCP_REG.ENERGY_CONTROL, [1, 0]);
          this.lastRaw = 0; // the accumulator restarted at 0 with the reset
        }
        const out = await this.readRegs(MCP_REG.STATUS, MCP_REG.OUTPUT_BLOCK_LENGTH);
        const raw = Number((await this.readRegs(MCP_REG.IMPORT_ACTIVE_ENERGY, 8)).readBigUInt64LE(0));
        // The first read takes the chip's whole count (since its power-on), so a restarted exporter continues from it.
        if (this.lastRaw === undefined) this.total += raw;
        else this.total += raw >= this.lastRaw ? raw - this.lastRaw : raw;
        this.lastRaw = raw;
        return [
          {
            socket: this.opts.socket,
            volts: out.readUInt16LE(4) / 10,
            amps: out.readUInt32LE(12) / 10_000,
            watts: out.readUInt32LE(16) / 100,
            energyJoules: this.total * (this.opts.joulesPerLsb ?? 3.6),
            ...(countRestarted ? { countRestarted: true } : {}),
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
