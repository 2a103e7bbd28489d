/* eslint-disable @typescript-eslint/no-unsafe-member-access -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createVhost, testRabbitMQ, type TestVhost } from '@energy/lib/testkit/index';
import amqp from 'amqplib';
import request from 'supertest';
import { buildApp } from './app.js';
import { BrokerAdmin } from './broker/broker-admin.js';
import { buildInternalApp } from './broker/internal-app.js';
import type { AppDeps } from './deps.js';
import { register, testDeps, type Account } from './test-support/test-deps.js';

/*
 * Against the real RabbitMQ with its HTTP auth backend pointing at our
 * internal listener: the broker, not the API, enforces what devices may do.
 */
let server: Server;
let vhost: TestVhost;
let deps: AppDeps;
let app: ReturnType<typeof buildApp>;
let owner: Account;
let admin: amqp.ChannelModel;
let queue: string;

interface Creds {
  id: string;
  broker: { username: string; password: string };
}
async function newDevice(name: string): Promise<Creds> {
  const r = await request(app.callback())
    .post('/api/v1/devices')
    .set('authorization', `Bearer ${owner.accessToken}`)
    .send({ name })
    .expect(201);
  return r.body as Creds;
}

/** Publishes with confirms; resolves with the channel's fate: 'ok' or the broker's close reason. */
async function publish(d: Creds, routingKey: string, userId: string): Promise<string> {
  const conn = await amqp.connect(vhost.amqpUrl(d.broker.username, d.broker.password));
  conn.on('error', () => {});
  try {
    const ch = await conn.createConfirmChannel();
    const closed = new Promise<string>((resolve) => {
      ch.on('error', (e: Error) => resolve(e.message));
      ch.on('close', () => resolve('closed'));
    });
    const sent = new Promise<string>((resolve) => {
      ch.publish(READINGS_EXCHANGE, routingKey, Buffer.from('x'), { userId }, (err) =>
        resolve(err ? 'nack' : 'ok'),
      );
    });
    return await Promise.race([sent, closed]);
  } finally {
    await conn.close().catch(() => {});
  }
}

async function waitForMessage(): Promise<amqp.GetMessage | false> {
  const ch = await admin.createChannel();
  try {
    for (let i = 0; i < 50; i++) {
      const m = await ch.get(queue, { noAck: true });
      if (m) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  } finally {
    await ch.close();
  }
}

before(async () => {
  const rabbit = await testRabbitMQ();
  assert.ok(rabbit.authBackend, 'the test broker has the HTTP auth backend configured');
  vhost = await createVhost('api-broker-auth');
  deps = {
    ...testDeps(),
    brokerAdmin: new BrokerAdmin(rabbit.managementUrl, rabbit.admin.username, rabbit.admin.password),
  };
  app = buildApp(deps);
  const internal = buildInternalApp(deps, rabbit.authBackend.secret).callback();
  server = createServer((req, res) => void internal(req, res));
  await new Promise<void>((resolve) => server.listen(rabbit.authBackend?.port, '127.0.0.1', resolve));
  owner = await register(app);
  admin = await amqp.connect(vhost.amqpUrl());
  const ch = await admin.createChannel();
  await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
  queue = (await ch.assertQueue('', { exclusive: true })).queue;
  await ch.bindQueue(queue, READINGS_EXCHANGE, '#');
  await ch.close();
});

after(async () => {
  await admin?.close().catch(() => {});
  await vhost?.delete();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await deps?.store.close();
});

test('a device publishes with its own routing key and user id', async () => {
  const d = await newDevice('Pi');
  assert.equal(await publish(d, d.broker.username, d.broker.username), 'ok');
  const m = await waitForMessage();
  assert.ok(m);
  assert.equal(m.fields.routingKey, d.broker.username);
  assert.equal(m.properties.userId, d.broker.username);
});

test("a device publishing to another device's routing key is refused (403)", async () => {
  const d = await newDevice('Pi');
  const other = await newDevice('Other');
  assert.match(await publish(d, other.broker.username, d.broker.username), /ACCESS_REFUSED|403/);
});

test('a forged user id is refused (406)', async () => {
  const d = await newDevice('Pi');
  const other = await newDevice('Other');
  assert.match(await publish(d, d.broker.username, other.broker.username), /PRECONDITION_FAILED|406/);
});

test('a wrong secret cannot connect', async () => {
  const d = await newDevice('Pi');
  await assert.rejects(amqp.connect(vhost.amqpUrl(d.broker.username, 'wrong-secret')));
});

test('a revoked device is cut off: its open connection is closed', async () => {
  const d = await newDevice('Pi');
  const conn = await amqp.connect(vhost.amqpUrl(d.broker.username, d.broker.password));
  conn.on('error', () => {});
  const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
  // The management API lists a connection a moment after the handshake.
  let r;
  for (let i = 0; i < 50; i++) {
    r = await request(app.callback())
      .delete(`/api/v1/devices/${d.id}`)
      .set('authorization', `Bearer ${owner.accessToken}`);
    if (r.status !== 200 || r.body.connectionsClosed > 0) break;
    await deps.store.createDevice({
      id: d.id,
      householdId: owner.householdId,
      name: 'Pi',
      secretHash: 'x',
      sockets: [],
      createdAt: new Date(),
    });
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(r?.status, 200);
  assert.equal(r?.body.connectionsClosed, 1);
  await closed;
});
