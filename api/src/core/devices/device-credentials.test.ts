import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDevice, type DeviceCreationDeps } from './device-credentials.js';

const store: DeviceCreationDeps['store'] = {
  device: () => Promise.resolve(undefined),
  createDevice: () => Promise.resolve(),
} as unknown as DeviceCreationDeps['store'];
const now = () => new Date(0);

test('a new device is told every node of the broker cluster, the first as its url', async () => {
  const c = await createDevice(
    { store, now, brokerUrl: 'amqp://lb:5672', brokerUrls: ['amqp://n1:5672', 'amqp://n2:5672'] },
    'h1',
    'Pi',
    'd1',
  );
  assert.deepEqual(c.broker.urls, ['amqp://n1:5672', 'amqp://n2:5672']);
  assert.equal(c.broker.url, 'amqp://n1:5672');
  assert.equal(c.broker.username, 'h1.d1');
  const single = await createDevice({ store, now, brokerUrl: 'amqp://b:5672' }, 'h1', 'Pi', 'd2');
  assert.deepEqual(single.broker.urls, ['amqp://b:5672']);
  assert.equal(single.broker.url, 'amqp://b:5672');
});
