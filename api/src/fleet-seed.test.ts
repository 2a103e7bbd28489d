import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FleetManifest } from '@energy/lib/fleet-manifest';
import request from 'supertest';
import { buildApp } from './app.js';
import { sha256 } from './auth/secrets.js';
import { BrokerAuth } from './core/devices/broker-auth.js';
import { DEMO_EMAIL, seed } from './fleet-seed.js';
import { SqliteStore } from './store/sqlite/index.js';
import { testDeps } from './test-support/test-deps.js';

test('the seed is idempotent: demo password reset, data and gateway password kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-seed-'));
  const store = new SqliteStore(join(dir, 'accounts.sqlite'));
  const first = await seed(store, { stateDir: dir, demoPassword: 'first password', households: 3 });
  const second = await seed(store, { stateDir: dir, demoPassword: 'second password', households: 3 });
  assert.equal(second.gateway.password, first.gateway.password);
  assert.deepEqual(second.households, first.households);
  const onDisk = JSON.parse(readFileSync(join(dir, 'fleet.json'), 'utf8')) as FleetManifest;
  assert.deepEqual(onDisk, second);
  assert.deepEqual(
    onDisk.households.map((h) => [h.householdId, h.devices.map((d) => ({ ...d, password: undefined }))]),
    [1, 2, 3].map((i) => [`hh000${i}`, [{ deviceId: 'pi1', sockets: 30, password: undefined }]]),
  );
  // Every device has a broker password of its own (the fleet's per-device mode), distinct.
  const passwords = onDisk.households.map((h) => h.devices[0]?.password ?? '');
  assert.equal(new Set(passwords.filter((p) => p.length >= 20)).size, 3);
  assert.equal(new Set(onDisk.households.map((h) => h.timeZone)).size, 3);

  const deps = { ...testDeps(), store };
  const app = buildApp(deps);
  await request(app.callback())
    .post('/api/v1/auth/login')
    .send({ email: DEMO_EMAIL, password: 'first password' })
    .expect(401);
  const login = await request(app.callback())
    .post('/api/v1/auth/login')
    .send({ email: DEMO_EMAIL, password: 'second password' })
    .expect(200);
  const devices = await request(app.callback())
    .get('/api/v1/devices')
    .set('authorization', `Bearer ${(login.body as { accessToken: string }).accessToken}`)
    .expect(200);
  const list = (devices.body as { devices: { id: string; sockets: { name: string }[] }[] }).devices;
  assert.equal(list.length, 1);
  assert.equal(list[0]?.sockets.length, 30);
  assert.ok(list[0]?.sockets.every((s) => s.name.length > 0 && !s.name.startsWith('Socket ')));

  // The gateway may publish for exactly the seeded devices.
  const auth = new BrokerAuth(store);
  assert.equal(await auth.user('gw-fleet', first.gateway.password), 'allow');
  assert.equal(await auth.topic('gw-fleet', 'energy.readings', 'write', 'hh0002.pi1'), 'allow');
  assert.equal(await auth.topic('gw-fleet', 'energy.readings', 'write', 'hh0004.pi1'), 'deny');
  assert.equal((await store.gateway('gw-fleet'))?.passwordHash, sha256(first.gateway.password));
  // Each device logs in as itself with its own password, and publishes with its own key only.
  const own = first.households[1]?.devices[0]?.password ?? '';
  assert.equal(await auth.user('hh0002.pi1', own), 'allow');
  assert.equal(await auth.user('hh0003.pi1', own), 'deny');
  assert.equal(await auth.topic('hh0002.pi1', 'energy.readings', 'write', 'hh0002.pi1'), 'allow');
  assert.equal(await auth.topic('hh0002.pi1', 'energy.readings', 'write', 'hh0003.pi1'), 'deny');
  await store.close();
});
