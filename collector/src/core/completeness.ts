/**
 * The per-device completeness watermark (lib/src/series.ts'
 * COMPLETENESS_SERIES; the .proto's `complete_until_unix_s` says what an
 * exporter promises with it). A stated watermark T is true once the message
 * that states it and every message of the device that the broker took
 * before it are stored (or dead-lettered for good). The collector learns
 * "every earlier delivery finished" from its ack chain — the finished
 * prefix of one channel's deliveries — so it holds each stated watermark
 * until that prefix reaches the delivery, then writes the highest per device.
 *
 * Exact when one consumer reads the device's queue: a shard queue read by one
 * collector (`COLLECTOR_CONSUME_QUEUES`, a device sticks to its shard through
 * the consistent-hash exchange), or the single queue read by one collector.
 * Competing consumers on one queue break "every earlier message was
 * delivered here": another collector may still hold an earlier message of the
 * device, so a watermark can run ahead of it — for as long as that collector
 * takes to store it, or, if it dies, until the broker delivers it again
 * (docs/design.md, "Completeness watermark").
 */

/** A device's watermark: every reading of it whose interval ends at or before `completeUntilS` is stored. */
export interface DeviceWatermark {
  readonly household: string;
  readonly device: string;
  /** Unix seconds; 0: the message stated none. */
  readonly completeUntilS: number;
}

/**
 * One channel's stated watermarks, held by delivery position until every
 * earlier delivery is finished. Held marks die with the channel: its
 * unfinished deliveries come again and state them again.
 */
export class HeldWatermarks<W extends DeviceWatermark = DeviceWatermark> {
  private positions: number[] = [];
  private marks: W[] = [];
  private highest = 0;

  get size(): number {
    return this.marks.length;
  }

  hold(position: number, mark: W): void {
    this.positions.push(position);
    this.marks.push(mark);
    if (position > this.highest) this.highest = position;
  }

  /** Every delivery up to `finishedThrough` is finished: the marks held at or before it. */
  release(finishedThrough: number): W[] {
    if (this.marks.length === 0) return [];
    if (finishedThrough >= this.highest) {
      // The common case: the ack that finished the batch finished everything before it too.
      const all = this.marks;
      this.positions = [];
      this.marks = [];
      return all;
    }
    const out: W[] = [];
    const keepP: number[] = [];
    const keepM: W[] = [];
    for (let i = 0; i < this.marks.length; i++) {
      const p = this.positions[i] as number;
      const m = this.marks[i] as W;
      if (p <= finishedThrough) out.push(m);
      else {
        keepP.push(p);
        keepM.push(m);
      }
    }
    this.positions = keepP;
    this.marks = keepM;
    return out;
  }
}

/**
 * The process's watermarks per device: a device's never goes backwards here,
 * and what is not yet written waits, coalesced to the highest per device.
 * About 0.5 KB per device the process has seen (measured with 26-character
 * ids; a collector per shard sees its share); one map look-up per mark.
 */
export class DeviceWatermarks {
  private readonly devices = new Map<string, DeviceState>();
  private unwritten: DeviceState[] = [];

  /** Takes the marks that advance their device; returns how many did not (or were superseded). */
  offer(marks: readonly DeviceWatermark[]): number {
    let behind = 0;
    for (const m of marks) {
      const key = `${m.household}\u0000${m.device}`;
      let st = this.devices.get(key);
      if (st === undefined) {
        st = { highest: 0, pending: undefined };
        this.devices.set(key, st);
      }
      if (m.completeUntilS <= st.highest) {
        behind++;
        continue;
      }
      if (st.pending === undefined) this.unwritten.push(st);
      else behind++;
      st.highest = m.completeUntilS;
      st.pending = m;
    }
    return behind;
  }

  /** The marks to write now, the highest per device; they leave the queue. */
  take(): DeviceWatermark[] {
    const out: DeviceWatermark[] = [];
    for (const st of this.unwritten) {
      if (st.pending) out.push(st.pending);
      st.pending = undefined;
    }
    this.unwritten = [];
    return out;
  }

  get waiting(): number {
    return this.unwritten.length;
  }
}

interface DeviceState {
  highest: number;
  /** The mark to write next; undefined once taken. */
  pending: DeviceWatermark | undefined;
}
