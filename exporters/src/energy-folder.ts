/**
 * Folds a meter's raw energy counter into the exporter's monotonic per-boot
 * counter. A meter counter that goes down means the meter reset (power
 * cycle, plug reboot): the new raw value is the energy since that reset, so
 * it is added, never subtracted. Counters never go backwards within an epoch.
 */
export class EnergyFolder {
  private lastRaw: number | undefined;
  private total = 0;
  resets = 0;

  /** Feeds one raw reading, returns the folded counter (joules since the epoch began). */
  update(raw: number): number {
    if (!Number.isFinite(raw) || raw < 0) return this.total;
    if (this.lastRaw === undefined) {
      // The first reading of a boot is the baseline: the counter starts at 0 here.
      this.lastRaw = raw;
      return this.total;
    }
    if (raw >= this.lastRaw) this.total += raw - this.lastRaw;
    else {
      this.resets++;
      this.total += raw;
    }
    this.lastRaw = raw;
    return this.total;
  }

  get value(): number {
    return this.total;
  }

  /** The meter's own count last fed in; undefined before the first reading. */
  get raw(): number | undefined {
    return this.lastRaw;
  }

  /**
   * Continues a counter persisted before a restart: the next reading adds
   * what the meter counted since `raw` (the meter kept its count meanwhile).
   */
  restore(total: number, raw: number): void {
    this.total = total;
    this.lastRaw = raw;
  }

  /** Starts a new epoch: the counter restarts at `keep` (energy already past the new epoch's start). */
  rebase(keep: number): void {
    this.total = keep;
  }
}
