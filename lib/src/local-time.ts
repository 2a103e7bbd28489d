/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl: the
 * parts of an instant, and the instant of a wall-clock time (DST gaps resolve
 * forward, repeated hours to the first).
 */
export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function localParts(ms: number, tz: string): LocalParts & { second: number } {
  const p: Record<string, string> = {};
  for (const x of formatter(tz).formatToParts(new Date(ms))) p[x.type] = x.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS[p.weekday ?? 'Mon'] ?? 1,
  };
}

/** Offset of the zone from UTC at an instant, in ms. */
export function offsetMs(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the wall clock in `tz` shows the given time (fields may overflow: day 32 is fine). */
export function zonedToInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  tz: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let t = wall - offsetMs(wall, tz);
  const o2 = offsetMs(t, tz);
  if (wall - o2 !== t) {
    const t2 = wall - o2;
    // In a DST gap neither candidate shows the wall time; take the later instant.
    t = offsetMs(t2, tz) === o2 ? t2 : Math.max(t, t2);
  }
  return t;
}

export function localDate(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** RFC 3339 with the zone's offset, e.g. 2026-03-29T00:00:00+01:00. */
export function rfc3339InZone(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  const off = Math.round(offsetMs(ms, tz) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export type Bucket = 'hour' | 'day' | 'week' | 'month';

/** Start of the bucket that holds `ms`, in the household's zone; weeks start on Monday. */
export function bucketStart(ms: number, bucket: Bucket, tz: string): number {
  const p = localParts(ms, tz);
  switch (bucket) {
    case 'hour': {
      // Hours follow the zone's offset (India: :30), so truncate on the wall clock.
      const t = zonedToInstant(p.year, p.month, p.day, p.hour, 0, tz);
      return t <= ms ? t : ms - ((ms - t) % 3_600_000);
    }
    case 'day':
      return zonedToInstant(p.year, p.month, p.day, 0, 0, tz);
    case 'week':
      return zonedToInstant(p.year, p.month, p.day - (p.weekday - 1), 0, 0, tz);
    case 'month':
      return zonedToInstant(p.year, p.month, 1, 0, 0, tz);
  }
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, bucket: Bucket, tz: string): number {
  if (bucket === 'hour') return start + 3_600_000;
  const p = localParts(start, tz);
  if (bucket === 'day') return zonedToInstant(p.year, p.month, p.day + 1, 0, 0, tz);
  if (bucket === 'week') return zonedToInstant(p.year, p.month, p.day + 7, 0, 0, tz);
  return zonedToInstant(p.year, p.month + 1, 1, 0, 0, tz);
}

/** Bucket [start, end) intervals covering [from, to). */
export function buckets(
  from: number,
  to: number,
  bucket: Bucket,
  tz: string,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let s = bucketStart(from, bucket, tz); s < to && out.length < 10_000;) {
    const e = nextBucket(s, bucket, tz);
    out.push({ start: s, end: e });
    s = e;
  }
  return out;
}
