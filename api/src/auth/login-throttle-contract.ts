import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Throttle } from '../core/accounts/login.js';
import type { ThrottleLimits } from './login-throttle.js';

/** What every login throttle does, in memory or shared; `make` gets a clock the test moves. */
export function throttleContract(
  name: string,
  make: (limits: ThrottleLimits, now: () => number) => Promise<Throttle>,
  opts: { skip?: string | false } = {},
): void {
  const t = (title: string, fn: () => Promise<void>): void => {
    void test(`${name}: ${title}`, { skip: opts.skip ?? false }, fn);
  };
  // Keys of their own per run: a shared store keeps other runs' windows.
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const base = 1_800_000_000_000;

  t('failures per account and address are throttled until the window ends', async () => {
    let now = base;
    const th = await make({ perPair: 3, perAccount: 5, perAddress: 100, windowSeconds: 60 }, () => now);
    const a = `a-${run}@x`;
    for (let i = 0; i < 3; i++) {
      assert.equal(await th.check(a, `1.1.1.1-${run}`), 0);
      await th.failed(a, `1.1.1.1-${run}`);
    }
    assert.equal(await th.check(a, `1.1.1.1-${run}`), 60);
    // Another address may still try the same account until the account limit.
    assert.equal(await th.check(a, `2.2.2.2-${run}`), 0);
    await th.failed(a, `2.2.2.2-${run}`);
    await th.failed(a, `2.2.2.2-${run}`);
    assert.equal(await th.check(a, `3.3.3.3-${run}`), 60);
    now = base + 61_000;
    assert.equal(await th.check(a, `1.1.1.1-${run}`), 0);
  });

  t('attempts per address are limited across accounts', async () => {
    const th = await make({ perPair: 100, perAccount: 100, perAddress: 2, windowSeconds: 10 }, () => base);
    const ip = `ip-${run}`;
    assert.equal(await th.check(`a-${run}`, ip), 0);
    assert.equal(await th.check(`b-${run}`, ip), 0);
    assert.equal(await th.check(`c-${run}`, ip), 10);
  });

  t('a success clears the pair counter', async () => {
    const th = await make({ perPair: 2, perAccount: 100, perAddress: 100, windowSeconds: 10 }, () => base);
    const a = `s-${run}`;
    await th.failed(a, 'ip');
    await th.succeeded(a, 'ip');
    await th.failed(a, 'ip');
    assert.equal(await th.check(a, 'ip'), 0);
  });
}
