import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceAt, tariffProblem, type Tariff } from './tariff.js';

const tou: Tariff = {
  periods: [
    { from: '2026-01-01', pricePerKwh: 0.3, windows: [{ start: '22:00', end: '06:00', pricePerKwh: 0.1 }] },
    {
      from: '2026-07-01',
      pricePerKwh: 0.4,
      windows: [{ days: [6, 7], start: '00:00', end: '00:00', pricePerKwh: 0.2 }],
    },
  ],
};

test('prices follow time-of-use windows, dated changes and the household zone', () => {
  const cases: [string, string, number][] = [
    ['2026-03-02T12:00:00Z', 'UTC', 0.3],
    ['2026-03-02T23:00:00Z', 'UTC', 0.1],
    ['2026-03-02T05:59:00Z', 'UTC', 0.1],
    ['2026-03-02T06:00:00Z', 'UTC', 0.3],
    // 21:30 UTC is 22:30 in Berlin (winter): the night window.
    ['2026-03-02T21:30:00Z', 'Europe/Berlin', 0.1],
    ['2026-03-02T21:30:00Z', 'UTC', 0.3],
    // From July the flat price changes and weekends are cheap all day.
    ['2026-07-01T12:00:00Z', 'UTC', 0.4],
    ['2026-07-04T12:00:00Z', 'UTC', 0.2],
    // Before the first period the first one applies.
    ['2025-06-01T12:00:00Z', 'UTC', 0.3],
  ];
  for (const [at, tz, want] of cases) assert.equal(priceAt(tou, Date.parse(at), tz), want, `${at} ${tz}`);
});

test('a window past midnight keeps its weekday', () => {
  const t: Tariff = {
    periods: [
      {
        from: '2026-01-01',
        pricePerKwh: 1,
        windows: [{ days: [5], start: '23:00', end: '02:00', pricePerKwh: 0 }],
      },
    ],
  };
  assert.equal(priceAt(t, Date.parse('2026-03-06T23:30:00Z'), 'UTC'), 0); // Friday night
  assert.equal(priceAt(t, Date.parse('2026-03-07T01:00:00Z'), 'UTC'), 0); // Saturday early, Friday's window
  assert.equal(priceAt(t, Date.parse('2026-03-08T01:00:00Z'), 'UTC'), 1); // Sunday early
});

test('duplicate period dates are refused', () => {
  assert.match(
    tariffProblem({
      periods: [
        { from: '2026-01-01', pricePerKwh: 1 },
        { from: '2026-01-01', pricePerKwh: 2 },
      ],
    }) ?? '',
    /same date/,
  );
  assert.equal(tariffProblem(tou), undefined);
});
