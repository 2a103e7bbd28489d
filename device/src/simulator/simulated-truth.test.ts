import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HouseholdSimulator } from './household-simulator.js';
import { SimulatedMeter } from './simulated-meter.js';
import { truthJoulesByLocalDay } from './simulated-truth.js';

const HOUR = 3_600_000;

test('truth of a whole local day is the sum of its minutes; the meter counts exactly the truth', () => {
  const sim = new HouseholdSimulator({ seed: 3, householdId: 'h-truth', timeZone: 'Europe/Berlin' });
  const [day] = truthJoulesByLocalDay(sim, 4, Date.UTC(2026, 0, 12, 0), Date.UTC(2026, 0, 12, 22));
  assert.ok(day);
  assert.equal(day.date, '2026-01-12');
  assert.equal(day.fromMs, Date.UTC(2026, 0, 12, 0), 'clipped to the range asked');
  const whole = sim.truthJoules(4, Date.UTC(2026, 0, 11, 23), Date.UTC(2026, 0, 12, 23));
  let minutes = 0;
  for (let t = Date.UTC(2026, 0, 11, 23); t < Date.UTC(2026, 0, 12, 23); t += 60_000) {
    minutes += sim.truthJoules(4, t, t + 60_000);
  }
  assert.equal(minutes, whole);
  assert.ok(Number.isInteger(whole) && whole > 0);
  const startS = Date.UTC(2026, 0, 12, 5) / 1000;
  const meter = new SimulatedMeter({
    seed: 3,
    householdId: 'h-truth',
    timeZone: 'Europe/Berlin',
    sockets: 5,
    epochStartS: startS,
  });
  const t = startS + 3 * 3600 + 17;
  assert.equal(meter.counterAt(4, t), sim.truthJoules(4, startS * 1000, t * 1000));
});

test('daylight saving in Europe/Berlin: the March day has 23 hours, the October day 25; days add up to the range', () => {
  const sim = new HouseholdSimulator({ seed: 9, householdId: 'h-dst', timeZone: 'Europe/Berlin' });
  for (const [from, date, hours] of [
    [Date.UTC(2026, 2, 27, 23), '2026-03-29', 23],
    [Date.UTC(2026, 9, 23, 22), '2026-10-25', 25],
  ] as const) {
    const to = from + (48 + hours) * HOUR; // three local midnights later
    const days = truthJoulesByLocalDay(sim, 1, from, to);
    assert.equal(days.length, 3);
    const dst = days[1];
    assert.ok(dst);
    assert.equal(dst.date, date);
    assert.equal((dst.toMs - dst.fromMs) / HOUR, hours);
    assert.equal(
      days.reduce((j, d) => j + d.joules, 0),
      sim.truthJoules(1, from, to),
      'no hour lost or counted twice',
    );
  }
});

test('a half-hour zone (Asia/Kolkata): local days start at 18:30 UTC', () => {
  const sim = new HouseholdSimulator({ seed: 2, householdId: 'h-in', timeZone: 'Asia/Kolkata' });
  const from = Date.UTC(2026, 5, 30, 18, 30);
  const days = truthJoulesByLocalDay(sim, 2, from, from + 2 * 24 * HOUR);
  assert.deepEqual(
    days.map((d) => [d.date, d.fromMs, d.toMs - d.fromMs]),
    [
      ['2026-07-01', from, 24 * HOUR],
      ['2026-07-02', from + 24 * HOUR, 24 * HOUR],
    ],
  );
  assert.equal(days[0]?.joules, sim.truthJoules(2, from, from + 24 * HOUR));
});
