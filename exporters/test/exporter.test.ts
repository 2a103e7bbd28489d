import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createVhost, freePort, testRabbitMQ, uniqueName } from '@energy/lib/testkit/index';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { assertExactBatches } from './exact.js';
import { declareReadingsTopology, drainQueue, queueDepth } from './rabbit-helpers.js';
import {
  DEVICE_PERMS,
  byBoot,
  decodeAll,
  exited,
  startDaemon,
  tempOutboxPath,
  waitFor,
} from './daemon-helpers.js';

test('daemon publishes one batch a minute with the contract properties and exact values', async () => {
  await testRabbitMQ();
  const vhost = await createVhost('exporter');
  after(() => vhost.delete());
  const hh = uniqueName('hh').replace(/[^A-Za-z0-9_-]/g, '');
  const username = `${hh}.pi1`;
  await vhost.addUser(username, 'devpass', DEVICE_PERMS);
  await declareReadingsTopology(vhost.amqpUrl(), 'readback');
  const adminUrl = vhost.amqpUrl();
  const deviceUrl = new URL(vhost.amqpUrl(username, 'devpass'));
  deviceUrl.username = '';
  deviceUrl.password = '';
  const start = Math.floor(Date.now() / 60_000) * 60 - 6 * 3600;
  const child = startDaemon({
    amqpUrl: deviceUrl.toString(),
    username,
    password: 'devpass',
    outboxPath: tempOutboxPath(),
    metricsPort: await freePort(),
    simClockStart: start,
    sockets: 6,
  });
  try {
    await waitFor(async () => (await queueDepth(adminUrl, 'readback')) >= 6, 60_000, '6 batches');
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
  const received = decodeAll(await drainQueue(adminUrl, 'readback'));
  for (const { msg, batch } of received) {
    assert.equal(msg.fields.routingKey, username);
    assert.equal(msg.fields.exchange, 'energy.readings');
    assert.equal(msg.properties.userId, username);
    assert.equal(msg.properties.contentType, 'application/x-protobuf');
    assert.equal(msg.properties.type, 'energy.v1.ReadingBatch');
    assert.equal(msg.properties.deliveryMode, 2);
    assert.equal(msg.properties.messageId, `${batch.bootId.toString(16).padStart(8, '0')}-${batch.seq}`);
    assert.equal(msg.properties.timestamp, batch.endUnixS);
    assert.equal(batch.endUnixS % 60, 0, 'aligned to the minute');
    assert.ok(batch.endUnixS <= Date.now() / 1000, 'never stamped ahead of now');
    assert.deepEqual(
      batch.readings.map((r) => r.socket),
      [0, 1, 2, 3, 4, 5],
    );
  }
  const boots = byBoot(received);
  assert.equal(boots.size, 1);
  const batches = [...boots.values()][0] ?? [];
  assert.equal(batches[0]?.seq, 1);
  assertExactBatches(batches, new HouseholdSimulator({ seed: 5, householdId: hh, deviceId: 'pi1' }));
});
