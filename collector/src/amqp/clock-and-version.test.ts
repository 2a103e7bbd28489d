import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testRabbitMQ, testVictoriaMetrics, createVhost, uniqueName } from '@energy/lib/testkit/index';
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
import { DEAD_LETTER_QUEUE } from './topology.js';

const NOW = Math.floor(Date.now() / 1000 / 60) * 60;

/** Field 99, varint 7: a field a newer device might add that this collector has never heard of. */
function withUnknownField(bytes: Buffer): Buffer {
  const tag = (99 << 3) | 0;
  return Buffer.concat([bytes, Buffer.from([(tag & 0x7f) | 0x80, tag >> 7, 7])]);
}

test('a wrong clock and a future device: dead-lettered with their reasons and counted; an unknown field is ignored; good batches of the same run stored', async () => {
  const rabbit = await testRabbitMQ();
  const vm = await testVictoriaMetrics();
  const vhost = await createVhost('coll-clock');
  const hh = uniqueName('hh');
  const device = `${hh}.pi`;
  await vhost.addUser(device, 'pw');
  const c = await startTestCollector(vhost.amqpUrl(), vm.url);
  const pub = await openPublisher(vhost.amqpUrl(device, 'pw'), device);

  const good = [makeBatch(1, NOW - 600, 3), makeBatch(2, NOW - 540, 3)];
  const unknown = makeBatch(3, NOW - 480, 3);
  const expectReasons = ['timestamp_too_old', 'timestamp_in_future', 'unsupported_version'];
  await pub.publish(device, body(good[0] as ReturnType<typeof makeBatch>));
  // A Pi before its clock synced (fake-hwclock a year behind), and one an hour ahead.
  await pub.publish(device, body(makeBatch(100, NOW - 365 * 86_400, 3)));
  await pub.publish(device, body(makeBatch(101, NOW + 3600, 3)));
  // A "future" device: its batch needs a collector that understands version 2.
  await pub.publish(device, body({ ...makeBatch(102, NOW - 420, 3), minCollectorVersion: 2 }));
  await pub.publish(device, withUnknownField(body(unknown)));
  await pub.publish(device, body(good[1] as ReturnType<typeof makeBatch>));

  await waitFor(
    'queue drained',
    async () => ({
      left: await queueDepth(rabbit.managementUrl, rabbit.admin, vhost.name, 'energy.readings.q'),
      dead: await queueDepth(rabbit.managementUrl, rabbit.admin, vhost.name, DEAD_LETTER_QUEUE),
    }),
    (v) => v.left === 0 && v.dead === expectReasons.length,
  );
  await vm.forceFlush();
  assert.deepEqual(await storedSamples(vm.url, hh), expectedSamples('pi', [...good, unknown]));

  const dead = await drainDeadLetters(vhost.amqpUrl());
  assert.deepEqual(
    dead.map((m) => String(m.properties.headers?.['x-reject-reason'])).sort(),
    [...expectReasons].sort(),
  );
  const version = dead.find((m) => m.properties.headers?.['x-reject-reason'] === 'unsupported_version');
  assert.match(String(version?.properties.headers?.['x-reject-detail']), /version 2.*up to 1/);
  const counted = new Map((await c.metrics.rejected.get()).values.map((v) => [v.labels.reason, v.value]));
  for (const r of expectReasons) assert.equal(counted.get(r), 1, r);

  await pub.close();
  await c.stop();
  await vhost.delete();
});
