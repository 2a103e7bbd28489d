import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckChain } from './ack-chain.js';

test('acks only the contiguous finished prefix, in delivery order', () => {
  const c = new AckChain();
  for (let t = 1; t <= 5; t++) c.deliver(t);
  assert.equal(c.outstanding, 5);
  assert.equal(c.complete(3), undefined);
  assert.equal(c.complete(2), undefined);
  assert.equal(c.complete(1), 3);
  assert.equal(c.complete(5), undefined);
  assert.equal(c.complete(4), 5);
  assert.equal(c.outstanding, 0);
  assert.equal(c.complete(4), undefined); // twice: ignored
});

test('the acked tags never go down, over many deliveries (compaction)', () => {
  const c = new AckChain();
  let last = 0;
  const n = 20_000;
  for (let t = 1; t <= n; t++) c.deliver(t);
  // finish in a shuffled but deterministic order
  for (let k = 0; k < n; k++) {
    const t = ((k * 7919) % n) + 1;
    const a = c.complete(t);
    if (a !== undefined) {
      assert.ok(a > last);
      last = a;
    }
  }
  assert.equal(last, n);
  assert.equal(c.outstanding, 0);
});

test('refuses a gap in delivery tags', () => {
  const c = new AckChain();
  c.deliver(1);
  assert.throws(() => c.deliver(3));
});
