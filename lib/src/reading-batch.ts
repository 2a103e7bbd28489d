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
  /**
   * The device's completeness watermark as the sender stated it when it
   * published this batch (the .proto's `complete_until_unix_s` says exactly
   * what it promises); absent when not stated.
   */
  readonly completeUntilS?: number;
  /** Batches of the device waiting to be sent when this one was published (`outbox_backlog`); absent when 0. */
  readonly outboxBacklog?: number;
  /** Publish attempts without a confirm since the device's previous batch (`publish_retries`); absent when 0. */
  readonly publishRetries?: number;
  /** The oldest ReadingBatch version a receiver must understand (`min_collector_version`); absent: 1. */
  readonly minCollectorVersion?: number;
}

/** What a publisher states about itself at the moment of publishing (fields 9-11). */
export interface PublishState {
  /** The completeness watermark; 0 (or less) leaves it unstated. */
  readonly completeUntilS: number;
  readonly outboxBacklog: number;
  readonly publishRetries: number;
}

export const DEFAULT_INTERVAL_S = 60;
/**
 * The newest ReadingBatch version this code understands (the .proto's
 * `min_collector_version` says what a version is): the collector stores a
 * batch needing at most this, and the API tells devices so.
 */
export const READING_BATCH_VERSION = 1;
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
      completeUntilUnixS: batch.completeUntilS ?? 0,
      outboxBacklog: batch.outboxBacklog ?? 0,
      publishRetries: batch.publishRetries ?? 0,
      minCollectorVersion: batch.minCollectorVersion ?? 0,
    }),
  );
}

/** Field 9 (`complete_until_unix_s`), wire type 0 (varint). */
const COMPLETE_UNTIL_TAG = (9 << 3) | 0;
/** Fields 10 (`outbox_backlog`) and 11 (`publish_retries`), varints. */
const OUTBOX_BACKLOG_TAG = (10 << 3) | 0;
const PUBLISH_RETRIES_TAG = (11 << 3) | 0;

/**
 * States the completeness watermark on an already encoded batch by
 * appending the field: protobuf takes the last occurrence of a scalar, so
 * an outbox's stored bytes need no decoding to be republished with the
 * watermark of the moment (6 bytes for a present-day time).
 */
export function withCompleteUntil(body: Uint8Array, completeUntilS: number): Uint8Array {
  if (!Number.isInteger(completeUntilS) || completeUntilS < 1 || completeUntilS > 0xffffffff) {
    throw new RangeError(`completeUntilS ${completeUntilS} is not a Unix time in 1..2^32-1`);
  }
  const out = new Uint8Array(body.length + 6);
  out.set(body, 0);
  let p = body.length;
  out[p++] = COMPLETE_UNTIL_TAG;
  let v = completeUntilS;
  while (v >= 128) {
    out[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  return out.subarray(0, p);
}

function putVarint(out: Uint8Array, p: number, value: number): number {
  let v = value;
  while (v >= 128) {
    out[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  return p;
}

function checkUint32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new RangeError(`${name} ${v} is not in 0..2^32-1`);
}

/**
 * States the sender's publish-time state on an already encoded batch in one
 * append (see withCompleteUntil for why appending works). Zero fields are
 * left out, so append to the bytes as stored, never to bytes already
 * stated on (an earlier nonzero statement would stand): a Pi with nothing waiting pays 6 bytes for the watermark only;
 * a backlog adds 2-4 bytes, retries 2-3.
 */
export function withPublishState(body: Uint8Array, state: PublishState): Uint8Array {
  const until = state.completeUntilS;
  if (until > 0) checkUint32('completeUntilS', until);
  checkUint32('outboxBacklog', state.outboxBacklog);
  checkUint32('publishRetries', state.publishRetries);
  const out = new Uint8Array(body.length + 18);
  out.set(body, 0);
  let p = body.length;
  if (until > 0) {
    out[p++] = COMPLETE_UNTIL_TAG;
    p = putVarint(out, p, until);
  }
  if (state.outboxBacklog > 0) {
    out[p++] = OUTBOX_BACKLOG_TAG;
    p = putVarint(out, p, state.outboxBacklog);
  }
  if (state.publishRetries > 0) {
    out[p++] = PUBLISH_RETRIES_TAG;
    p = putVarint(out, p, state.publishRetries);
  }
  return out.subarray(0, p);
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
  const intervalS = msg.intervalS === 0 ? DEFAULT_INTERVAL_S : msg.intervalS;
  // One literal, optional fields set only when stated (no spreads): this runs per message in the collector.
  const batch: { -readonly [K in keyof ReadingBatch]: ReadingBatch[K] } = {
    bootId: msg.bootId,
    seq: msg.seq,
    endUnixS: msg.endUnixS,
    intervalS,
    readings,
  };
  if (msg.completeUntilUnixS !== 0) batch.completeUntilS = msg.completeUntilUnixS;
  if (msg.outboxBacklog !== 0) batch.outboxBacklog = msg.outboxBacklog;
  if (msg.publishRetries !== 0) batch.publishRetries = msg.publishRetries;
  if (msg.minCollectorVersion !== 0) batch.minCollectorVersion = msg.minCollectorVersion;
  return batch;
}
