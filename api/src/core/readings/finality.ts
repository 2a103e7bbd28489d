import type { DeviceWatermark } from './series-reader.js';

/**
 * How long an exporter's outbox keeps a reading: a device that never stated
 * a watermark (an older exporter, another client of the .proto) may still
 * deliver anything younger than this.
 */
export const OUTBOX_WINDOW_MS = 30 * 86_400_000;
/** How far back watermarks are looked for: anything older is below the outbox window anyway. */
export const WATERMARK_LOOKBACK_MS = 31 * 86_400_000;

/**
 * The instant up to which the household's readings are all stored: a past
 * range [start, end) is final when `end` is at or before it.
 *
 * Every device of the household counts — every device that exists (revoked
 * ones are deleted, and refused), whether or not it reported in the range:
 * an offline device may still replay it from its outbox. Devices created
 * after the range count too: a re-paired Pi replays its old outbox under its
 * new id, and the collector does not compare a reading's time with the
 * device's creation. A device without a watermark is complete up to
 * now − the outbox window. Nothing after now is complete.
 */
export function completeUntil(
  devices: readonly string[],
  watermarks: readonly DeviceWatermark[],
  nowMs: number,
): number {
  const stated = new Map<string, number>();
  for (const w of watermarks) stated.set(w.device, Math.max(w.untilMs, stated.get(w.device) ?? -Infinity));
  let until = nowMs;
  for (const d of devices) {
    until = Math.min(until, Math.max(nowMs - OUTBOX_WINDOW_MS, stated.get(d) ?? -Infinity));
  }
  return until;
}
