import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityResolver } from './identity.js';

test('a device: userId equal to the routing key gives household and device', async () => {
  const r = new IdentityResolver(() => Promise.reject(new Error('not asked')));
  assert.deepEqual(await r.resolve('hh1.pi', 'hh1.pi'), {
    ok: true,
    identity: { household: 'hh1', device: 'pi' },
  });
  assert.equal((await r.resolve('hh1.pi', 'hh2.pi')).ok, false);
  assert.deepEqual(
    [(await r.resolve('hh1.pi', 'hh2.pi')) as { reason: string }].map((x) => x.reason),
    ['user_id_mismatch'],
  );
  assert.equal(((await r.resolve(undefined, 'hh1.pi')) as { reason: string }).reason, 'missing_user_id');
  assert.equal(((await r.resolve('admin', 'nodot')) as { reason: string }).reason, 'bad_routing_key');
});

test('a gateway: only devices the API lists for it, cached for the TTL', async () => {
  let now = 0;
  let calls = 0;
  let listed = ['hh1.a', 'hh2.b'];
  const r = new IdentityResolver(
    (gw) => {
      calls++;
      assert.equal(gw, 'gw-block7');
      return Promise.resolve(listed);
    },
    60_000,
    () => now,
  );
  assert.deepEqual(await r.resolve('gw-block7', 'hh2.b'), {
    ok: true,
    identity: { household: 'hh2', device: 'b' },
  });
  assert.equal(
    ((await r.resolve('gw-block7', 'hh3.c')) as { reason: string }).reason,
    'gateway_device_not_listed',
  );
  assert.equal(calls, 1);
  listed = ['hh3.c'];
  now = 60_001;
  assert.equal((await r.resolve('gw-block7', 'hh3.c')).ok, true);
  assert.equal(calls, 2);
});

test('a gateway whose list cannot be fetched throws (retryable), it is not the message’s fault', async () => {
  const r = new IdentityResolver(() => Promise.reject(new Error('ECONNREFUSED')));
  await assert.rejects(async () => r.resolve('gw-x', 'hh1.a'));
});
