import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnergyFolder } from './energy-folder.js';
import { MinuteAggregator } from './minute-aggregator.js';

test('energy folder: baseline at first read, chip reset folded in, never backwards', () => {
  const f = new EnergyFolder();
  const cases: [raw: number, folded: number][] = [
    [1000, 0],
    [1500, 500],
    [1500, 500],
    [40, 540], // the meter reset: 40 J since then
    [100, 600],
    [Number.NaN, 600], // garbage ignored
    [-5, 600],
  ];
  for (const [raw, folded] of cases) assert.equal(f.update(raw), folded, `raw ${raw}`);
  assert.equal(f.resets, 1);
});

test('aggregator: mean power of the interval, counter at its end, seq grows', () => {
  let ids = 100;
  const agg = new MinuteAggregator(60, () => ids++);
  agg.addSample({ socket: 1, watts: 10, energyJoules: 0 });
  agg.addSample({ socket: 1, watts: 20, energyJoules: 300 });
  agg.addSample({ socket: 0, watts: 5, energyJoules: 50 });
  agg.addBoundaryCounter({ socket: 1, watts: 999, energyJoules: 900 });
  const b1 = agg.close(120);
  assert.deepEqual(b1, {
    bootId: 100,
    seq: 1,
    endUnixS: 120,
    intervalS: 60,
    readings: [
      { socket: 0, powerWatts: 5, energyJoules: 0 },
      { socket: 1, powerWatts: 15, energyJoules: 900 },
    ],
  });
  assert.equal(agg.close(180), undefined, 'no readings, no batch');
  agg.addSample({ socket: 1, watts: 1, energyJoules: 960 });
  assert.equal(agg.close(240)?.seq, 2);
});

test('aggregator: a counter near the epoch limit starts a new boot at the previous interval end', () => {
  let ids = 1;
  const agg = new MinuteAggregator(60, () => ids++, 10_000);
  agg.addSample({ socket: 0, watts: 100, energyJoules: 0 });
  agg.addBoundaryCounter({ socket: 0, watts: 100, energyJoules: 9_000 });
  assert.equal(agg.close(60)?.readings[0]?.energyJoules, 9_000);
  agg.addBoundaryCounter({ socket: 0, watts: 100, energyJoules: 12_000 });
  const b = agg.close(120);
  assert.equal(b?.bootId, 2);
  assert.equal(b?.seq, 1);
  assert.equal(b?.readings[0]?.energyJoules, 3_000, 'the new epoch counts from the previous end');
  agg.addBoundaryCounter({ socket: 0, watts: 100, energyJoules: 12_500 });
  assert.equal(agg.close(180)?.readings[0]?.energyJoules, 3_500);
});

test('aggregator restored after a restart: same boot id, next seq, the energy counted meanwhile in the first batch', () => {
  let ids = 7;
  const a = new MinuteAggregator(60, () => ids++);
  a.addSample({ socket: 0, watts: 1, energyJoules: 1000 });
  a.addBoundaryCounter({ socket: 0, watts: 1, energyJoules: 1600.5 });
  assert.equal(a.close(120)?.readings[0]?.energyJoules, 600);
  const saved = a.snapshot();
  assert.deepEqual(saved, {
    bootId: 7,
    seq: 1,
    endUnixS: 120,
    sockets: [{ socket: 0, counter: 600.5, raw: 1600.5 }],
  });

  const b = new MinuteAggregator(60, () => ids++, undefined, saved);
  assert.ok(b.resuming);
  // The meter kept counting while the exporter was down: 2000 J more by the first reading.
  assert.equal(b.resume([{ socket: 0, watts: 1, energyJoules: 3600.5 }], 600), true);
  b.addSample({ socket: 0, watts: 1, energyJoules: 3600.5 });
  b.addBoundaryCounter({ socket: 0, watts: 1, energyJoules: 3700.5 });
  assert.deepEqual(b.close(660), {
    bootId: 7,
    seq: 2,
    endUnixS: 660,
    intervalS: 60,
    readings: [{ socket: 0, powerWatts: 1, energyJoules: 2700 }],
  });
});

test('aggregator restored but the chip lost power (count below the persisted one): new boot id, counters from zero', () => {
  let ids = 20;
  const saved = { bootId: 19, seq: 44, endUnixS: 120, sockets: [{ socket: 0, counter: 5000, raw: 9000 }] };
  const b = new MinuteAggregator(60, () => ids++, undefined, saved);
  assert.equal(b.resume([{ socket: 0, watts: 1, energyJoules: 30 }], 600), false);
  b.addSample({ socket: 0, watts: 1, energyJoules: 30 });
  b.addBoundaryCounter({ socket: 0, watts: 1, energyJoules: 90 });
  const batch = b.close(660);
  assert.equal(batch?.bootId, 20);
  assert.equal(batch?.seq, 1);
  assert.equal(batch?.readings[0]?.energyJoules, 60);
});

test('aggregator restored with a clock that went back: a new epoch (end times never repeat within one)', () => {
  let ids = 30;
  const saved = { bootId: 29, seq: 3, endUnixS: 6000, sockets: [{ socket: 0, counter: 5, raw: 5 }] };
  const b = new MinuteAggregator(60, () => ids++, undefined, saved);
  assert.equal(b.resume([{ socket: 0, watts: 1, energyJoules: 50 }], 5000), false);
  assert.equal(b.bootId, 30);
});

test('aggregator restored but a driver says its chip restarted: a new epoch even with a count above the persisted one', () => {
  let ids = 40;
  const saved = { bootId: 39, seq: 2, endUnixS: 120, sockets: [{ socket: 0, counter: 5, raw: 5 }] };
  const b = new MinuteAggregator(60, () => ids++, undefined, saved);
  assert.equal(b.resume([{ socket: 0, watts: 1, energyJoules: 900, countRestarted: true }], 600), false);
  assert.equal(b.bootId, 40);
});
