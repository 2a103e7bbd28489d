import type { Readable } from 'node:stream';
import { MeterReadError, type MeterReading, type PowerMeter } from '../power-meter.js';
import {
  OBIS_IMPORT_ENERGY,
  OBIS_POWER,
  extractFrames,
  frameBody,
  obisValues,
  parseMessages,
} from './sml.js';

export interface SmlMeterOptions {
  /** Bytes from the optical head (e.g. fs.createReadStream('/dev/ttyUSB0') after `stty -F … 9600 raw`). */
  readonly input: Readable;
  readonly socket: number;
  /** A reading older than this is stale (the meter sends every 1–4 s). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

/**
 * The whole-house meter through an optical head: the latest 1.8.0 (import
 * energy, Wh) and 16.7.0 (power, W) from the SML stream. Broken frames are
 * counted and skipped.
 */
export class SmlMeter implements PowerMeter {
  readonly chip = 'sml';
  private buf = Buffer.alloc(0);
  private latest: { wh: number; watts: number; at: number } | undefined;
  badFrames = 0;
  private readonly now: () => number;

  constructor(private readonly opts: SmlMeterOptions) {
    this.now = opts.now ?? Date.now;
    opts.input.on('data', (chunk: Buffer) => this.feed(chunk));
    opts.input.on('error', () => undefined); // a read then reports not-ready
  }

  feed(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > 64 * 1024) this.buf = this.buf.subarray(-4096); // noise without frames
    const { frames, rest } = extractFrames(this.buf);
    this.buf = Buffer.from(rest);
    for (const f of frames) {
      try {
        const values = obisValues(parseMessages(frameBody(f)));
        const wh = values.find((v) => v.obis === OBIS_IMPORT_ENERGY)?.value;
        const watts = values.find((v) => v.obis === OBIS_POWER)?.value;
        if (wh !== undefined) this.latest = { wh, watts: watts ?? this.latest?.watts ?? 0, at: this.now() };
      } catch {
        this.badFrames++;
      }
    }
  }

  read(): Promise<MeterReading> {
    const l = this.latest;
    if (!l || this.now() - l.at > (this.opts.maxAgeMs ?? 15_000)) {
      return Promise.resolve({
        ok: false,
        error: new MeterReadError(this.chip, 'not-ready', 'no recent SML frame'),
      });
    }
    return Promise.resolve({
      ok: true,
      samples: [{ socket: this.opts.socket, watts: Math.max(0, l.watts), energyJoules: l.wh * 3600 }],
    });
  }
}
