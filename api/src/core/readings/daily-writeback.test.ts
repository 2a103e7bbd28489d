import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dailySampleLines, daysToWrite } from './daily-writeback.js';

const H = 3_600_000;
// 2026-10-25 in Berlin: 25 hours, from 2026-10-24T22:00Z to 2026-10-25T23:00Z.
const OCT25 = Date.parse('2026-10-24T22:00:00Z');
const OCT26 = Date.parse('2026-10-25T23:00:00Z');

test('the days after the last written, up to the last that ends when everything is stored, at most maxDays', () => {
  const base = { timeZone: 'Europe/Berlin', nowMs: OCT26 + 30 * H, lookbackMs: 31 * 24 * H, maxDays: 7 };
  // Final up to 01:00 on the 26th: the 25-hour 25th is closed, the 26th is not.
  const days = daysToWrite({ ...base, lastWrittenStartMs: OCT25 - 24 * H, finalUntilMs: OCT26 + H });
  assert.deepEqual(days, [{ start: OCT25, end: OCT26 }]);
  assert.deepEqual(daysToWrite({ ...base, lastWrittenStartMs: OCT25, finalUntilMs: OCT26 + H }), []);
  // Nothing written yet: from the lookback on, bounded.
  assert.equal(daysToWrite({ ...base, lastWrittenStartMs: undefined, finalUntilMs: OCT26 }).length, 7);
});

test('a day is written per socket at its local midnight, with its mark even when empty', () => {
  const hh = { id: 'h1', timeZone: 'Europe/Berlin', currency: 'EUR', tariff: null };
  const lines = dailySampleLines(
    hh,
    [
      {
        start: OCT25,
        end: OCT26,
        kwh: 1.5,
        cost: 0.45,
        untracked: null,
        sockets: [{ device: 'pi', socket: 2, kwh: 1.5, cost: 0.45 }],
      },
      { start: OCT26, end: OCT26 + 24 * H, kwh: 0, cost: 0, untracked: null, sockets: [] },
    ],
    'p1',
  );
  assert.deepEqual(lines, [
    `energy_household_daily_kwh{household="h1",device="pi",socket="2"} 1.5 ${OCT25}`,
    `energy_household_daily_cost{household="h1",device="pi",socket="2",currency="EUR"} 0.45 ${OCT25}`,
    `energy_household_daily_written_sockets{household="h1",pricing="p1"} 1 ${OCT25}`,
    `energy_household_daily_written_sockets{household="h1",pricing="p1"} 0 ${OCT26}`,
  ]);
});
