import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, classifyResponse, parseRetryAfter } from './write-result.js';
import { bisectRejected, writeWithRetry } from './remote-write-client.js';

test('classifies answers: 2xx success, 5xx and 429 retryable, other 4xx permanent', () => {
  assert.equal(classifyResponse(204, '', null).kind, 'success');
  assert.equal(classifyResponse(500, 'x', null).kind, 'retryable');
  assert.equal(classifyResponse(503, 'x', null).kind, 'retryable');
  assert.deepEqual(classifyResponse(429, 'slow down', '3'), {
    kind: 'retryable',
    error: 'HTTP 429: slow down',
    retryAfterMs: 3000,
  });
  assert.equal(classifyResponse(400, 'bad', null).kind, 'permanent');
});

test('Retry-After as seconds or date', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('backoff grows, is capped, jittered, and honours Retry-After up to the cap', () => {
  const o = { initialMs: 100, maxMs: 10_000 };
  assert.equal(
    backoffMs(0, o, undefined, () => 1),
    100,
  );
  assert.equal(
    backoffMs(0, o, undefined, () => 0),
    50,
  );
  assert.equal(
    backoffMs(3, o, undefined, () => 1),
    800,
  );
  assert.equal(
    backoffMs(50, o, undefined, () => 1),
    10_000,
  );
  assert.equal(
    backoffMs(0, o, 5000, () => 1),
    5000,
  );
  assert.equal(
    backoffMs(0, o, 60_000, () => 1),
    10_000,
  );
});

test('bisection finds exactly the rejected messages and writes every other one', async () => {
  const bad = new Set([3, 4, 9]);
  const written = new Set<number>();
  const encode = (ix: readonly number[]) => Promise.resolve(Buffer.from(JSON.stringify(ix)));
  const write = (b: Buffer) => {
    const ix = JSON.parse(b.toString()) as number[];
    if (ix.some((i) => bad.has(i)))
      return Promise.resolve({ kind: 'permanent' as const, status: 400, error: 'bad' });
    ix.forEach((i) => written.add(i));
    return Promise.resolve({ kind: 'success' as const });
  };
  const { rejected } = await bisectRejected(12, encode, write);
  assert.deepEqual(rejected, [3, 4, 9]);
  assert.deepEqual(
    [...written].sort((a, b) => a - b),
    [0, 1, 2, 5, 6, 7, 8, 10, 11],
  );
});

test('writeWithRetry retries retryable results, stops at success', async () => {
  const answers = [
    { kind: 'retryable' as const, error: 'ECONNREFUSED' },
    { kind: 'retryable' as const, error: '503', retryAfterMs: 1 },
    { kind: 'success' as const },
  ];
  const slept: number[] = [];
  const result = await writeWithRetry(
    { writeOnce: () => Promise.resolve(answers.shift() ?? { kind: 'success' }) },
    Buffer.alloc(0),
    { initialMs: 1, maxMs: 5, sleep: (ms) => Promise.resolve(void slept.push(ms)) },
  );
  assert.equal(result.kind, 'success');
  assert.equal(slept.length, 2);
});
