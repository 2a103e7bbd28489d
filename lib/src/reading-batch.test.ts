import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeReadingBatch,
  encodeReadingBatch,
  ReadingBatchDecodeError,
  withCompleteUntil,
  withPublishState,
  type ReadingBatch,
} from './reading-batch.js';

const fixtureDir = new URL('../test/fixtures/', import.meta.url);

/** A 30-socket household minute with typical loads: most sockets idle or in standby. */
export function typicalBatch(): ReadingBatch {
  const watts = [
    0, 0.4, 1.2, 85.3, 0, 5.1, 12.7, 0, 0, 2.3, 2000.4, 0, 0.8, 45, 0, 7.5, 0, 0, 110.2, 3.3, 0, 0, 9.9, 0,
    0.5, 0, 60.1, 0, 1.1, 0,
  ];
  return {
    bootId: 0xdeadbeef,
    seq: 1441,
    endUnixS: 1_795_000_020,
    intervalS: 60,
    readings: watts.map((w, socket) => ({ socket, powerWatts: w, energyJoules: Math.floor(w * 86_400) })),
  };
}

test('a batch survives the round trip exactly', () => {
  const batch = typicalBatch();
  assert.deepEqual(decodeReadingBatch(encodeReadingBatch(batch)), batch);
});

test('the golden fixture decodes to the same batch, and encoding reproduces its bytes', () => {
  const golden = new Uint8Array(readFileSync(new URL('typical-30-sockets.bin', fixtureDir)));
  assert.deepEqual(decodeReadingBatch(golden), typicalBatch());
  assert.deepEqual(encodeReadingBatch(typicalBatch()), golden);
});

test('a typical 30-socket day-old batch stays within 3 bytes per reading', () => {
  const bytes = encodeReadingBatch(typicalBatch());
  const readings = 60;
  assert.ok(bytes.length / readings <= 3, `${bytes.length} bytes for ${readings} readings`);
});

test('a socket with no reading is carried as missing, not as zero', () => {
  const batch: ReadingBatch = {
    bootId: 7,
    seq: 2,
    endUnixS: 1_795_000_080,
    intervalS: 60,
    readings: [
      { socket: 3, powerWatts: 10, energyJoules: 600 },
      { socket: 6, powerWatts: 0, energyJoules: 0 },
    ],
  };
  const back = decodeReadingBatch(encodeReadingBatch(batch));
  assert.deepEqual(
    back.readings.map((r) => r.socket),
    [3, 6],
  );
});

test('garbage and inconsistent batches are decode errors, not crashes', () => {
  assert.throws(() => decodeReadingBatch(new Uint8Array([0xff, 0xff, 0xff])), ReadingBatchDecodeError);
  // field 5 (power_dw) packed with two values, field 6 (energy_j) with one
  const uneven = new Uint8Array([0x2a, 0x02, 0x01, 0x02, 0x32, 0x01, 0x05]);
  assert.throws(() => decodeReadingBatch(uneven), /power_dw has 2 entries but energy_j has 1/);
});

test('the completeness watermark: absent unless stated, stated by encoding or by appending to stored bytes', () => {
  const stored = encodeReadingBatch(typicalBatch());
  assert.equal(decodeReadingBatch(stored).completeUntilS, undefined, 'an old batch states nothing');
  const encoded = encodeReadingBatch({ ...typicalBatch(), completeUntilS: 1_795_000_019 });
  assert.equal(decodeReadingBatch(encoded).completeUntilS, 1_795_000_019);
  // An outbox states it at publish time on bytes written long ago; a second statement wins.
  const appended = withCompleteUntil(stored, 1_795_000_020);
  assert.deepEqual(decodeReadingBatch(appended), { ...typicalBatch(), completeUntilS: 1_795_000_020 });
  assert.equal(decodeReadingBatch(withCompleteUntil(encoded, 1_795_000_080)).completeUntilS, 1_795_000_080);
  assert.equal(appended.length - stored.length, 6, 'six bytes a message: 0.1 byte per reading');
  assert.ok(appended.length / 60 <= 3, `${appended.length} bytes for 60 readings`);
  assert.throws(() => withCompleteUntil(stored, 0), RangeError);
  assert.throws(() => withCompleteUntil(stored, 2 ** 32), RangeError);
});

test('the publish state: backlog and retries stated in one append, 0 meaning not stated, within 3 bytes per reading', () => {
  const stored = encodeReadingBatch(typicalBatch());
  const state = { completeUntilS: 1_795_000_020, outboxBacklog: 1440, publishRetries: 3 };
  const appended = withPublishState(stored, state);
  assert.deepEqual(decodeReadingBatch(appended), { ...typicalBatch(), ...state });
  assert.equal(appended.length - stored.length, 6 + 3 + 2, 'watermark 6, a day of backlog 3, retries 2');
  assert.ok(appended.length / 60 <= 3, `${appended.length} bytes for 60 readings`);
  // Stated again at a later publish: the last statement wins.
  const later = decodeReadingBatch(
    withPublishState(appended, { completeUntilS: 1_795_000_080, outboxBacklog: 2, publishRetries: 1 }),
  );
  assert.deepEqual([later.completeUntilS, later.outboxBacklog, later.publishRetries], [1_795_000_080, 2, 1]);
  // Zeros are left out: appended to freshly stored bytes (as the outbox does) they decode as absent.
  assert.equal(
    withPublishState(stored, { completeUntilS: 0, outboxBacklog: 0, publishRetries: 0 }).length,
    stored.length,
  );
  const viaEncode = encodeReadingBatch({ ...typicalBatch(), outboxBacklog: 5, publishRetries: 1 });
  assert.equal(decodeReadingBatch(viaEncode).outboxBacklog, 5);
  assert.equal(decodeReadingBatch(viaEncode).publishRetries, 1);
  assert.equal(decodeReadingBatch(stored).outboxBacklog, undefined, 'an old batch states nothing');
  assert.throws(() => withPublishState(stored, { ...state, outboxBacklog: -1 }), RangeError);
});
