import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import amqp from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { READING_BATCH_VERSION } from '@energy/lib/reading-batch';
import { createVhost, testRabbitMQ } from '@energy/lib/testkit/index';
import { buildApp } from '@energy/api/app';
import { BrokerAdmin } from '@energy/api/broker/broker-admin';
import { buildInternalApp } from '@energy/api/broker/internal-app';
import { register, testDeps } from '@energy/api/test-support/test-deps';
import { CredentialRotator, writePasswordToConfig } from '@energy/exporters/credential-rotator';
import { createExporterMetrics } from '@energy/exporters/metrics';
import { AmqpPublisher } from '@energy/exporters/publisher';

function listen(cb: ReturnType<ReturnType<typeof buildApp>['callback']>, port = 0): Promise<Server> {
  const s = createServer((req, res) => void cb(req, res));
  return new Promise((resolve) => s.listen(port, '127.0.0.1', () => resolve(s)));
}

/*
 * The exporter's rotation against the real API and the real broker, whose
 * HTTP auth backend asks the API's internal listener: an operator's forced
 * rotation reaches the device through GET /devices/self, the device rotates,
 * saves and reconnects with its new password; without a grace it is cut off.
 */
test('an operator forces rotation: the exporter rotates through the API and publishes with its new password; without a grace it is cut off', async () => {
  const rabbit = await testRabbitMQ();
  assert.ok(rabbit.authBackend);
  const vhost = await createVhost('e2e-rotation');
  const deps = {
    ...testDeps(),
    brokerAdmin: new BrokerAdmin(rabbit.managementUrl, rabbit.admin.username, rabbit.admin.password),
  };
  const app = buildApp(deps);
  const internalKey = rabbit.authBackend.secret;
  const internal = await listen(buildInternalApp(deps, internalKey).callback(), rabbit.authBackend.port);
  const api = await listen(app.callback());
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  after(async () => {
    for (const s of [internal, api]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await vhost.delete();
    await deps.store.close();
  });
  const admin = await amqp.connect(vhost.amqpUrl());
  const ch = await admin.createChannel();
  await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
  const queue = (await ch.assertQueue('', { exclusive: true })).queue;
  await ch.bindQueue(queue, READINGS_EXCHANGE, '#');

  const owner = await register(app);
  const created = await fetch(`${apiUrl}/api/v1/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Pi' }),
  });
  const dev = (await created.json()) as { broker: { username: string; password: string } };
  const { username, password } = dev.broker;
  const configPath = join(mkdtempSync(join(tmpdir(), 'e2e-rotation-')), 'energy-exporter.json');
  writeFileSync(configPath, JSON.stringify({ AMQP_USERNAME: username, AMQP_PASSWORD: password }));

  const log = createLogger('e2e-rotation', 'silent');
  const metrics = createExporterMetrics();
  const publisher = new AmqpPublisher({
    url: vhost.amqpUrl(username, password),
    exchange: READINGS_EXCHANGE,
    log,
    metrics,
    backoffInitialMs: 100,
    backoffMaxMs: 500,
  });
  publisher.start();
  assert.ok(await publisher.waitReady(20_000), 'connected with the paired password');
  const rotator = new CredentialRotator({
    apiUrl,
    username,
    password,
    rotateEveryS: 0,
    rotatedAtS: 0,
    persist: (pw, at) => writePasswordToConfig(configPath, pw, at),
    use: (pw) => publisher.useCredentials(username, pw),
    metrics,
    log,
  });
  const gauge = async (g: { get(): Promise<{ values: { value: number }[] }> }) =>
    (await g.get()).values[0]?.value;
  const force = async (graceSeconds: number) => {
    const r = await fetch(
      `http://127.0.0.1:${rabbit.authBackend?.port}/internal/households/${owner.householdId}/device-credentials/rotate?key=${internalKey}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ graceSeconds }),
      },
    );
    assert.equal(r.status, 200);
    return (await r.json()) as { devices: number; connectionsClosed: number };
  };

  await rotator.checkOnce();
  assert.equal(await gauge(metrics.platformBatchVersion), READING_BATCH_VERSION);
  assert.equal(await gauge(metrics.batchVersionSupported), 1);
  assert.equal((await metrics.rotations.get()).values.length, 0, 'nothing to rotate yet');

  assert.equal((await force(3600)).devices, 1);
  await rotator.checkOnce();
  assert.equal((await metrics.rotations.get()).values[0]?.labels.reason, 'expiring');
  const saved = (JSON.parse(readFileSync(configPath, 'utf8')) as { AMQP_PASSWORD: string }).AMQP_PASSWORD;
  assert.notEqual(saved, password, 'the new password is saved');
  assert.ok(await publisher.waitReady(20_000), 'reconnected with the new password');
  const sent = await publisher.publish({
    routingKey: username,
    userId: username,
    messageId: 'after-rotation',
    timestampS: Math.floor(Date.now() / 1000),
    body: new Uint8Array([8, 1]),
  });
  assert.equal(sent, 'confirmed');
  const self = await fetch(`${apiUrl}/api/v1/devices/self`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${saved}`).toString('base64')}` },
  });
  assert.equal(((await self.json()) as { credentials: { expiresAt: unknown } }).credentials.expiresAt, null);

  // A leak: no grace. The open connection is closed; the device learns its login is gone.
  let closed = 0;
  for (let i = 0; i < 50 && closed === 0; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    closed = (await force(0)).connectionsClosed;
  }
  assert.ok(closed >= 1, 'the open connection was closed');
  await rotator.checkOnce();
  assert.equal(await gauge(metrics.credentialsValid), 0);
  await publisher.close();
  await admin.close();
});
