import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceWatermarks, HeldWatermarks, type DeviceWatermark } from './completeness.js';

const mark = (device: string, completeUntilS: number): DeviceWatermark => ({
  household: 'h1',
  device,
  completeUntilS,
});

test('a held watermark is released only once every delivery up to it is finished', () => {
  const held = new HeldWatermarks();
  // Deliveries finish out of order: 7 is stored before 3..6.
  held.hold(7, mark('a', 700));
  held.hold(3, mark('b', 300));
  assert.deepEqual(held.release(2), []);
  assert.deepEqual(held.release(5), [mark('b', 300)]);
  assert.equal(held.size, 1);
  assert.deepEqual(held.release(7), [mark('a', 700)]);
  assert.equal(held.size, 0);
});

test("a device's watermark never goes backwards and waits coalesced to its highest", () => {
  const w = new DeviceWatermarks();
  assert.equal(w.offer([mark('a', 100), mark('a', 160), mark('b', 50)]), 1, 'a@100 superseded by a@160');
  assert.deepEqual(
    w.take().sort((x, y) => x.device.localeCompare(y.device)),
    [mark('a', 160), mark('b', 50)],
  );
  assert.deepEqual(w.take(), []);
  // A replayed batch states less than a live one did: not written, counted.
  assert.equal(w.offer([mark('a', 120), mark('a', 160)]), 2);
  assert.deepEqual(w.take(), []);
  assert.equal(w.offer([mark('a', 220)]), 0);
  assert.deepEqual(w.take(), [mark('a', 220)]);
});

test('devices of different households do not share a watermark', () => {
  const w = new DeviceWatermarks();
  w.offer([{ household: 'h1', device: 'pi', completeUntilS: 500 }]);
  assert.equal(w.offer([{ household: 'h2', device: 'pi', completeUntilS: 400 }]), 0);
});
