import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createVhost, testRabbitMQ } from '@energy/lib/testkit/index';
import { createLogger } from '@energy/lib/logger';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { decodeReadingBatch } from '@energy/lib/reading-batch';
import type { FleetManifest } from '@energy/lib/fleet-manifest';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { FleetRunner } from '../src/fleet-runner.js';
import { createExporterMetrics } from '../src/metrics.js';
import { AmqpPublisher } from '../src/publisher.js';
import { declareReadingsTopology, drainQueue } from './rabbit-helpers.js';

const log = createLogger('fleet-test', 'warn');

test('fleet backfills every device-minute as the gateway, with exact counters', async () => {
  await testRabbitMQ();
  const vhost = await createVhost('fleet');
  after(() => vhost.delete());
  const gateway = 'gw-testfleet';
  await vhost.addUser(gateway, 'gw-secret', { configure: '^$', write: `^${READINGS_EXCHANGE}$`, read: '^$' });
  await declareReadingsTopology(vhost.amqpUrl(), 'readback');
  const manifest: FleetManifest = {
    gateway: { username: gateway, password: 'gw-secret' },
    households: [
      { householdId: 'hA', timeZone: 'Europe/Berlin', devices: [{ deviceId: 'pi1', sockets: 30 }] },
      {
        householdId: 'hB',
        timeZone: 'UTC',
        devices: [
          { deviceId: 'pi1', sockets: 4 },
          { deviceId: 'pi2', sockets: 2 },
        ],
      },
    ],
  };
  const metrics = createExporterMetrics();
  const sinks = [0, 1].map(
    (i) =>
      new AmqpPublisher({
        url: vhost.amqpUrl(gateway, 'gw-secret'),
        exchange: READINGS_EXCHANGE,
        log,
        metrics,
        name: `t${i}`,
      }),
  );
  for (const s of sinks) s.start();
  // A frozen clock in the past: only the backfill is due, never a minute after "now".
  const nowS = Math.floor(Date.now() / 1000 / 60) * 60 - 3600 + 30;
  const runner = new FleetRunner({
    manifest,
    seed: 42,
    sinks,
    backfillHours: 0.5,
    backfillRate: 10_000,
    retryLimit: 1000,
    log,
    metrics,
    nowS: () => nowS,
  });
  const running = runner.run();
  while (!runner.backfillDone) await new Promise((r) => setTimeout(r, 20));
  assert.ok(await runner.settle());
  runner.stop();
  await running;
  await Promise.all(sinks.map((s) => s.close()));

  const msgs = await drainQueue(vhost.amqpUrl(), 'readback');
  assert.equal(msgs.length, 3 * 30);
  const startMinute = Math.floor(nowS / 60) - 30;
  const byKey = new Map<string, ReturnType<typeof decodeReadingBatch>[]>();
  for (const m of msgs) {
    assert.equal(m.properties.userId, gateway);
    assert.equal(m.properties.contentType, 'application/x-protobuf');
    assert.equal(m.properties.type, 'energy.v1.ReadingBatch');
    assert.equal(m.properties.deliveryMode, 2);
    const b = decodeReadingBatch(m.content);
    assert.equal(m.properties.messageId, `${b.bootId.toString(16).padStart(8, '0')}-${b.seq}`);
    assert.equal(m.properties.timestamp, b.endUnixS);
    assert.ok(b.endUnixS <= nowS, 'never after now');
    const list = byKey.get(m.fields.routingKey) ?? [];
    list.push(b);
    byKey.set(m.fields.routingKey, list);
  }
  assert.deepEqual([...byKey.keys()].sort(), ['hA.pi1', 'hB.pi1', 'hB.pi2']);
  for (const [key, batches] of byKey) {
    const [hh, dev] = key.split('.') as [string, string];
    const sim = new HouseholdSimulator({
      seed: 42,
      householdId: hh,
      deviceId: dev,
      timeZone: hh === 'hA' ? 'Europe/Berlin' : 'UTC',
    });
    batches.sort((a, b) => a.seq - b.seq);
    assert.equal(new Set(batches.map((b) => b.bootId)).size, 1);
    batches.forEach((b, i) => {
      assert.equal(b.seq, i + 1);
      assert.equal(b.endUnixS, (startMinute + i + 1) * 60);
      for (const r of b.readings) {
        assert.equal(r.energyJoules, sim.energyJoules(r.socket, startMinute * 60, b.endUnixS));
        assert.equal(r.powerWatts, sim.minuteDeciwatts(r.socket, startMinute + i) / 10);
      }
    });
  }
});
