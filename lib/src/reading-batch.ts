import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ReadingBatchSchema } from './gen/energy/v1/reading_batch_pb.js';

/** One socket's reading for one interval: its mean active power and its energy counter. */
export interface SocketReading {
  readonly socket: number;
  /** Mean active power over the interval, watts (carried at 0.1 W resolution). */
  readonly powerWatts: number;
  /** Energy counter since the epoch (boot id) began, whole joules. */
  readonly energyJoules: number;
}

/** One device-minute, as the exporter builds it and the collector stores it. */
export interface ReadingBatch {
  readonly bootId: number;
  readonly seq: number;
  /** End of the interval, Unix seconds; every reading is stamped with it. */
  readonly endUnixS: number;
  readonly intervalS: number;
  /** Sockets that gave a reading, ascending; a socket with no reading is absent. */
  readonly readings: readonly SocketReading[];
}

export const DEFAULT_INTERVAL_S = 60;
/** The reference exporter starts a new counter epoch before any counter passes this (4 varint bytes). */
export const EPOCH_ENERGY_LIMIT_J = 2 ** 28;
export const MAX_SOCKETS_PER_BATCH = 256;

export class ReadingBatchDecodeError extends Error {
  override name = 'ReadingBatchDecodeError';
}

export function encodeReadingBatch(batch: ReadingBatch): Uint8Array {
  const sorted = [...batch.readings].sort((a, b) => a.socket - b.socket);
  const first = sorted[0]?.socket ?? 0;
  const last = sorted.at(-1)?.socket ?? -1;
  const span = last - first + 1;
  const powerDw = new Array<number>(span).fill(0);
  const energyJ = new Array<number>(span).fill(0);
  const present = new Array<boolean>(span).fill(false);
  for (const r of sorted) {
    const i = r.socket - first;
    if (present[i]) throw new RangeError(`socket ${r.socket} appears twice in one batch`);
    present[i] = true;
    powerDw[i] = Math.round(r.powerWatts * 10);
    energyJ[i] = Math.floor(r.energyJoules);
  }
  const missingSockets: number[] = [];
  present.forEach((p, i) => {
    if (!p) missingSockets.push(first + i);
  });
  return toBinary(
    ReadingBatchSchema,
    create(ReadingBatchSchema, {
      bootId: batch.bootId >>> 0,
      seq: batch.seq,
      endUnixS: batch.endUnixS,
      intervalS: batch.intervalS === DEFAULT_INTERVAL_S ? 0 : batch.intervalS,
      powerDw,
      energyJ,
      firstSocket: first,
      missingSockets,
    }),
  );
}

/** Decodes and checks the batch's shape; value ranges are the collector's to judge. */
export function decodeReadingBatch(bytes: Uint8Array): ReadingBatch {
  let msg;
  try {
    msg = fromBinary(ReadingBatchSchema, bytes);
  } catch (err) {
    throw new ReadingBatchDecodeError('not a ReadingBatch protobuf', { cause: err });
  }
  if (msg.powerDw.length !== msg.energyJ.length) {
    throw new ReadingBatchDecodeError(
      `power_dw has ${msg.powerDw.length} entries but energy_j has ${msg.energyJ.length}`,
    );
  }
  if (msg.powerDw.length > MAX_SOCKETS_PER_BATCH) {
    throw new ReadingBatchDecodeError(`${msg.powerDw.length} sockets exceed ${MAX_SOCKETS_PER_BATCH}`);
  }
  const missing = new Set(msg.missingSockets);
  const readings: SocketReading[] = [];
  for (let i = 0; i < msg.powerDw.length; i++) {
    const socket = msg.firstSocket + i;
    if (missing.has(socket)) continue;
    readings.push({ socket, powerWatts: (msg.powerDw[i] ?? 0) / 10, energyJoules: msg.energyJ[i] ?? 0 });
  }
  return {
    bootId: msg.bootId,
    seq: msg.seq,
    endUnixS: msg.endUnixS,
    intervalS: msg.intervalS === 0 ? DEFAULT_INTERVAL_S : msg.intervalS,
    readings,
  };
}
