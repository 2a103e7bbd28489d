import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginThrottle } from '../../auth/login-throttle.js';
import { hashPassword } from '../../auth/passwords.js';
import { ApiError } from '../../errors.js';
import type { User } from '../../store/accounts-store.js';
import { login, type LoginDeps, type LoginFailure } from './login.js';

async function setup(o: { disabled?: boolean; member?: boolean } = {}) {
  const user: User = {
    id: 'u1',
    email: 'a@example.com',
    displayName: 'a@example.com',
    passwordHash: await hashPassword('right passphrase'),
    disabled: o.disabled ?? false,
    createdAt: new Date(0),
  };
  const failures: LoginFailure[] = [];
  const deps: LoginDeps = {
    store: {
      userByEmail: (e) => Promise.resolve(e === user.email ? user : undefined),
      userById: () => Promise.resolve(user),
      membershipOf: () =>
        Promise.resolve(o.member === false ? undefined : { userId: 'u1', householdId: 'h1', role: 'owner' }),
      createRefreshToken: () => Promise.resolve(),
      refreshTokenByHash: () => Promise.resolve(undefined),
      markRefreshTokenUsed: () => Promise.resolve(false),
      revokeFamily: () => Promise.resolve(),
    },
    tokens: { sign: (c) => `jwt:${c.sub}:${c.hh}` },
    now: () => new Date(),
    throttle: new LoginThrottle({ perPair: 2, perAccount: 50, perAddress: 1000, windowSeconds: 60 }),
    onFailure: (r) => failures.push(r),
  };
  return { deps, failures };
}

const attempt = (deps: LoginDeps, password: string, email = 'A@example.com') =>
  login(deps, { email, password, address: '192.0.2.1' });
const code = (c: string) => (e: unknown) => e instanceof ApiError && e.code === c;

test('the right password logs in whatever the case of the email', async () => {
  const { deps, failures } = await setup();
  assert.equal((await attempt(deps, 'right passphrase')).accessToken, 'jwt:u1:h1');
  assert.deepEqual(failures, []);
});

test('every refusal is invalid_credentials to the caller and counted by its real reason', async () => {
  const { deps, failures } = await setup();
  await assert.rejects(attempt(deps, 'wrong'), code('invalid_credentials'));
  await assert.rejects(attempt(deps, 'wrong', 'nobody@example.com'), code('invalid_credentials'));
  const disabled = await setup({ disabled: true });
  await assert.rejects(attempt(disabled.deps, 'right passphrase'), code('invalid_credentials'));
  const orphan = await setup({ member: false });
  await assert.rejects(attempt(orphan.deps, 'right passphrase'), code('invalid_credentials'));
  assert.deepEqual(
    [...failures, ...disabled.failures, ...orphan.failures],
    ['wrong_password', 'unknown_email', 'disabled', 'disabled'],
  );
});

test('over the throttle even the right password waits, with Retry-After', async () => {
  const { deps, failures } = await setup();
  await assert.rejects(attempt(deps, 'wrong'), code('invalid_credentials'));
  await assert.rejects(attempt(deps, 'wrong'), code('invalid_credentials'));
  await assert.rejects(
    attempt(deps, 'right passphrase'),
    (e: unknown) => code('throttled')(e) && Number((e as ApiError).headers['retry-after']) > 0,
  );
  assert.deepEqual(failures, ['wrong_password', 'wrong_password', 'throttled']);
});
