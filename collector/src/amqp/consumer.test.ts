import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVhost, testRabbitMQ, testVictoriaMetrics, uniqueName } from '@energy/lib/testkit/index';
import { httpGatewayDeviceLister } from '../api-client/gateway-device-lister.js';
import {
  body,
  drainDeadLetters,
  expectedSamples,
  makeBatch,
  openPublisher,
  queueDepth,
  startTestCollector,
  storedSamples,
  waitFor,
} from '../test-support.js';
import { DEAD_LETTER_QUEUE, shardQueueNames } from './topology.js';

const T0 = Math.floor(Date.now() / 1000 / 60) * 60 - 6 * 3600;

async function setup(prefix: string) {
  const rabbit = await testRabbitMQ();
  const vm = await testVictoriaMetrics();
  const vhost = await createVhost(prefix);
  const hh = uniqueName('hh');
  const device = `${hh}.pi`;
  await vhost.addUser(device, 'pw');
  const drained = (queues: string[], dead: number) =>
    waitFor(
      'queues drained',
      async () => ({
        left: await Promise.all(
          queues.map((q) => queueDepth(rabbit.managementUrl, rabbit.admin, vhost.name, q)),
        ),
        dead: await queueDepth(rabbit.managementUrl, rabbit.admin, vhost.name, DEAD_LETTER_QUEUE),
      }),
      (v) => v.left.every((n) => n === 0) && v.dead === dead,
    );
  return { rabbit, vm, vhost, hh, device, drained };
}

test('every reading round-trips exactly, acked after VictoriaMetrics answered', async () => {
  const { vm, vhost, hh, device, drained } = await setup('coll-rt');
  const c = await startTestCollector(vhost.amqpUrl(), vm.url);
  const pub = await openPublisher(vhost.amqpUrl(device, 'pw'), device);
  const batches = Array.from({ length: 120 }, (_, i) => makeBatch(i, T0 + i * 60));
  for (const b of batches) await pub.publish(device, body(b));
  await drained(['energy.readings.q'], 0);
  await vm.forceFlush();
  assert.deepEqual(await storedSamples(vm.url, hh), expectedSamples('pi', batches));
  // Two per reading, and seq 1 (an epoch's first batch) adds its 30 sockets' counters at zero.
  assert.equal(await c.metrics.samplesWritten.get().then((m) => m.values[0]?.value), 120 * 60 + 30);
  await pub.close();
  await c.stop();
  await vhost.delete();
});

test('bad messages go to the dead-letter queue with their reason; every good one is stored; the collector keeps going', async () => {
  const { rabbit, vm, vhost, hh, device, drained } = await setup('coll-bad');
  // The API's internal endpoint, as a test double of the peer service.
  const gateway = uniqueName('gw-test');
  const secret = 's3cret';
  const api = createServer((req, res) => {
    const ok = req.url === `/internal/gateways/${gateway}/devices?key=${secret}`;
    res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { devices: [`${hh}.flat1`] } : { error: { code: 'forbidden' } }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  await vhost.addUser(gateway, 'pw');
  const c = await startTestCollector(vhost.amqpUrl(), vm.url, {
    gatewayDevices: httpGatewayDeviceLister(apiUrl, secret),
  });
  const dev = await openPublisher(vhost.amqpUrl(device, 'pw'), device);
  const gw = await openPublisher(vhost.amqpUrl(gateway, 'pw'), gateway);
  const admin = await openPublisher(vhost.amqpUrl(), rabbit.admin.username);

  const good = [];
  const gwGood = [];
  const expectReasons: string[] = [];
  for (let i = 0; i < 40; i++) {
    const b = makeBatch(i, T0 + i * 60);
    good.push(b);
    await dev.publish(device, body(b));
    const g = makeBatch(i, T0 + i * 60, 4, 7);
    gwGood.push(g);
    await gw.publish(`${hh}.flat1`, body(g));
    switch (i % 8) {
      case 0:
        await dev.publish(device, Buffer.from('not a protobuf at all \xff\xff\xff'));
        expectReasons.push('decode_error');
        break;
      case 1:
        await dev.publish(device, Buffer.alloc(5000, 1));
        expectReasons.push('oversized');
        break;
      case 2: {
        const b2 = makeBatch(1000 + i, T0 + i * 60 + 30);
        await dev.publish(
          device,
          body({ ...b2, readings: [{ socket: 3, powerWatts: 150_000, energyJoules: 1 }] }),
        );
        expectReasons.push('power_out_of_range');
        break;
      }
      case 3:
        await dev.publish(device, body(makeBatch(2000 + i, Math.floor(Date.now() / 1000) + 3600)));
        expectReasons.push('timestamp_in_future');
        break;
      case 4:
        // The admin is a real login, but not this device: forged identity.
        await admin.publish(device, body(makeBatch(3000 + i, T0 + i * 60 + 10)));
        expectReasons.push('user_id_mismatch');
        break;
      case 5:
        await gw.publish(`${hh}.not-mine`, body(makeBatch(i, T0 + i * 60)));
        expectReasons.push('gateway_device_not_listed');
        break;
      case 6:
        await admin.publish(device, body(makeBatch(4000 + i, T0 + i * 60 + 20)), { userId: null });
        expectReasons.push('missing_user_id');
        break;
      case 7:
        // Counter going backwards at a higher seq within the same boot id.
        await dev.publish(
          device,
          body({
            ...makeBatch(i, T0 + i * 60 + 40),
            seq: i + 100_000,
            readings: [{ socket: 0, powerWatts: 1, energyJoules: 0 }],
          }),
        );
        expectReasons.push('counter_backwards');
        break;
    }
  }
  await drained(['energy.readings.q'], expectReasons.length);
  await vm.forceFlush();
  const want = new Map([...expectedSamples('pi', good), ...expectedSamples('flat1', gwGood)]);
  assert.deepEqual(await storedSamples(vm.url, hh), want);

  const dead = await drainDeadLetters(vhost.amqpUrl());
  const reasons = dead.map((m) => String(m.properties.headers?.['x-reject-reason']));
  assert.deepEqual(reasons.sort(), expectReasons.sort());
  for (const m of dead) assert.ok(String(m.properties.headers?.['x-reject-detail']).length > 0);
  const forged = dead.find((m) => m.properties.headers?.['x-reject-reason'] === 'user_id_mismatch');
  assert.equal(forged?.properties.headers?.['x-original-user-id'], rabbit.admin.username);
  const rejected = await c.metrics.rejected.get();
  assert.equal(
    rejected.values.reduce((n, v) => n + v.value, 0),
    expectReasons.length,
  );
  assert.ok(c.collector.ready, 'the collector still consumes');

  // And it still takes good input afterwards.
  const late = makeBatch(200, T0 + 200 * 60);
  await dev.publish(device, body(late));
  await drained(['energy.readings.q'], 0);
  await vm.forceFlush();
  assert.equal((await storedSamples(vm.url, hh)).size, want.size + 60);

  await Promise.all([dev.close(), gw.close(), admin.close()]);
  await c.stop();
  api.close();
  await vhost.delete();
});

test('several collectors on one queue, and sharded queues behind a consistent-hash exchange', async () => {
  for (const shards of [0, 4]) {
    const { vm, vhost, hh, drained } = await setup(`coll-shards${shards}`);
    const topology = { queue: 'energy.readings.q', shards, deliveryLimit: 20 };
    const queues = shardQueueNames(topology);
    // Two collectors: on one queue both consume it; sharded, each takes half the shards.
    const half = Math.ceil(queues.length / 2);
    const a = await startTestCollector(vhost.amqpUrl(), vm.url, {
      topology,
      consumeQueues: shards === 0 ? queues : queues.slice(0, half),
    });
    const b = await startTestCollector(vhost.amqpUrl(), vm.url, {
      topology,
      consumeQueues: shards === 0 ? queues : queues.slice(half),
    });
    const devices = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7'];
    const pubs = [];
    const expected = new Map<string, number>();
    for (const d of devices) {
      await vhost.addUser(`${hh}.${d}`, 'pw');
      const p = await openPublisher(vhost.amqpUrl(`${hh}.${d}`, 'pw'), `${hh}.${d}`);
      pubs.push(p);
      const batches = Array.from({ length: 30 }, (_, i) => makeBatch(i, T0 + i * 60));
      for (const bt of batches) await p.publish(`${hh}.${d}`, body(bt));
      for (const [k, v] of expectedSamples(d, batches)) expected.set(k, v);
    }
    await drained(queues, 0);
    await vm.forceFlush();
    assert.deepEqual(await storedSamples(vm.url, hh), expected);
    const consumedA = (await a.metrics.consumed.get()).values[0]?.value ?? 0;
    const consumedB = (await b.metrics.consumed.get()).values[0]?.value ?? 0;
    assert.equal(consumedA + consumedB, devices.length * 30);
    if (shards > 0) assert.ok(consumedA > 0 && consumedB > 0, 'both shard halves got messages');
    await Promise.all(pubs.map((p) => p.close()));
    await a.stop();
    await b.stop();
    await vhost.delete();
  }
});
