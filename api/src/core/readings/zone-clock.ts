import { offsetMs, type LocalParts } from '@energy/lib/local-time';

/**
 * A zone's wall clock from a cached offset: Intl (what lib/local-time asks)
 * costs about 7 µs a call, and a month of quarter-hour prices or a chart's
 * timestamps asked it thousands of times per answer. The offset is asked
 * once per zone and UTC hour, shared by every household in that zone; an
 * hour whose two ends differ holds a transition and is asked per instant.
 */
const HOUR_MS = 3_600_000;
const MAX_HOURS = 500_000;
const offsets = new Map<string, Map<number, number>>();
let held = 0;

export function zoneOffsetMs(ms: number, tz: string): number {
  const hour = Math.floor(ms / HOUR_MS);
  let byHour = offsets.get(tz);
  if (!byHour) offsets.set(tz, (byHour = new Map<number, number>()));
  let off = byHour.get(hour);
  if (off === undefined) {
    const start = offsetMs(hour * HOUR_MS, tz);
    // offsetMs reads whole seconds: the hour's last whole second.
    if (offsetMs(hour * HOUR_MS + HOUR_MS - 1000, tz) !== start) return offsetMs(ms, tz);
    off = start;
    if (++held > MAX_HOURS) {
      offsets.clear();
      held = 0;
      offsets.set(tz, byHour);
    }
    byHour.set(hour, off);
  }
  return off;
}

/** The wall-clock parts of an instant in the zone. */
export function wallClock(ms: number, tz: string): LocalParts & { second: number } {
  const d = new Date(ms + zoneOffsetMs(ms, tz));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay() === 0 ? 7 : d.getUTCDay(),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The local date "YYYY-MM-DD". */
export function wallDate(ms: number, tz: string): string {
  const p = wallClock(ms, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** RFC 3339 with the zone's offset, as lib's rfc3339InZone writes it. */
export function rfc3339(ms: number, tz: string): string {
  const off = Math.round(zoneOffsetMs(ms, tz) / 60_000);
  const p = wallClock(ms, tz);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
