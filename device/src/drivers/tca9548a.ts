import { writeBytes, type I2cBus } from './i2c.js';

export const TCA9548A_DEFAULT_ADDRESS = 0x70;

/**
 * TCA9548A I2C multiplexer: one control byte selects which of its eight
 * downstream buses is connected. Chips with a fixed address (the ADE7953's
 * 0x38) sit one per channel, so one Pi reads many of them.
 */
export class Tca9548a {
  private selected: number | undefined;

  constructor(
    private readonly bus: I2cBus,
    readonly address = TCA9548A_DEFAULT_ADDRESS,
  ) {}

  async select(channel: number): Promise<void> {
    if (!Number.isInteger(channel) || channel < 0 || channel > 7)
      throw new RangeError(`mux channel ${channel}`);
    if (this.selected === channel) return;
    this.selected = undefined; // unknown until the write succeeded
    await writeBytes(this.bus, this.address, [1 << channel]);
    this.selected = channel;
  }

  /** After a bus error the mux may have reset: select again before the next access. */
  forget(): void {
    this.selected = undefined;
  }
}
