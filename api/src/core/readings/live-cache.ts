import { ByteLru, NO_OBSERVER, type CacheObserver } from './byte-lru.js';
import type { LatestPower } from './series-reader.js';

/** A device sends one batch per device-minute, stamped with the minute's end. */
export const DEVICE_MINUTE_MS = 60_000;
/**
 * Just after a device-minute was due and before it is stored (the pipeline's
 * lag), the live view is read again this often, for this long: a minute
 * written in that time shows within RECHECK_MS of being written.
 */
export const RECHECK_MS = 2_000;
export const RECHECK_WINDOW_MS = 10_000;
/** A household with nothing live is read again this often (a new device shows within it). */
export const IDLE_RECHECK_MS = 5_000;

/**
 * Until when a household's latest readings stand: the next instant one of
 * its devices has a minute due, on that device's own phase (its last stamp
 * plus whole minutes). Just after a due instant that brought nothing yet,
 * a short recheck. Never more than a device-minute: a socket silent for the
 * live window drops out of the view within a minute of it.
 */
export function liveValidUntil(latest: readonly LatestPower[], nowMs: number): number {
  const lastByDevice = new Map<string, number>();
  for (const s of latest) {
    if (s.atMs === undefined) return nowMs + RECHECK_MS;
    lastByDevice.set(s.device, Math.max(s.atMs, lastByDevice.get(s.device) ?? -Infinity));
  }
  if (lastByDevice.size === 0) return nowMs + IDLE_RECHECK_MS;
  let until = nowMs + DEVICE_MINUTE_MS;
  for (const last of lastByDevice.values()) {
    // The latest due instant at or before now (the stamp itself when it is in the future).
    const k = Math.max(0, Math.floor((nowMs - last) / DEVICE_MINUTE_MS));
    const due = last + k * DEVICE_MINUTE_MS;
    if (k >= 1 && nowMs - due < RECHECK_WINDOW_MS) return nowMs + RECHECK_MS;
    until = Math.min(until, due + DEVICE_MINUTE_MS);
  }
  return Math.max(until, nowMs + 1);
}

/**
 * Each household's latest readings, kept until its next device-minute is
 * due. One entry per household: the household is part of every read and of
 * every key, so no answer ever serves another household.
 */
export class LiveCache {
  private readonly lru: ByteLru<{ readonly latest: readonly LatestPower[]; readonly untilMs: number }>;

  constructor(maxBytes = 64 * 2 ** 20, observer: CacheObserver = NO_OBSERVER) {
    this.lru = new ByteLru(maxBytes, observer);
  }

  /** The household's latest readings and until when they stand, read through `load` when stale. */
  async latest(
    household: string,
    nowMs: number,
    load: () => Promise<LatestPower[]>,
  ): Promise<{ latest: readonly LatestPower[]; untilMs: number }> {
    const hit = this.lru.get(household);
    if (hit && nowMs < hit.untilMs) return hit;
    const latest = await load();
    const entry = { latest, untilMs: liveValidUntil(latest, nowMs) };
    this.lru.set(household, entry, 128 + latest.length * 96);
    return entry;
  }
}
