import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, parseRetryAfter } from './backoff.js';

test('Retry-After as seconds or date', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter(new Date(1_000).toUTCString(), 4000), 0);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('backoff grows, is capped, jittered, and honours Retry-After up to the cap', () => {
  const o = { initialMs: 100, maxMs: 10_000 };
  const cases: [attempt: number, retryAfter: number | undefined, random: number, expected: number][] = [
    [0, undefined, 1, 100],
    [0, undefined, 0, 50],
    [3, undefined, 1, 800],
    [50, undefined, 1, 10_000],
    [50, undefined, 0, 5_000],
    [0, 5000, 1, 5000],
    [0, 60_000, 1, 10_000],
    [-1, undefined, 1, 100],
  ];
  for (const [attempt, retryAfter, random, expected] of cases) {
    assert.equal(
      backoffMs(attempt, o, retryAfter, () => random),
      expected,
      `attempt ${attempt}, Retry-After ${retryAfter}`,
    );
  }
});
