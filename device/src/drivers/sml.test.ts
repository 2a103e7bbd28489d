import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { crcX25, extractFrames, frameBody, obisValues, parseMessages } from './sml.js';
import { SmlMeter } from './sml-meter.js';

// A small TL encoder, enough to build frames shaped like a meter's GetListResponse.
const oct = (b: number[]): number[] => [b.length + 1, ...b];
const u = (v: number, n: number): number[] => [0x60 | (n + 1), ...be(v, n)];
const i8 = (v: number): number[] => [0x52, v & 0xff];
const list = (...items: number[][]): number[] => [0x70 | items.length, ...items.flat()];
const none = [0x01];
function be(v: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => Math.floor(v / 256 ** (n - 1 - k)) % 256);
}
const entry = (obis: number[], unit: number, scaler: number, value: number[]): number[] =>
  list(oct(obis), none, none, u(unit, 1), i8(scaler), value, none);

function frame(whTimes10: number, watts: number): Buffer {
  const getList = list(
    none,
    oct([1, 2, 3]),
    none,
    list(
      entry([1, 0, 1, 8, 0, 255], 30, -1, u(whTimes10, 8)),
      entry([1, 0, 16, 7, 0, 255], 27, 0, [0x55, ...be(watts, 4)]),
    ),
    none,
    none,
    none,
  );
  const message = [...list(oct([9]), u(0, 1), u(0, 1), list(u(0x701, 2), getList), u(0x1234, 2)), 0x00];
  const pad = (4 - (message.length % 4)) % 4;
  const head = [
    0x1b,
    0x1b,
    0x1b,
    0x1b,
    1,
    1,
    1,
    1,
    ...message,
    ...new Array<number>(pad).fill(0),
    0x1b,
    0x1b,
    0x1b,
    0x1b,
    0x1a,
    pad,
  ];
  const crc = crcX25(Uint8Array.from(head));
  return Buffer.from([...head, crc >> 8, crc & 0xff]);
}

test('SML: frames found in a byte stream, 1.8.0 and 16.7.0 decoded with their scalers', () => {
  const f = frame(123_456_7, 456);
  const stream = Buffer.concat([Buffer.from([9, 9, 9]), f, f.subarray(0, 10)]);
  const { frames, rest } = extractFrames(stream);
  assert.equal(frames.length, 1);
  assert.equal(rest.length, 10);
  const values = obisValues(parseMessages(frameBody(frames[0] ?? Buffer.alloc(0))));
  assert.deepEqual(values, [
    { obis: '1-0:1.8.0*255', value: 123_456.7, unit: 30 },
    { obis: '1-0:16.7.0*255', value: 456, unit: 27 },
  ]);
});

test('SML meter: latest values as a reading; a corrupted frame is skipped and counted; stale is not-ready', async () => {
  let now = 0;
  const input = new PassThrough();
  const meter = new SmlMeter({ input, socket: 30, now: () => now });
  assert.equal((await meter.read()).ok, false);
  meter.feed(frame(10_000, 300));
  const bad = frame(99_999, 1);
  bad[20] = (bad[20] ?? 0) ^ 0xff;
  meter.feed(bad);
  assert.equal(meter.badFrames, 1);
  const r = await meter.read();
  assert.ok(r.ok);
  assert.deepEqual(r.samples, [{ socket: 30, watts: 300, energyJoules: 1000 * 3600 }]);
  now = 60_000;
  const stale = await meter.read();
  assert.ok(!stale.ok && stale.error.reason === 'not-ready');
});
