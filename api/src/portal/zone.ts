// Shared by the browser bundle and its unit test: no DOM here, only Intl.
// Calendar arithmetic in the household's time zone, not the browser's: a
// "day" on the portal is a day where the meters are.

export type Period = 'day' | 'week' | 'month' | 'year';
export const PERIODS: readonly Period[] = ['day', 'week', 'month', 'year'];

/** A local calendar date, "YYYY-MM-DD". */
export type LocalDate = string;

const partsCache = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, timeZone: string): Record<string, number> {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsCache.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

export function localDate(ms: number, timeZone: string): LocalDate {
  const p = parts(ms, timeZone);
  return ymd(p.year ?? 1970, p.month ?? 1, p.day ?? 1);
}

function ymd(y: number, m: number, d: number): LocalDate {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
}

function split(d: LocalDate): [number, number, number] {
  const [y, m, day] = d.split('-').map(Number);
  return [y ?? 1970, m ?? 1, day ?? 1];
}

/** The instant a local date begins in the zone (its midnight, or the first minute after a gap). */
export function startOf(d: LocalDate, timeZone: string): number {
  return instantOf(`${d}T00:00`, timeZone);
}

/** The instant of a local wall-clock time "YYYY-MM-DDTHH:MM" in the zone. */
export function instantOf(wallTime: string, timeZone: string): number {
  const [d = '1970-01-01', hm = '00:00'] = wallTime.split('T');
  const [y, m, day] = split(d);
  const wall = Date.UTC(y, m - 1, day, Number(hm.slice(0, 2)), Number(hm.slice(3, 5)));
  let t = wall;
  // Two corrections reach the offset on both sides of a DST change.
  for (let i = 0; i < 2; i++) {
    const p = parts(t, timeZone);
    const shown = Date.UTC(
      p.year ?? 1970,
      (p.month ?? 1) - 1,
      p.day ?? 1,
      p.hour ?? 0,
      p.minute ?? 0,
      p.second ?? 0,
    );
    t += wall - shown;
  }
  return t;
}

/** An instant as the zone's wall-clock "YYYY-MM-DDTHH:MM" (the value of a datetime-local input). */
export function wallTimeOf(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  const two = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
  return `${localDate(ms, timeZone)}T${two(p.hour)}:${two(p.minute)}`;
}

export function addDays(d: LocalDate, n: number): LocalDate {
  const [y, m, day] = split(d);
  return ymd(y, m, day + n);
}

/** The period holding a date: [first local date, first date after it). */
export function periodOf(period: Period, d: LocalDate): { first: LocalDate; next: LocalDate } {
  const [y, m, day] = split(d);
  switch (period) {
    case 'day':
      return { first: d, next: addDays(d, 1) };
    case 'week': {
      // Weeks start on Monday (ISO 8601).
      const dow = (new Date(Date.UTC(y, m - 1, day)).getUTCDay() + 6) % 7;
      const first = addDays(d, -dow);
      return { first, next: addDays(first, 7) };
    }
    case 'month':
      return { first: ymd(y, m, 1), next: ymd(y, m + 1, 1) };
    case 'year':
      return { first: ymd(y, 1, 1), next: ymd(y + 1, 1, 1) };
  }
}

/** The same period shifted by n whole periods. */
export function shift(period: Period, d: LocalDate, n: number): LocalDate {
  const { first } = periodOf(period, d);
  const [y, m] = split(first);
  switch (period) {
    case 'day':
      return addDays(first, n);
    case 'week':
      return addDays(first, 7 * n);
    case 'month':
      return ymd(y, m + n, 1);
    case 'year':
      return ymd(y + n, 1, 1);
  }
}

/** The API bucket that splits a period into bars. */
export const BUCKET_OF: Record<Period, 'hour' | 'day' | 'month'> = {
  day: 'hour',
  week: 'day',
  month: 'day',
  year: 'month',
};

/** A bucket's label in the household's zone. */
export function bucketLabel(period: Period, iso: string, timeZone: string): string {
  const opts: Intl.DateTimeFormatOptions =
    period === 'day'
      ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : period === 'year'
        ? { month: 'short' }
        : period === 'week'
          ? { weekday: 'short', day: 'numeric' }
          : { day: 'numeric' };
  return new Intl.DateTimeFormat(undefined, { ...opts, timeZone }).format(new Date(iso));
}

export function periodTitle(period: Period, first: LocalDate, timeZone: string): string {
  const ms = startOf(first, timeZone);
  const opts: Intl.DateTimeFormatOptions =
    period === 'day'
      ? { dateStyle: 'full' }
      : period === 'week'
        ? { day: 'numeric', month: 'long', year: 'numeric' }
        : period === 'month'
          ? { month: 'long', year: 'numeric' }
          : { year: 'numeric' };
  const s = new Intl.DateTimeFormat(undefined, { ...opts, timeZone }).format(new Date(ms));
  return period === 'week' ? `Week of ${s}` : s;
}
