import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SOCKET_NAMES } from './appliances.js';
import { HouseholdSimulator, utcOffsetMinutes } from './household-simulator.js';
import { SimulatedMeter } from './simulated-meter.js';

const DAY0 = Date.UTC(2026, 0, 12) / 1000; // a Monday in winter

test('30 distinct socket names', () => {
  assert.equal(SOCKET_NAMES.length, 30);
  assert.equal(new Set(SOCKET_NAMES).size, 30);
});

test('deterministic: same inputs, same power; another seed or household differs', () => {
  const a = new HouseholdSimulator({ seed: 1, householdId: 'h1' });
  const b = new HouseholdSimulator({ seed: 1, householdId: 'h1' });
  const c = new HouseholdSimulator({ seed: 2, householdId: 'h1' });
  const d = new HouseholdSimulator({ seed: 1, householdId: 'h2' });
  const m0 = DAY0 / 60;
  let diffC = 0;
  let diffD = 0;
  for (let s = 0; s < 30; s++) {
    for (let m = m0; m < m0 + 1440; m += 7) {
      assert.equal(a.minuteDeciwatts(s, m), b.minuteDeciwatts(s, m));
      if (a.minuteDeciwatts(s, m) !== c.minuteDeciwatts(s, m)) diffC++;
      if (a.minuteDeciwatts(s, m) !== d.minuteDeciwatts(s, m)) diffD++;
    }
  }
  assert.ok(diffC > 100 && diffD > 100);
});

test('energy is exact: whole minutes are whole joules and intervals add up', () => {
  const sim = new HouseholdSimulator({ seed: 7, householdId: 'hh', timeZone: 'Europe/Berlin' });
  for (let s = 0; s < 30; s++) {
    const day = sim.energyJoules(s, DAY0, DAY0 + 86_400);
    assert.ok(Number.isInteger(day), `socket ${s} day energy ${day}`);
    const split = DAY0 + 12_345.5;
    const parts = sim.energyJoules(s, DAY0, split) + sim.energyJoules(s, split, DAY0 + 86_400);
    assert.ok(Math.abs(parts - day) < 1e-6);
    let sum = 0;
    for (let m = DAY0 / 60; m < DAY0 / 60 + 1440; m++) sum += sim.minuteDeciwatts(s, m) * 6;
    assert.equal(sum, day);
  }
});

test('profiles look like appliances', () => {
  const sim = new HouseholdSimulator({ seed: 3, householdId: 'house' });
  const watts = (s: number): number[] =>
    Array.from({ length: 7 * 1440 }, (_, i) => sim.minuteDeciwatts(s, DAY0 / 60 + i) / 10);
  const fridge = watts(SOCKET_NAMES.indexOf('Fridge'));
  const on = fridge.filter((w) => w > 50).length / fridge.length;
  assert.ok(on > 0.2 && on < 0.55, `fridge duty ${on}`);
  const kettle = watts(SOCKET_NAMES.indexOf('Kettle'));
  assert.ok(Math.max(...kettle) >= 2000);
  assert.ok(kettle.filter((w) => w > 0).length < 7 * 40);
  const router = watts(SOCKET_NAMES.indexOf('Router'));
  assert.ok(router.every((w) => w > 5 && w < 13));
  const tv = watts(SOCKET_NAMES.indexOf('TV'));
  assert.ok(tv.some((w) => w === 0.5) && tv.some((w) => w > 60));
  const heater = watts(SOCKET_NAMES.indexOf('Heater'));
  assert.ok(Math.max(...heater) >= 1500, 'heater runs in January');
  const washer = watts(SOCKET_NAMES.indexOf('Washing machine'));
  assert.ok(washer.some((w) => w === 2100));
});

test('simulated meter counters are the exact integral since its epoch start', async () => {
  let now = DAY0 + 3600 + 17;
  const meter = new SimulatedMeter({
    seed: 9,
    householdId: 'hh',
    sockets: 30,
    epochStartS: DAY0 + 10.5,
    now: () => now,
  });
  for (const step of [0, 5, 60, 3600, 1.25]) {
    now += step;
    const r = await meter.read();
    assert.ok(r.ok);
    for (const s of r.samples) {
      const exact = meter.sim.energyJoules(s.socket, DAY0 + 10.5, now);
      assert.ok(Math.abs(s.energyJoules - exact) < 1e-6, `socket ${s.socket}`);
    }
  }
});

test('time of day follows the household clock, daylight saving included', () => {
  // Same household in three zones: Berlin is UTC+1 in January and UTC+2 in July.
  const sim = (timeZone: string) => new HouseholdSimulator({ seed: 7, householdId: 'hh', timeZone });
  const berlin = sim('Europe/Berlin');
  const plus1 = sim('Etc/GMT-1');
  const plus2 = sim('Etc/GMT-2');
  const day = (y: number, m: number, d: number) => Date.UTC(y, m, d) / 60_000;
  const days = [
    { start: day(2026, 0, 12), same: plus1, other: plus2 },
    { start: day(2026, 6, 13), same: plus2, other: plus1 },
  ];
  for (const { start, same, other } of days) {
    let differs = 0;
    for (let s = 0; s < 30; s++) {
      for (let m = start; m < start + 1440; m++) {
        assert.equal(berlin.minuteDeciwatts(s, m), same.minuteDeciwatts(s, m));
        if (berlin.minuteDeciwatts(s, m) !== other.minuteDeciwatts(s, m)) differs++;
      }
    }
    assert.ok(differs > 100, `an hour's shift changes the day (${differs} minutes differ)`);
  }
});

test('UTC offsets change at the transition minute, half-hour zones and unknown zones included', () => {
  const at = (iso: string) => Date.parse(iso);
  assert.equal(utcOffsetMinutes('Europe/Berlin', at('2026-03-29T00:59:00Z')), 60);
  assert.equal(utcOffsetMinutes('Europe/Berlin', at('2026-03-29T01:00:00Z')), 120);
  assert.equal(utcOffsetMinutes('Europe/Berlin', at('2026-10-25T00:59:00Z')), 120);
  assert.equal(utcOffsetMinutes('Europe/Berlin', at('2026-10-25T01:00:00Z')), 60);
  assert.equal(utcOffsetMinutes('Asia/Kolkata', at('2026-07-01T12:00:00Z')), 330);
  assert.equal(utcOffsetMinutes('Australia/Lord_Howe', at('2026-01-15T12:00:00Z')), 660);
  assert.equal(utcOffsetMinutes('Australia/Lord_Howe', at('2026-07-15T12:00:00Z')), 630);
  assert.equal(utcOffsetMinutes('Not/AZone', at('2026-07-15T12:00:00Z')), 0);
});
