/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { createVhost, testRabbitMQ, type TestVhost } from '@energy/lib/testkit/index';
import { READING_BATCH_VERSION } from '@energy/lib/reading-batch';
import amqp from 'amqplib';
import request from 'supertest';
import { buildApp } from './app.js';
import { BrokerAdmin } from './broker/broker-admin.js';
import { buildInternalApp } from './broker/internal-app.js';
import type { AppDeps } from './deps.js';
import { register, testDeps, type Account } from './test-support/test-deps.js';

/*
 * Device credential rotation against the real RabbitMQ, whose HTTP auth
 * backend asks our internal listener: the broker, not the API, lets a
 * device in. Its auth cache keeps an answer 60 s, so each check uses a
 * password the broker has not been asked about yet.
 */
let server: Server;
let vhost: TestVhost;
let deps: AppDeps;
let app: ReturnType<typeof buildApp>;
let internal: ReturnType<typeof buildInternalApp>;
let internalKey: string;
let owner: Account;

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function newDevice(name: string): Promise<{ id: string; username: string; password: string }> {
  const r = await request(app.callback())
    .post('/api/v1/devices')
    .set('authorization', `Bearer ${owner.accessToken}`)
    .send({ name })
    .expect(201);
  return { id: r.body.id, username: r.body.broker.username, password: r.body.broker.password };
}

async function brokerLets(username: string, password: string): Promise<amqp.ChannelModel | undefined> {
  try {
    const c = await amqp.connect(vhost.amqpUrl(username, password));
    c.on('error', () => {});
    return c;
  } catch {
    return undefined;
  }
}

const self = (u: string, p: string) =>
  request(app.callback()).get('/api/v1/devices/self').set('authorization', basic(u, p));
const rotate = (u: string, p: string) =>
  request(app.callback()).post('/api/v1/devices/self/credentials').set('authorization', basic(u, p));
const force = (hh: string, graceSeconds: number) =>
  request(internal.callback())
    .post(`/internal/households/${hh}/device-credentials/rotate?key=${internalKey}`)
    .send({ graceSeconds });

/** api_device_credential_rotations_total{reason} as /metrics would show it. */
async function rotations(reason: 'self' | 'forced'): Promise<number> {
  const m = await deps.metrics.deviceCredentialRotations.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

before(async () => {
  const rabbit = await testRabbitMQ();
  assert.ok(rabbit.authBackend, 'the test broker has the HTTP auth backend configured');
  vhost = await createVhost('api-rotation');
  deps = {
    ...testDeps(),
    brokerAdmin: new BrokerAdmin(rabbit.managementUrl, rabbit.admin.username, rabbit.admin.password),
  };
  app = buildApp(deps);
  internalKey = rabbit.authBackend.secret;
  internal = buildInternalApp(deps, internalKey);
  const cb = internal.callback();
  server = createServer((req, res) => void cb(req, res));
  await new Promise<void>((resolve) => server.listen(rabbit.authBackend?.port, '127.0.0.1', resolve));
  owner = await register(app);
});

after(async () => {
  await vhost?.delete();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await deps?.store.close();
});

test('a device rotates its own password: the new one works at once, the old one through the grace period only', async () => {
  const d = await newDevice('Pi');
  const me = await self(d.username, d.password).expect(200);
  assert.equal(me.body.id, d.id);
  assert.equal(me.body.credentials.expiresAt, null);
  assert.equal(me.body.protocol.readingBatch.maxVersion, READING_BATCH_VERSION);
  const selfBefore = await rotations('self');

  const r = await rotate(d.username, d.password).expect(201);
  const p2: string = r.body.broker.password;
  assert.notEqual(p2, d.password);
  const until = Date.parse(r.body.previousValidUntil);
  assert.ok(Math.abs(until - Date.now() - 24 * 3600_000) < 60_000, 'the old one stays 24 h');
  const c2 = await brokerLets(d.username, p2);
  assert.ok(c2, 'the broker lets the new password in');
  await c2.close();
  const c1 = await brokerLets(d.username, d.password);
  assert.ok(c1, 'the old one still works in its grace period');
  await c1.close();
  // Told with the old one that it expires; with the new one, nothing expires.
  assert.equal(
    Date.parse((await self(d.username, d.password).expect(200)).body.credentials.expiresAt),
    until,
  );
  assert.equal((await self(d.username, p2).expect(200)).body.credentials.expiresAt, null);

  // A lost answer: rotating again with the old one gives a new password, but the old one's deadline stays.
  const r3 = await rotate(d.username, d.password).expect(201);
  assert.equal(Date.parse(r3.body.previousValidUntil), until);
  assert.equal(await rotations('self'), selfBefore + 2, 'both rotations counted');
  await self(d.username, p2).expect(401);
  await self(d.username, 'wrong').expect(401);
  await request(app.callback()).get('/api/v1/devices/self').expect(401);
  await request(app.callback())
    .post('/api/v1/devices')
    .set('authorization', `Bearer ${owner.accessToken}`)
    .send({ name: 'Pi', id: 'self' })
    .expect(400);
});

test('an operator forces rotation: with a grace the devices rotate themselves, without one they are cut off now', async () => {
  const d = await newDevice('Pi');
  const forcedBefore = await rotations('forced');
  const f = await force(owner.householdId, 3600).expect(200);
  assert.equal(f.body.devices >= 1, true);
  // One per device replaced, not one per call.
  let forced: number = f.body.devices;
  assert.equal(await rotations('forced'), forcedBefore + forced);
  const told = await self(d.username, d.password).expect(200);
  assert.equal(Date.parse(told.body.credentials.expiresAt), Date.parse(f.body.validUntil));
  const fresh = (await rotate(d.username, d.password).expect(201)).body.broker.password as string;

  // A leak: no grace. The open connection is closed, the API refuses the password at once.
  const conn = await brokerLets(d.username, fresh);
  assert.ok(conn);
  const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
  let cut = 0;
  // The management API lists a connection a moment after the handshake.
  for (let i = 0; i < 50 && cut === 0; i++) {
    if (i > 0) await new Promise((res) => setTimeout(res, 200));
    const again = (await force(owner.householdId, 0).expect(200)).body;
    forced += again.devices as number;
    cut = again.connectionsClosed as number;
  }
  assert.equal(await rotations('forced'), forcedBefore + forced);
  assert.ok(cut >= 1, 'the open connection was closed');
  await closed;
  await self(d.username, fresh).expect(401);
  await self(d.username, d.password).expect(401);
  await force(owner.householdId, -1).expect(400);
  assert.equal(await rotations('forced'), forcedBefore + forced, 'a refused call counts nothing');
});
