import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createVhost, freePort, testRabbitMQ } from '@energy/lib/testkit/index';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
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
import { assertExactBatches } from './exact.js';

test('exporter SIGKILLed mid-publish and restarted: nothing lost, a duplicate at most; new boot id, counter restarts', async () => {
  await testRabbitMQ();
  const vhost = await createVhost('exporter-kill');
  after(() => vhost.delete());
  const username = 'hkill.pi1';
  await vhost.addUser(username, 'devpass', DEVICE_PERMS);
  const adminUrl = vhost.amqpUrl();
  await declareReadingsTopology(adminUrl, 'readback');
  const url = new URL(vhost.amqpUrl());
  url.username = '';
  url.password = '';
  const outboxPath = tempOutboxPath();
  const base = { amqpUrl: url.toString(), username, password: 'devpass', outboxPath } as const;
  const start1 = Math.floor(Date.now() / 60_000) * 60 - 24 * 3600;
  const first = startDaemon({ ...base, metricsPort: await freePort(), simClockStart: start1 });
  await waitFor(
    async () => (await queueDepth(adminUrl, 'readback')) >= 5,
    60_000,
    'batches of the first boot',
  );
  first.kill('SIGKILL');
  await exited(first);
  const afterKill = decodeAll(await drainQueue(adminUrl, 'readback'));
  const lastEnd = Math.max(...afterKill.map((r) => r.batch.endUnixS));
  // The second boot starts later in (simulated) time, as a real restart would.
  const second = startDaemon({ ...base, metricsPort: await freePort(), simClockStart: lastEnd + 600 });
  try {
    await waitFor(
      async () => (await queueDepth(adminUrl, 'readback')) >= 5,
      60_000,
      'batches of the second boot',
    );
  } finally {
    second.kill('SIGTERM');
    await exited(second);
  }
  const received = [...afterKill, ...decodeAll(await drainQueue(adminUrl, 'readback'))];
  const boots = byBoot(received);
  assert.equal(boots.size, 2, 'the restart began a new boot id');
  const [boot1, boot2] = [...boots.values()].sort((a, b) => (a[0]?.endUnixS ?? 0) - (b[0]?.endUnixS ?? 0));
  assert.ok(boot1 && boot2);
  const sim = new HouseholdSimulator({ seed: 5, householdId: 'hkill', deviceId: 'pi1' });
  // Boot 1: every batch it stored arrived (the last ones replayed by boot 2 from the outbox).
  assert.deepEqual(
    boot1.map((b) => b.seq),
    Array.from({ length: boot1.length }, (_, i) => i + 1),
  );
  assertExactBatches(boot1, sim);
  assert.equal(boot2[0]?.seq, 1);
  const last1 = boot1.at(-1)?.readings[0]?.energyJoules ?? 0;
  const first2 = boot2[0]?.readings[0]?.energyJoules ?? 0;
  assert.ok(first2 < last1, `counter restarted (${first2} < ${last1})`);
  assert.ok(first2 <= sim.energyJoules(0, (boot2[0]?.endUnixS ?? 0) - 60, boot2[0]?.endUnixS ?? 0));
  assertExactBatches(boot2, sim);
  const dups = received.length - boot1.length - boot2.length;
  process.stdout.write(
    `# fault exporter-sigkill: boot1 ${boot1.length} batches, boot2 ${boot2.length}, lost 0, duplicates ${dups}\n`,
  );
});
