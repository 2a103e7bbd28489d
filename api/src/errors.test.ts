import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, ERRORS, type ErrorCode } from './errors.js';

test('every error in the catalogue has a snake_case code, a 4xx/5xx status and a message', () => {
  for (const [code, e] of Object.entries(ERRORS)) {
    assert.match(code, /^[a-z][a-z_]*$/);
    assert.ok(e.status >= 400 && e.status < 600, code);
    assert.ok(e.message.length > 5 && !e.message.endsWith('.'), code);
  }
});

test('ApiError takes its status from the catalogue', () => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const e = new ApiError(code);
    assert.equal(e.status, ERRORS[code].status);
    assert.equal(e.message, ERRORS[code].message);
  }
});
