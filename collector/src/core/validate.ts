import { READING_BATCH_VERSION, type ReadingBatch, type SocketReading } from '@energy/lib/reading-batch';
import type { Rejection } from './reject-reason.js';

export interface ValidationLimits {
  readonly maxPowerWatts: number;
  /** Clock skew allowed between a device and the collector. */
  readonly futureSkewS: number;
  /** The exporter's outbox keeps batches this long; anything older cannot be genuine. */
  readonly maxAgeS: number;
  readonly maxSocket: number;
  readonly maxReadings: number;
  readonly maxBodyBytes: number;
  /** The newest ReadingBatch version this collector understands (the .proto's `min_collector_version`). */
  readonly maxBatchVersion: number;
}

export const DEFAULT_LIMITS: ValidationLimits = {
  maxPowerWatts: 100_000,
  futureSkewS: 120,
  maxAgeS: 30 * 24 * 3600,
  maxSocket: 255,
  maxReadings: 256,
  maxBodyBytes: 4096,
  maxBatchVersion: READING_BATCH_VERSION,
};

/**
 * Checks that need no history: version, sizes, ranges, timestamps. A batch
 * stamped by a Pi whose clock was wrong is refused here, never stored at a
 * wrong time: ahead of the skew (VictoriaMetrics would drop it silently two
 * days out) or older than the exporter's outbox window.
 */
export function checkBatch(
  batch: ReadingBatch,
  nowS: number,
  limits: ValidationLimits,
): Rejection | undefined {
  // First: a newer version may give the other fields a meaning this code would misread.
  const needs = batch.minCollectorVersion ?? 1;
  if (needs > limits.maxBatchVersion) {
    return {
      reason: 'unsupported_version',
      detail: `the batch needs ReadingBatch version ${needs}; this collector understands up to ${limits.maxBatchVersion}`,
    };
  }
  if (batch.readings.length > limits.maxReadings) {
    return { reason: 'batch_too_large', detail: `${batch.readings.length} readings > ${limits.maxReadings}` };
  }
  if (batch.endUnixS > nowS + limits.futureSkewS) {
    return {
      reason: 'timestamp_in_future',
      detail: `endUnixS ${batch.endUnixS} is ${batch.endUnixS - nowS} s ahead`,
    };
  }
  if (batch.endUnixS < nowS - limits.maxAgeS) {
    return {
      reason: 'timestamp_too_old',
      detail: `endUnixS ${batch.endUnixS} is older than ${limits.maxAgeS} s`,
    };
  }
  for (const r of batch.readings) {
    if (!Number.isInteger(r.socket) || r.socket < 0 || r.socket > limits.maxSocket) {
      return { reason: 'socket_out_of_range', detail: `socket ${r.socket} not in 0..${limits.maxSocket}` };
    }
    if (!(r.powerWatts >= 0 && r.powerWatts <= limits.maxPowerWatts)) {
      return {
        reason: 'power_out_of_range',
        detail: `socket ${r.socket}: ${r.powerWatts} W not in 0..${limits.maxPowerWatts}`,
      };
    }
    if (!(r.energyJoules >= 0 && Number.isFinite(r.energyJoules))) {
      return { reason: 'energy_out_of_range', detail: `socket ${r.socket}: ${r.energyJoules} J` };
    }
  }
  return undefined;
}

interface CounterState {
  seq: number;
  /** The newest batch's sockets and counters, in its reading order; updated in place. */
  sockets: Uint16Array;
  energy: Float64Array;
}

/**
 * Energy counters must not go backwards within one boot id. Compared by
 * sequence number: a redelivery (same seq) is not a regression, and a late
 * batch (lower seq) must not be above the newer one. Kept per process and
 * bounded (oldest forgotten first): a best-effort check, not a ledger.
 * Runs once per message: typed arrays reused in place, no per-batch Map.
 */
export class CounterTracker {
  private readonly state = new Map<string, CounterState>();

  constructor(private readonly maxEntries = 200_000) {}

  check(deviceKey: string, batch: ReadingBatch): Rejection | undefined {
    const key = `${deviceKey}/${batch.bootId}`;
    const prev = this.state.get(key);
    const readings = batch.readings;
    if (prev !== undefined && batch.seq !== prev.seq) {
      const newer = batch.seq > prev.seq;
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i] as SocketReading;
        const before = previousEnergy(prev, i, r.socket);
        if (before === undefined) continue;
        if (newer ? r.energyJoules < before : r.energyJoules > before) {
          return {
            reason: 'counter_backwards',
            detail: `boot ${batch.bootId.toString(16)} socket ${r.socket}: seq ${batch.seq} has ${r.energyJoules} J, seq ${prev.seq} had ${before} J`,
          };
        }
      }
      if (!newer) return undefined;
    }
    if (prev !== undefined && batch.seq > prev.seq && prev.sockets.length === readings.length) {
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i] as SocketReading;
        prev.sockets[i] = r.socket;
        prev.energy[i] = r.energyJoules;
      }
      prev.seq = batch.seq;
      this.state.delete(key); // re-insert: Map order is the eviction order
      this.state.set(key, prev);
    } else if (prev === undefined || batch.seq > prev.seq) {
      const next: CounterState = {
        seq: batch.seq,
        sockets: Uint16Array.from(readings, (r) => r.socket),
        energy: Float64Array.from(readings, (r) => r.energyJoules),
      };
      this.state.delete(key);
      this.state.set(key, next);
      if (this.state.size > this.maxEntries) {
        const oldest = this.state.keys().next();
        if (oldest.done !== true) this.state.delete(oldest.value);
      }
    }
    return undefined;
  }
}

/** The counter the newer batch had for `socket`; same position first (a device's layout rarely changes). */
function previousEnergy(prev: CounterState, index: number, socket: number): number | undefined {
  if (prev.sockets[index] === socket) return prev.energy[index];
  const at = prev.sockets.indexOf(socket);
  return at < 0 ? undefined : prev.energy[at];
}
