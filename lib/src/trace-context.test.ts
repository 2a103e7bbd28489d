import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatTraceparent,
  newTraceparent,
  parseTraceparent,
  sampleTraceparent,
  TRACEPARENT_LENGTH,
} from './trace-context.js';

test('a new header is 55 bytes, sampled, and reads back as it was made', () => {
  const t = newTraceparent();
  const h = formatTraceparent(t);
  assert.equal(h.length, TRACEPARENT_LENGTH);
  assert.match(h, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.deepEqual(parseTraceparent(h), t);
  assert.deepEqual(parseTraceparent(Buffer.from(h)), t, 'AMQP may hand a header over as bytes');
  assert.notEqual(newTraceparent().traceId, t.traceId);
});

test('only the sampled share of messages gets a header', () => {
  assert.equal(
    sampleTraceparent(0, () => 0),
    undefined,
  );
  assert.equal(
    sampleTraceparent(0.01, () => 0.01),
    undefined,
  );
  assert.ok(parseTraceparent(sampleTraceparent(0.01, () => 0.009)));
  assert.ok(parseTraceparent(sampleTraceparent(1, () => 0.999)));
});

test('what is not a traceparent is not read as one', () => {
  const id = '4bf92f3577b34da6a3ce929d0e0e4736';
  const span = '00f067aa0ba902b7';
  for (const bad of [
    undefined,
    42,
    '',
    `00-${id}-${span}`,
    `00-${id.toUpperCase()}-${span}-01`,
    `ff-${id}-${span}-01`,
    `00-${'0'.repeat(32)}-${span}-01`,
    `00-${id}-${'0'.repeat(16)}-01`,
    `00-${id}-${span}-01-extra`,
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.deepEqual(parseTraceparent(`01-${id}-${span}-00-later-fields`), {
    traceId: id,
    spanId: span,
    traceFlags: 0,
  });
});
