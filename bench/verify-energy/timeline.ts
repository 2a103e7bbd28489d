/**
 * The batches a Pi publishes over a stretch of minutes, built the way the
 * exporter builds them: one per minute, each socket's counter the meter's
 * exact count since its epoch began (a power-on), the seq counting up.
 * Events are written as what they change in that stream: minutes missing
 * (daemon down), a new epoch from zero (reboot), minutes sent late (outbox
 * replay), the stream sent twice.
 */
import type { ReadingBatch } from '@energy/lib/reading-batch';
import type { MeterModel } from './meter-model.js';

/** A counting epoch: counters are zero at `startS` (the chip powered on). */
export interface Epoch {
  readonly bootId: number;
  readonly startS: number;
}

/** One minute's batch ending at `endS` (a whole minute) under `epoch`. */
export function minuteBatch(m: MeterModel, epoch: Epoch, seq: number, endS: number): ReadingBatch {
  return {
    bootId: epoch.bootId,
    seq,
    endUnixS: endS,
    intervalS: 60,
    readings: Array.from({ length: m.sockets }, (_, socket) => ({
      socket,
      powerWatts: m.watts(socket, endS - 1),
      energyJoules: Math.floor(m.joules(socket, epoch.startS, endS)),
    })),
  };
}

export interface StreamOptions {
  /** First and last minute ends of the stretch, Unix seconds, whole minutes. */
  readonly fromS: number;
  readonly toS: number;
  /** Epochs in order of startS; a minute is counted under the last epoch begun before it. */
  readonly epochs: readonly Epoch[];
  /** Minute ends at which no batch is published (the daemon or the Pi is down). */
  readonly skip?: (endS: number) => boolean;
}

/** The stream in publishing order, minute by minute. */
export function minuteStream(m: MeterModel, o: StreamOptions): ReadingBatch[] {
  const out: ReadingBatch[] = [];
  const seqs = new Map<number, number>();
  for (let endS = o.fromS + 60; endS <= o.toS; endS += 60) {
    const epoch = [...o.epochs].reverse().find((e) => e.startS < endS);
    if (epoch === undefined) continue;
    if (o.skip?.(endS)) continue;
    const seq = (seqs.get(epoch.bootId) ?? 0) + 1;
    seqs.set(epoch.bootId, seq);
    out.push(minuteBatch(m, epoch, seq, endS));
  }
  return out;
}
