import { EPOCH_ENERGY_LIMIT_J, type ReadingBatch, type SocketReading } from '@energy/lib/reading-batch';
import type { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { newBootId } from './boot-id.js';

/**
 * One counter epoch of one simulated device: a boot id, a sequence number
 * and per-socket counters that are the simulator's exact integral since the
 * epoch began. The fleet keeps two per device (the backfill and the live
 * one) so live minutes never wait for the backfill to reach them.
 */
export class DeviceEpoch {
  bootId: number;
  seq = 0;
  /** Next UTC minute to emit (the batch covers [minute·60, minute·60 + 60)). */
  nextMinute: number;
  private counters: Float64Array;

  constructor(
    private readonly sim: HouseholdSimulator,
    private readonly sockets: number,
    startMinute: number,
    private readonly newId: () => number = newBootId,
  ) {
    this.bootId = newId();
    this.nextMinute = startMinute;
    this.counters = new Float64Array(sockets);
  }

  /** Builds the batch of `nextMinute` and advances; pure apart from the boot id when an epoch rolls over. */
  next(): ReadingBatch {
    const minute = this.nextMinute++;
    const dw = new Array<number>(this.sockets);
    let rollover = false;
    for (let s = 0; s < this.sockets; s++) {
      const d = this.sim.minuteDeciwatts(s, minute);
      dw[s] = d;
      if ((this.counters[s] ?? 0) + 6 * d >= EPOCH_ENERGY_LIMIT_J) rollover = true;
    }
    if (rollover) {
      // A counter would not fit the wire's 4-byte varint: a new epoch begins at this minute's start.
      this.bootId = this.newId();
      this.seq = 0;
      this.counters = new Float64Array(this.sockets);
    }
    const readings: SocketReading[] = new Array<SocketReading>(this.sockets);
    for (let s = 0; s < this.sockets; s++) {
      const d = dw[s] ?? 0;
      const c = (this.counters[s] ?? 0) + 6 * d;
      this.counters[s] = c;
      readings[s] = { socket: s, powerWatts: d / 10, energyJoules: c };
    }
    this.seq++;
    return { bootId: this.bootId, seq: this.seq, endUnixS: (minute + 1) * 60, intervalS: 60, readings };
  }
}
