import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DevicesSeen } from './devices-seen.js';

const T = 1_795_000_000;

test('devices seen: a fleet-sized count within 0.5 %, each device once however often it sends', () => {
  const seen = new DevicesSeen();
  for (let i = 0; i < 200_000; i++) seen.mark(`hh${i}.pi`, T + (i % 50));
  for (let i = 0; i < 1000; i++) seen.mark(`hh${i}.pi`, T + 1);
  const n = seen.distinct(5, T + 50);
  assert.ok(Math.abs(n - 200_000) < 1000, `estimated ${n}`);
  assert.equal(new DevicesSeen().distinct(15, T), 0);
});

test('devices seen: the window slides by the minute; an old minute is not counted, a reused slot starts empty', () => {
  const seen = new DevicesSeen();
  seen.mark('a.pi', T - 20 * 60); // too old for either window
  seen.mark('b.pi', T - 10 * 60); // in the 15-minute window only
  seen.mark('c.pi', T - 2 * 60);
  seen.mark('c.pi', T);
  seen.mark('d.pi', T);
  assert.equal(seen.distinct(5, T), 2);
  assert.equal(seen.distinct(15, T), 3);
  // 16 minutes on, 'b' and 'c' slots are reused or out of the window.
  seen.mark('e.pi', T + 16 * 60);
  assert.equal(seen.distinct(15, T + 16 * 60), 1);
});
