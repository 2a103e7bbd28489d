/*
 * The whole path on real services and real processes: a device registered
 * through the API logs in to RabbitMQ (the broker asks the API's auth
 * backend), publishes one ReadingBatch with its broker-verified user_id, the
 * collector writes it into VictoriaMetrics, and the API's live endpoint
 * gives back exactly the watts that were sent — for that household only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { startProcess, type SupervisedProcess } from '@energy/lib/services/index';
import {
  createVhost,
  freePort,
  testRabbitMQ,
  testVictoriaMetrics,
  type TestVhost,
} from '@energy/lib/testkit/index';
import amqp from 'amqplib';

const root = new URL('../../', import.meta.url).pathname;
const tsxNode = ['--conditions=source', '--import', 'tsx'];

let api: SupervisedProcess;
let collector: SupervisedProcess;
let vhost: TestVhost;
let apiUrl: string;
let vmUrl: string;

interface Session {
  accessToken: string;
  household: { id: string };
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  assert.ok(res.ok, `${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function registerHousehold(name: string): Promise<Session> {
  return json<Session>(
    await fetch(`${apiUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `${name}-${process.pid}-${Date.now()}@example.com`,
        password: 'correct horse battery staple',
        householdName: name,
        timeZone: 'Europe/Berlin',
        currency: 'EUR',
      }),
    }),
  );
}

interface LiveAnswer {
  sockets: { device: string; socket: number; watts: number }[];
}

async function live(s: Session): Promise<LiveAnswer> {
  return json<LiveAnswer>(
    await fetch(`${apiUrl}/api/v1/readings/live`, { headers: { authorization: `Bearer ${s.accessToken}` } }),
  );
}

before(async () => {
  const rabbit = await testRabbitMQ();
  const vm = await testVictoriaMetrics();
  vmUrl = vm.url;
  assert.ok(rabbit.authBackend, 'the test broker must have its HTTP auth backend configured');
  vhost = await createVhost('e2e');
  const stateDir = mkdtempSync(join(tmpdir(), 'e2e-api-'));
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const logDir = mkdtempSync(join(tmpdir(), 'e2e-logs-'));
  api = await startProcess({
    name: 'api',
    command: process.execPath,
    args: [...tsxNode, join(root, 'api/src/main.ts')],
    cwd: root,
    env: {
      ...process.env,
      API_PORT: String(apiPort),
      BROKER_AUTH_PORT: String(rabbit.authBackend.port),
      BROKER_AUTH_SECRET: rabbit.authBackend.secret,
      VM_URL: vm.url,
      STATE_DIR: stateDir,
      LOG_LEVEL: 'warn',
    },
    logFile: join(logDir, 'api.log'),
    health: { url: `${apiUrl}/readyz` },
  });
  const metricsPort = await freePort();
  collector = await startProcess({
    name: 'collector',
    command: process.execPath,
    args: [...tsxNode, join(root, 'collector/src/main.ts')],
    cwd: root,
    env: {
      ...process.env,
      AMQP_URL: vhost.amqpUrl(),
      VM_URL: vm.url,
      COLLECTOR_METRICS_PORT: String(metricsPort),
      INTERNAL_API_URL: rabbit.authBackend.url,
      BROKER_AUTH_SECRET: rabbit.authBackend.secret,
      COLLECTOR_FLUSH_MS: '100',
      LOG_LEVEL: 'warn',
    },
    logFile: join(logDir, 'collector.log'),
    health: { url: `http://127.0.0.1:${metricsPort}/readyz` },
  });
});

after(async () => {
  await collector?.stop();
  await api?.stop();
  await vhost?.delete();
});

test('a batch published by a device comes back exactly through the live endpoint, to its household only', async () => {
  const home = await registerHousehold('Home');
  const neighbour = await registerHousehold('Neighbour');
  const device = await json<{ id: string; broker: { username: string; password: string } }>(
    await fetch(`${apiUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.accessToken}` },
      body: JSON.stringify({ name: 'Kitchen Pi' }),
    }),
  );
  assert.equal(device.broker.username, `${home.household.id}.${device.id}`);

  const endUnixS = Math.floor(Date.now() / 60_000) * 60;
  const batch: ReadingBatch = {
    bootId: 0x1234abcd,
    seq: 1,
    endUnixS,
    intervalS: 60,
    readings: [
      { socket: 0, powerWatts: 85.3, energyJoules: 5118 },
      { socket: 1, powerWatts: 0.4, energyJoules: 24 },
      { socket: 2, powerWatts: 2000.1, energyJoules: 120_006 },
    ],
  };
  const conn = await amqp.connect(vhost.amqpUrl(device.broker.username, device.broker.password));
  try {
    const ch = await conn.createConfirmChannel();
    ch.publish(READINGS_EXCHANGE, device.broker.username, Buffer.from(encodeReadingBatch(batch)), {
      persistent: true,
      userId: device.broker.username,
      contentType: 'application/x-protobuf',
      type: 'energy.v1.ReadingBatch',
      messageId: `1234abcd-1`,
    });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }

  let answer: LiveAnswer = { sockets: [] };
  for (let i = 0; i < 100 && answer.sockets.length < 3; i++) {
    await fetch(`${vmUrl}/internal/force_flush`, { method: 'POST' }).then((r) => r.arrayBuffer());
    answer = await live(home);
    if (answer.sockets.length < 3) await new Promise((r) => setTimeout(r, 200));
  }
  const watts = answer.sockets
    .filter((s) => s.device === device.id)
    .sort((a, b) => a.socket - b.socket)
    .map((s) => [s.socket, s.watts]);
  assert.deepEqual(watts, [
    [0, 85.3],
    [1, 0.4],
    [2, 2000.1],
  ]);
  assert.deepEqual((await live(neighbour)).sockets, [], 'another household sees nothing of it');
});
