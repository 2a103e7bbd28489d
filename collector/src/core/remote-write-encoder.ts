import { compress } from 'snappy';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import { COMPLETENESS_SERIES, ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import type { DeviceWatermark } from './completeness.js';

/**
 * Prometheus remote-write `WriteRequest` written by hand straight into one
 * growing buffer: no per-sample JS objects (FACTS.md: they cost 10x in GC).
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 *
 * A WriteRequest is nothing but its concatenated `timeseries` fields, so any
 * concatenation of messages' byte ranges is again a valid request: that is
 * what lets a rejected request be bisected without re-encoding.
 */

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function labelField(name: string, value: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  const v = Buffer.from(value, 'utf8');
  const inner = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let p = 0;
  p = out.writeUInt8(0x0a, p); // TimeSeries.labels
  p = writeVarint(out, p, inner);
  p = out.writeUInt8(0x0a, p); // Label.name
  p = writeVarint(out, p, n.length);
  p += n.copy(out, p);
  p = out.writeUInt8(0x12, p); // Label.value
  p = writeVarint(out, p, v.length);
  v.copy(out, p);
  return out;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 128) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

const POWER_NAME = labelField('__name__', POWER_SERIES);
const ENERGY_NAME = labelField('__name__', ENERGY_SERIES);
const COMPLETENESS_NAME = labelField('__name__', COMPLETENESS_SERIES);
const NO_LABEL = Buffer.alloc(0);
/** Socket labels are few (0..255): encode each once. */
const SOCKET_LABELS: Buffer[] = [];
function socketLabel(socket: number): Buffer {
  let b = SOCKET_LABELS[socket];
  if (b === undefined) {
    b = labelField(SERIES_LABELS.socket, String(socket));
    SOCKET_LABELS[socket] = b;
  }
  return b;
}

/** Where one message's series sit in the uncompressed request. */
export interface EncodedRange {
  readonly start: number;
  readonly end: number;
  readonly samples: number;
}

/**
 * Request buffers are megabytes and a collector fills a few per second: taken
 * from a small free list instead of fresh memory whose every page the kernel
 * would have to fault in again (measured: the encoder's largest cost in the
 * pipeline before the pool).
 */
const freeBuffers: Buffer[] = [];
const MAX_FREE_BUFFERS = 8;

export class WriteRequestBuilder {
  private buf: Buffer;
  private pos = 0;
  private sampleCount = 0;

  constructor(initialBytes = 1 << 20) {
    const i = freeBuffers.findIndex((b) => b.length >= initialBytes);
    this.buf = i >= 0 ? (freeBuffers.splice(i, 1)[0] as Buffer) : Buffer.allocUnsafe(initialBytes);
  }

  /**
   * Gives the buffer back for the next builder. Only when nothing still reads
   * it: `raw()` views and pending compressions die with it.
   */
  release(): void {
    if (freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(this.buf);
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.sampleCount = 0;
  }

  get samples(): number {
    return this.sampleCount;
  }

  get bytes(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 1 << 16);
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Appends the two series (power, energy) of every reading; labels come from
   * the verified identity. `epochZeroMs`: also an energy sample of 0 per
   * reading at that time (the epoch-start zero, core/epoch-start.ts), inside
   * the message's range so a bisection keeps or drops it with the message.
   */
  addBatch(household: string, device: string, batch: ReadingBatch, epochZeroMs?: number): EncodedRange {
    const start = this.pos;
    // Labels in sorted order after __name__: device, household, socket.
    const idLabels = Buffer.concat([
      labelField(SERIES_LABELS.device, device),
      labelField(SERIES_LABELS.household, household),
    ]);
    const tsMs = batch.endUnixS * 1000;
    const sampleInner = 1 + 8 + 1 + varintSize(tsMs);
    const sampleField = 1 + varintSize(sampleInner) + sampleInner;
    for (const r of batch.readings) {
      const sock = socketLabel(r.socket);
      this.writeSeries(POWER_NAME, idLabels, sock, r.powerWatts, tsMs, sampleInner, sampleField);
      this.writeSeries(ENERGY_NAME, idLabels, sock, r.energyJoules, tsMs, sampleInner, sampleField);
    }
    let samples = batch.readings.length * 2;
    if (epochZeroMs !== undefined) {
      const zeroInner = 1 + 8 + 1 + varintSize(epochZeroMs);
      const zeroField = 1 + varintSize(zeroInner) + zeroInner;
      for (const r of batch.readings) {
        this.writeSeries(ENERGY_NAME, idLabels, socketLabel(r.socket), 0, epochZeroMs, zeroInner, zeroField);
      }
      samples += batch.readings.length;
    }
    this.sampleCount += samples;
    return { start, end: this.pos, samples };
  }

  /** One sample of a device's completeness watermark (its value is the watermark, Unix seconds). */
  addWatermark(w: DeviceWatermark, tsMs: number): void {
    const idLabels = Buffer.concat([
      labelField(SERIES_LABELS.device, w.device),
      labelField(SERIES_LABELS.household, w.household),
    ]);
    const sampleInner = 1 + 8 + 1 + varintSize(tsMs);
    const sampleField = 1 + varintSize(sampleInner) + sampleInner;
    this.writeSeries(COMPLETENESS_NAME, idLabels, NO_LABEL, w.completeUntilS, tsMs, sampleInner, sampleField);
    this.sampleCount++;
  }

  private writeSeries(
    name: Buffer,
    idLabels: Buffer,
    sock: Buffer,
    value: number,
    tsMs: number,
    sampleInner: number,
    sampleField: number,
  ): void {
    const inner = name.length + idLabels.length + sock.length + sampleField;
    this.ensure(1 + 5 + inner);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x0a; // WriteRequest.timeseries
    p = writeVarint(b, p, inner);
    b.set(name, p);
    p += name.length;
    b.set(idLabels, p);
    p += idLabels.length;
    b.set(sock, p);
    p += sock.length;
    b[p++] = 0x12; // TimeSeries.samples
    p = writeVarint(b, p, sampleInner);
    b[p++] = 0x09; // Sample.value, fixed64 double
    b.writeDoubleLE(value, p);
    p += 8;
    b[p++] = 0x10; // Sample.timestamp, varint
    p = writeVarint(b, p, tsMs);
    this.pos = p;
  }

  /** The uncompressed WriteRequest (a view: valid until the next add). */
  raw(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** A WriteRequest made of some messages' ranges only (bisection of a rejected request). */
  slice(ranges: readonly EncodedRange[]): Buffer {
    return Buffer.concat(ranges.map((r) => this.buf.subarray(r.start, r.end)));
  }
}

/**
 * Snappy block format, as remote write wants it; runs on libuv's thread pool.
 * Here and not in the VictoriaMetrics adapter: the compressed bytes are the
 * request's format (a pure function of the encoded bytes, no I/O), and the
 * pipeline compresses once per request, not once per retry, and compresses
 * each half of a bisected request itself.
 */
export function compressRequest(raw: Uint8Array): Promise<Buffer> {
  return compress(raw);
}
