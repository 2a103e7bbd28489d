import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from './login-throttle.js';

test('failures per account and address are throttled until the window ends', () => {
  let now = 0;
  const t = new LoginThrottle({ perPair: 3, perAccount: 5, perAddress: 100, windowSeconds: 60 }, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(t.check('a@x', '1.1.1.1'), 0);
    t.failed('a@x', '1.1.1.1');
  }
  assert.equal(t.check('a@x', '1.1.1.1'), 60);
  // Another address may still try the same account until the account limit.
  assert.equal(t.check('a@x', '2.2.2.2'), 0);
  t.failed('a@x', '2.2.2.2');
  t.failed('a@x', '2.2.2.2');
  assert.equal(t.check('a@x', '3.3.3.3'), 60);
  now = 61_000;
  assert.equal(t.check('a@x', '1.1.1.1'), 0);
});

test('attempts per address are limited across accounts', () => {
  const t = new LoginThrottle({ perPair: 100, perAccount: 100, perAddress: 2, windowSeconds: 10 }, () => 0);
  assert.equal(t.check('a', 'ip'), 0);
  assert.equal(t.check('b', 'ip'), 0);
  assert.equal(t.check('c', 'ip'), 10);
});

test('a success clears the pair counter', () => {
  const t = new LoginThrottle({ perPair: 2, perAccount: 100, perAddress: 100, windowSeconds: 10 }, () => 0);
  t.failed('a', 'ip');
  t.succeeded('a', 'ip');
  t.failed('a', 'ip');
  assert.equal(t.check('a', 'ip'), 0);
});
