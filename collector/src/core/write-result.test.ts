import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyResponse } from './write-result.js';

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
