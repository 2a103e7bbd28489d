import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisectRejected, writeWithRetry } from './remote-writer.js';

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
