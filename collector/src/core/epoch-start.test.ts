import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import { epochStartZeroMs } from './epoch-start.js';

const batch = (seq: number, over: Partial<ReadingBatch> = {}): ReadingBatch => ({
  bootId: 0x1234,
  seq,
  endUnixS: 1_780_000_020,
  intervalS: 60,
  readings: [{ socket: 0, powerWatts: 310, energyJoules: 18_600 }],
  ...over,
});

test("an epoch's first batch (seq 1) gets its zero 1 ms after its interval start", () => {
  assert.equal(epochStartZeroMs(batch(1)), 1_779_999_960_001);
  assert.equal(epochStartZeroMs(batch(1, { intervalS: 10 })), 1_780_000_010_001);
});

test('later batches, a redelivered later batch and a batch without readings get none', () => {
  assert.equal(epochStartZeroMs(batch(2)), undefined);
  assert.equal(epochStartZeroMs(batch(0)), undefined);
  assert.equal(epochStartZeroMs(batch(1, { readings: [] })), undefined);
});

test('an interval nobody sends (hours, or before 1970) does not push the zero far back', () => {
  assert.equal(epochStartZeroMs(batch(1, { intervalS: 4_000_000_000 })), (1_780_000_020 - 3600) * 1000 + 1);
  assert.equal(epochStartZeroMs(batch(1, { endUnixS: 30 })), undefined);
});
