import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import amqp from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { encodeReadingBatch } from '@energy/lib/reading-batch';
import { createVhost, testRabbitMQ, uniqueName } from '@energy/lib/testkit/index';
import { createExporterMetrics } from '../src/metrics.js';
import { Outbox } from '../src/outbox.js';
import { OutboxPump } from '../src/outbox-pump.js';
import { AmqpPublisher } from '../src/publisher.js';
import { DEVICE_PERMS, tempOutboxPath, waitFor } from './daemon-helpers.js';
import { drainQueue } from './rabbit-helpers.js';

test('a batch the broker cannot route is returned, kept in the outbox, counted, and delivered once a queue is bound', async () => {
  await testRabbitMQ();
  const vhost = await createVhost('unroutable');
  after(() => vhost.delete());
  const username = `${uniqueName('hh').replace(/[^A-Za-z0-9_-]/g, '')}.pi1`;
  await vhost.addUser(username, 'devpass', DEVICE_PERMS);
  const admin = await amqp.connect(vhost.amqpUrl());
  after(() => admin.close().catch(() => undefined));
  const ch = await admin.createChannel();
  await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
  // A queue exists, but bound to a routing key nobody publishes: the device's batches go nowhere.
  await ch.assertQueue('readback', { durable: true });
  await ch.bindQueue('readback', READINGS_EXCHANGE, 'nobody.binds.this');

  const outbox = new Outbox({ path: tempOutboxPath() });
  const end0 = Math.floor(Date.now() / 60_000) * 60 - 600;
  for (let i = 1; i <= 3; i++) {
    const end = end0 + i * 60;
    const body = encodeReadingBatch({
      bootId: 7,
      seq: i,
      endUnixS: end,
      intervalS: 60,
      readings: [{ socket: 0, powerWatts: 10, energyJoules: 600 * i }],
    });
    outbox.add(`00000007-${i}`, end, body);
  }
  const log = createLogger('unroutable-test', 'silent');
  const metrics = createExporterMetrics();
  const publisher = new AmqpPublisher({
    url: vhost.amqpUrl(username, 'devpass'),
    exchange: READINGS_EXCHANGE,
    log,
    metrics,
  });
  const pump = new OutboxPump({ outbox, sink: publisher, username, replayRate: 100, log, metrics });
  publisher.start();
  pump.start();
  after(async () => {
    await pump.stop();
    await publisher.close();
  });

  const returned = async (): Promise<number> =>
    (await metrics.nacks.get()).values.find((v) => v.labels.reason === 'unroutable')?.value ?? 0;
  await waitFor(async () => (await returned()) >= 3, 20_000, 'three returns counted');
  // Confirmed by the broker, yet stored nowhere: the outbox keeps every batch, none counted as published.
  assert.equal(outbox.depth, 3);
  assert.equal((await metrics.published.get()).values[0]?.value ?? 0, 0);

  // The binding comes back: the held batches go out on the next retry and leave the outbox.
  await ch.bindQueue('readback', READINGS_EXCHANGE, '#');
  await waitFor(() => Promise.resolve(outbox.depth === 0), 30_000, 'outbox drained after the binding');
  const got = await drainQueue(vhost.amqpUrl(), 'readback');
  const ids = new Set(got.map((m) => m.properties.messageId as string));
  assert.deepEqual([...ids].sort(), ['00000007-1', '00000007-2', '00000007-3']);
});
