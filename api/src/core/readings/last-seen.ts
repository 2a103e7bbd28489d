import type { SeriesReader } from './series-reader.js';

/** How far back a device's last report is looked for: older means never seen (null). */
export const LAST_SEEN_WINDOW_MS = 86_400_000;

/**
 * When each device of the household last reported power, by device id.
 * A store failure rejects: the device list decides that lastSeen is a nicety.
 */
export async function devicesLastSeen(
  series: SeriesReader,
  household: string,
): Promise<ReadonlyMap<string, Date>> {
  const seen = new Map<string, Date>();
  for (const s of await series.devicesLastSeen(household, LAST_SEEN_WINDOW_MS)) {
    if (s.device && Number.isFinite(s.atMs)) seen.set(s.device, new Date(s.atMs));
  }
  return seen;
}
