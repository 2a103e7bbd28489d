import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  freePort,
  startRabbitMQ,
  type RabbitMQHandle,
  type RabbitMQOptions,
} from '@energy/lib/services/index';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { declareReadingsTopology, drainQueue, queueDepth } from './rabbit-helpers.js';
import { byBoot, decodeAll, exited, startDaemon, tempOutboxPath, waitFor } from './daemon-helpers.js';
import { metricValue, outboxBatches } from './outbox-reader.js';
import { assertExactBatches } from './exact.js';

const OUTAGE_S = Number(process.env.FAULT_OUTAGE_SECONDS ?? 60);

test(`broker blocks, then stops for ${OUTAGE_S} s: the exporter keeps sampling, every batch arrives afterwards`, async () => {
  const baseDir = mkdtempSync('/tmp/energy-exporter-fault-');
  const opts: RabbitMQOptions = {
    baseDir,
    nodeName: `energy-exporter-fault-${randomBytes(3).toString('hex')}@localhost`,
    amqpPort: await freePort(),
    distPort: await freePort(),
    managementPort: await freePort(),
    prometheusPort: await freePort(),
  };
  let broker: RabbitMQHandle | undefined = await startRabbitMQ(opts);
  const username = 'hfault.pi1';
  const metricsPort = await freePort();
  const outboxPath = tempOutboxPath();
  let child: ReturnType<typeof startDaemon> | undefined;
  try {
    await broker.ctl(['add_user', username, 'devpass']);
    await broker.ctl(['set_permissions', '-p', '/', username, '^$', '^energy\\.readings$', '^$']);
    const adminUrl = broker.amqpUrl('/');
    await declareReadingsTopology(adminUrl, 'readback');
    child = startDaemon({
      amqpUrl: `amqp://127.0.0.1:${opts.amqpPort}/`,
      username,
      password: 'devpass',
      outboxPath,
      metricsPort,
      simClockStart: Math.floor(Date.now() / 60_000) * 60 - 12 * 3600,
    });
    await waitFor(async () => (await queueDepth(adminUrl, 'readback')) >= 3, 60_000, 'first batches');
    // A resource alarm first: the broker blocks publishers; the exporter waits instead of pushing into it.
    await broker.ctl(['set_disk_free_limit', '1000GB']);
    await waitFor(
      async () => (await metricValue(metricsPort, 'exporter_amqp_blocked')) === 1,
      60_000,
      'connection.blocked',
    );
    await new Promise((r) => setTimeout(r, 3000));
    await broker.ctl(['set_disk_free_limit', '50MB']);
    await waitFor(
      async () => (await metricValue(metricsPort, 'exporter_amqp_blocked')) === 0,
      60_000,
      'connection.unblocked',
    );
    await broker.stop();
    broker = undefined;
    const builtBefore = await metricValue(metricsPort, 'exporter_batches_built_total');
    await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
    const builtDuring = (await metricValue(metricsPort, 'exporter_batches_built_total')) - builtBefore;
    assert.ok(builtDuring >= OUTAGE_S / 2, `kept sampling: ${builtDuring} batches built during the outage`);
    assert.ok(
      (await metricValue(metricsPort, 'exporter_outbox_batches')) >= builtDuring - 1,
      'held in the outbox',
    );
    broker = await startRabbitMQ(opts);
    const target = builtBefore + builtDuring;
    await waitFor(
      async () => (await metricValue(metricsPort, 'exporter_batches_published_total')) >= target,
      180_000,
      'the backlog to be published',
    );
    child.kill('SIGTERM');
    await exited(child);
    child = undefined;
    const received = decodeAll(await drainQueue(broker.amqpUrl('/'), 'readback'));
    const left = outboxBatches(outboxPath);
    const boots = byBoot(received);
    assert.equal(boots.size, 1);
    const batches = [...boots.values()][0] ?? [];
    const maxSeq = Math.max(...batches.map((b) => b.seq), ...left.map((b) => b.seq));
    const have = new Set([...batches.map((b) => b.seq), ...left.map((b) => b.seq)]);
    for (let s = 1; s <= maxSeq; s++) assert.ok(have.has(s), `batch ${s} lost`);
    assert.ok(batches.length >= target, `${batches.length} received of ${target}`);
    assertExactBatches(batches, new HouseholdSimulator({ seed: 5, householdId: 'hfault', deviceId: 'pi1' }));
    process.stdout.write(
      `# fault broker-outage: outage ${OUTAGE_S}s, built during ${builtDuring}, received ${batches.length}, lost 0, duplicates ${received.length - batches.length}\n`,
    );
  } finally {
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (broker) await broker.stop();
    rmSync(baseDir, { recursive: true, force: true });
  }
});
