import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

test('password policy: length only, long ones allowed, breached ones refused', () => {
  assert.match(passwordProblem('short') ?? '', /at least 8/);
  assert.equal(passwordProblem('correct horse battery staple'), undefined);
  assert.equal(passwordProblem('x'.repeat(200)), undefined);
  assert.match(passwordProblem('Password123') ?? '', /breached/);
  assert.equal(passwordProblem('alllowercase'), undefined);
});

test('argon2id hashes verify and carry the OWASP parameters', async () => {
  const h = await hashPassword('a long passphrase');
  assert.match(h, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.equal(await verifyPassword(h, 'a long passphrase'), true);
  assert.equal(await verifyPassword(h, 'a long passphrasE'), false);
  assert.equal(await verifyPassword('garbage', 'x'), false);
});
