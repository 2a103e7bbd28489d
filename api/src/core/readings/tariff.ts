import type { JSONSchemaType } from 'ajv';
import { wallClock } from './zone-clock.js';

/**
 * A household's electricity price: dated periods (a price change starts a new
 * period on a local date), each a flat price per kWh with optional
 * time-of-use windows that override it. Pure: no I/O. The one place a
 * price is looked up: energy buckets, standby costs and the Grafana board's
 * price all come through here.
 */
export interface TouWindow {
  /** Days of the week it applies to, 1 = Monday … 7 = Sunday; all days when absent. */
  readonly days?: number[];
  /** Local wall-clock "HH:MM"; a window whose end is not after its start runs past midnight. */
  readonly start: string;
  readonly end: string;
  readonly pricePerKwh: number;
}
export interface TariffPeriod {
  /** Local date "YYYY-MM-DD" from which the period applies. */
  readonly from: string;
  readonly pricePerKwh: number;
  readonly windows?: TouWindow[];
}
export interface Tariff {
  readonly periods: TariffPeriod[];
}

export const DEFAULT_TARIFF: Tariff = { periods: [{ from: '1970-01-01', pricePerKwh: 0.3 }] };

/** A household's stored tariff (validated when it was set), or the default price when none was set. */
export function tariffOf(h: { readonly tariff?: unknown } | undefined): Tariff {
  return (h?.tariff as Tariff | null | undefined) ?? DEFAULT_TARIFF;
}

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
export const tariffSchema: JSONSchemaType<Tariff> = {
  type: 'object',
  additionalProperties: false,
  required: ['periods'],
  properties: {
    periods: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'pricePerKwh'],
        properties: {
          from: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
          pricePerKwh: { type: 'number', minimum: 0, maximum: 1000 },
          windows: {
            type: 'array',
            nullable: true,
            maxItems: 24,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['start', 'end', 'pricePerKwh'],
              properties: {
                days: {
                  type: 'array',
                  nullable: true,
                  maxItems: 7,
                  items: { type: 'integer', minimum: 1, maximum: 7 },
                },
                start: { type: 'string', pattern: HHMM },
                end: { type: 'string', pattern: HHMM },
                pricePerKwh: { type: 'number', minimum: 0, maximum: 1000 },
              },
            },
          },
        },
      },
    },
  },
};

/** What is wrong with a tariff that the schema cannot say, or undefined. */
export function tariffProblem(t: Tariff): string | undefined {
  const dates = t.periods.map((p) => p.from);
  if (new Set(dates).size !== dates.length) return 'Two tariff periods start on the same date';
  for (const d of dates) if (Number.isNaN(Date.parse(`${d}T00:00:00Z`))) return `"${d}" is not a date`;
  return undefined;
}

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function inWindow(w: TouWindow, weekday: number, minuteOfDay: number): boolean {
  const s = minutes(w.start);
  const e = minutes(w.end);
  if (e > s) return (!w.days || w.days.includes(weekday)) && minuteOfDay >= s && minuteOfDay < e;
  // Past midnight: the part after midnight belongs to the window that began the day before.
  if (minuteOfDay >= s) return !w.days || w.days.includes(weekday);
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  return minuteOfDay < e && (!w.days || w.days.includes(yesterday));
}

/** Price per kWh at an instant, in the household's zone. */
export function priceAt(t: Tariff, ms: number, tz: string): number {
  return priceIn(sortedPeriods(t), ms, tz);
}

const sortedPeriods = (t: Tariff): TariffPeriod[] =>
  [...t.periods].sort((a, b) => a.from.localeCompare(b.from));

function priceIn(periods: readonly TariffPeriod[], ms: number, tz: string): number {
  const lp = wallClock(ms, tz);
  const date = `${lp.year}-${String(lp.month).padStart(2, '0')}-${String(lp.day).padStart(2, '0')}`;
  let period = periods[0];
  for (const p of periods) if (p.from <= date) period = p;
  if (!period) return 0;
  const m = lp.hour * 60 + lp.minute;
  for (const w of period.windows ?? []) if (inWindow(w, lp.weekday, m)) return w.pricePerKwh;
  return period.pricePerKwh;
}

/** The household's price per kWh at an instant. */
export function householdPriceAt(
  h: { readonly tariff: unknown; readonly timeZone: string },
  ms: number,
): number {
  return priceAt(tariffOf(h), ms, h.timeZone);
}

/**
 * priceAt for many instants of one tariff and zone, each instant looked up
 * once: every socket of a quarter hour shares its price, and Intl is slow.
 */
export function pricer(t: Tariff, tz: string): (ms: number) => number {
  const periods = sortedPeriods(t);
  // One flat price forever (the default, and most tariffs): no clock needed.
  const only = periods.length === 1 ? periods[0] : undefined;
  if (only && (only.windows ?? []).length === 0) return () => only.pricePerKwh;
  const prices = new Map<number, number>();
  return (ms) => {
    let p = prices.get(ms);
    if (p === undefined) {
      p = priceIn(periods, ms, tz);
      prices.set(ms, p);
    }
    return p;
  };
}

/** Money rounded to 1/10000 of the unit, enough for any currency's minor unit. */
export function roundMoney(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
