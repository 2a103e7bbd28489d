import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Outbox } from './outbox.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'outbox-test-'));

test('outbox keeps batches across a reopen, oldest first, deletes on confirm', () => {
  const path = join(dir(), 'o.sqlite');
  const a = new Outbox({ path });
  const id1 = a.add('b-1', 60, new Uint8Array([1]), 100);
  a.add('b-2', 120, new Uint8Array([2]), 130);
  a.close();
  const b = new Outbox({ path });
  assert.equal(b.depth, 2);
  assert.equal(b.oldestEndS(), 60);
  assert.deepEqual(
    b.after(0, 10).map((e) => [e.messageId, [...e.body]]),
    [
      ['b-1', [1]],
      ['b-2', [2]],
    ],
  );
  b.delete(id1);
  assert.equal(b.depth, 1);
  assert.deepEqual(
    b.after(0, 10).map((e) => e.messageId),
    ['b-2'],
  );
  b.close();
});

test('outbox is bounded: the oldest batches are dropped and counted', () => {
  const drops: [string, number][] = [];
  const o = new Outbox({
    path: join(dir(), 'o.sqlite'),
    maxBatches: 3,
    maxAgeS: 1000,
    onDrop: (r, n) => drops.push([r, n]),
  });
  for (let i = 1; i <= 5; i++) o.add(`b-${i}`, i * 60, new Uint8Array([i]), i * 60);
  assert.equal(o.depth, 3);
  assert.deepEqual(
    o.after(0, 10).map((e) => e.messageId),
    ['b-3', 'b-4', 'b-5'],
  );
  assert.deepEqual(drops, [
    ['full', 1],
    ['full', 1],
  ]);
  o.add('b-late', 2000, new Uint8Array([9]), 2000);
  assert.deepEqual(
    o.after(0, 10).map((e) => e.messageId),
    ['b-late'],
  );
  assert.deepEqual(drops.at(-1), ['expired', 3]);
  o.close();
});
