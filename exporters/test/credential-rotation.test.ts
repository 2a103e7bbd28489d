import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createVhost, testRabbitMQ } from '@energy/lib/testkit/index';
import { createLogger } from '@energy/lib/logger';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { CredentialRotator, writePasswordToConfig } from '../src/credential-rotator.js';
import { createExporterMetrics } from '../src/metrics.js';
import { AmqpPublisher } from '../src/publisher.js';
import { DEVICE_PERMS, tempOutboxPath, waitFor } from './daemon-helpers.js';
import { declareReadingsTopology, drainQueue } from './rabbit-helpers.js';

test('told its login expires, the exporter rotates, saves the new password before using it and reconnects with it; a refused login and a platform too old for its batches show on /metrics', async () => {
  await testRabbitMQ();
  const vhost = await createVhost('rotate');
  after(() => vhost.delete());
  const device = 'hrot.pi';
  await vhost.addUser(device, 'p1', DEVICE_PERMS);
  await declareReadingsTopology(vhost.amqpUrl(), 'readback');

  // The API's two device endpoints, as a stand-in for the peer service: each GET answers the next scripted state.
  const answers: [number, unknown][] = [
    [
      200,
      {
        credentials: { expiresAt: new Date(Date.now() + 3600_000).toISOString() },
        protocol: { readingBatch: { maxVersion: 1 } },
      },
    ],
    [401, { error: { code: 'invalid_credentials', message: 'revoked' } }],
    [200, { credentials: { expiresAt: null }, protocol: { readingBatch: { maxVersion: 0 } } }],
  ];
  const seen: string[] = [];
  const api = createServer((req, res) => {
    seen.push(
      `${req.method} ${req.url} ${Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString()}`,
    );
    if (req.method === 'POST') {
      // As the real API does, the broker now takes the new password (here an internal user's, set at once).
      void vhost.addUser(device, 'p2', DEVICE_PERMS).then(() => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ broker: { username: device, password: 'p2' } }));
      });
      return;
    }
    const [status, body] = answers.shift() ?? [500, {}];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'pi', householdId: 'hrot', name: 'Pi', ...(body as object) }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  after(() => api.close());

  const configPath = `${tempOutboxPath()}.json`;
  writeFileSync(
    configPath,
    JSON.stringify({ AMQP_USERNAME: device, AMQP_PASSWORD: 'p1', METERS: [{ type: 'simulator' }] }),
  );
  const log = createLogger('rotate-test', 'silent');
  const metrics = createExporterMetrics();
  const publisher = new AmqpPublisher({
    url: vhost.amqpUrl(device, 'p1'),
    exchange: READINGS_EXCHANGE,
    log,
    metrics,
  });
  publisher.start();
  assert.ok(await publisher.waitReady(20_000));
  const order: string[] = [];
  const rotator = new CredentialRotator({
    apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    username: device,
    password: 'p1',
    rotateEveryS: 0,
    rotatedAtS: 0,
    persist: (pw, at) => {
      writePasswordToConfig(configPath, pw, at);
      order.push('saved');
    },
    use: (pw) => {
      order.push('used');
      publisher.useCredentials(device, pw);
    },
    metrics,
    log,
  });

  await rotator.checkOnce();
  assert.deepEqual(order, ['saved', 'used']);
  const saved = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  assert.equal(saved.AMQP_PASSWORD, 'p2');
  assert.deepEqual(saved.METERS, [{ type: 'simulator' }], 'the other settings are kept');
  assert.deepEqual(seen, [
    'GET /api/v1/devices/self hrot.pi:p1',
    'POST /api/v1/devices/self/credentials hrot.pi:p1',
  ]);
  // The old connection was closed; the broker refuses p1 now, so only a login with p2 gets a batch through.
  await waitFor(() => Promise.resolve(publisher.ready), 20_000, 'reconnected with the new password');
  const outcome = await publisher.publish({
    routingKey: device,
    userId: device,
    messageId: 'after-rotation',
    timestampS: Math.floor(Date.now() / 1000),
    body: new Uint8Array([8, 1]),
  });
  assert.equal(outcome, 'confirmed');
  assert.equal((await drainQueue(vhost.amqpUrl(), 'readback')).length, 1);
  const gauge = async (g: { get(): Promise<{ values: { value: number }[] }> }) =>
    (await g.get()).values[0]?.value;
  assert.equal(await gauge(metrics.batchVersionSupported), 1);
  assert.equal(await gauge(metrics.credentialsValid), 1);

  await rotator.checkOnce();
  assert.equal(await gauge(metrics.credentialsValid), 0, 'a refused login: pair again');
  await rotator.checkOnce();
  assert.equal(await gauge(metrics.platformBatchVersion), 0);
  assert.equal(
    await gauge(metrics.batchVersionSupported),
    0,
    "the platform cannot take this exporter's batches",
  );
  assert.equal(seen.at(-1), 'GET /api/v1/devices/self hrot.pi:p2');
  await publisher.close();
});
