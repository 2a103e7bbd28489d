import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import { checkBatch, CounterTracker, DEFAULT_LIMITS } from './validate.js';

const now = 1_780_000_000;
const ok: ReadingBatch = {
  bootId: 1,
  seq: 10,
  endUnixS: now - 60,
  intervalS: 60,
  readings: [
    { socket: 0, powerWatts: 100, energyJoules: 1000 },
    { socket: 1, powerWatts: 0, energyJoules: 0 },
  ],
};

const cases: [string, Partial<ReadingBatch>, string | undefined][] = [
  ['a normal batch', {}, undefined],
  ['power at exactly 100 kW', { readings: [{ socket: 0, powerWatts: 100_000, energyJoules: 1 }] }, undefined],
  [
    'power above 100 kW',
    { readings: [{ socket: 0, powerWatts: 100_000.1, energyJoules: 1 }] },
    'power_out_of_range',
  ],
  ['negative power', { readings: [{ socket: 0, powerWatts: -1, energyJoules: 1 }] }, 'power_out_of_range'],
  ['NaN power', { readings: [{ socket: 0, powerWatts: NaN, energyJoules: 1 }] }, 'power_out_of_range'],
  ['socket 256', { readings: [{ socket: 256, powerWatts: 1, energyJoules: 1 }] }, 'socket_out_of_range'],
  ['within the clock skew', { endUnixS: now + 100 }, undefined],
  ['in the future', { endUnixS: now + 121 }, 'timestamp_in_future'],
  ['29 days old (outbox replay)', { endUnixS: now - 29 * 86400 }, undefined],
  ['31 days old', { endUnixS: now - 31 * 86400 }, 'timestamp_too_old'],
  ['a year behind (a Pi before its clock synced)', { endUnixS: now - 365 * 86400 }, 'timestamp_too_old'],
  ['version 1 stated', { minCollectorVersion: 1 }, undefined],
  ['needs a newer collector', { minCollectorVersion: 2 }, 'unsupported_version'],
  [
    'needs a newer collector and is also out of range: the version speaks first',
    { minCollectorVersion: 2, endUnixS: now + 9999 },
    'unsupported_version',
  ],
  [
    '257 readings',
    {
      readings: Array.from({ length: 257 }, (_, i) => ({ socket: i % 256, powerWatts: 1, energyJoules: 1 })),
    },
    'batch_too_large',
  ],
];

for (const [name, change, reason] of cases) {
  test(`checkBatch: ${name}`, () => {
    assert.equal(checkBatch({ ...ok, ...change }, now, DEFAULT_LIMITS)?.reason, reason);
  });
}

test('counter: growing is fine, going backwards at a higher seq is refused', () => {
  const t = new CounterTracker();
  assert.equal(t.check('h.d', ok), undefined);
  const next = { ...ok, seq: 11, readings: [{ socket: 0, powerWatts: 1, energyJoules: 1500 }] };
  assert.equal(t.check('h.d', next), undefined);
  const back = { ...ok, seq: 12, readings: [{ socket: 0, powerWatts: 1, energyJoules: 1499 }] };
  assert.equal(t.check('h.d', back)?.reason, 'counter_backwards');
});

test('counter: a redelivery (same seq) and a late batch below the newer one are fine', () => {
  const t = new CounterTracker();
  const b11 = { ...ok, seq: 11, readings: [{ socket: 0, powerWatts: 1, energyJoules: 1500 }] };
  assert.equal(t.check('h.d', b11), undefined);
  assert.equal(t.check('h.d', b11), undefined);
  assert.equal(t.check('h.d', ok), undefined); // seq 10, 1000 J <= 1500 J
  const lateButHigher = { ...ok, seq: 9, readings: [{ socket: 0, powerWatts: 1, energyJoules: 2000 }] };
  assert.equal(t.check('h.d', lateButHigher)?.reason, 'counter_backwards');
});

test('counter: a new boot id starts from zero; devices are independent', () => {
  const t = new CounterTracker();
  assert.equal(t.check('h.d', ok), undefined);
  assert.equal(
    t.check('h.d', { ...ok, bootId: 2, seq: 0, readings: [{ socket: 0, powerWatts: 0, energyJoules: 0 }] }),
    undefined,
  );
  assert.equal(
    t.check('h.e', { ...ok, seq: 11, readings: [{ socket: 0, powerWatts: 0, energyJoules: 0 }] }),
    undefined,
  );
});

test('counter state is bounded', () => {
  const t = new CounterTracker(2);
  t.check('a', ok);
  t.check('b', ok);
  t.check('c', ok);
  // 'a' was forgotten: a lower counter is no longer detectable, and that is accepted.
  assert.equal(
    t.check('a', { ...ok, seq: 11, readings: [{ socket: 0, powerWatts: 0, energyJoules: 0 }] }),
    undefined,
  );
});
