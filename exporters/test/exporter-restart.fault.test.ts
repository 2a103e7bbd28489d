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
import { assertNoEnergyLost } from './exact.js';
import { outboxBatches } from './outbox-reader.js';

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

test('exporter SIGKILLed twice (once mid-replay) and restarted: one epoch, no batch and no joule lost; a Pi reboot whose chip lost power begins a new epoch from zero', async () => {
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
  const t0 = Math.floor(Date.now() / 60_000) * 60 - 24 * 3600;
  // The simulated chip powered on at t0 and keeps power (and its count) while the daemon restarts.
  const base = { username, password: 'devpass', outboxPath, powerOnS: t0 } as const;

  // Boot 1 cannot reach the broker: its batches pile up in the outbox.
  const boot1 = startDaemon({
    ...base,
    amqpUrl: 'amqp://127.0.0.1:1/',
    metricsPort: await freePort(),
    simClockStart: t0,
  });
  await waitFor(() => Promise.resolve(safeDepth(outboxPath) >= 8), 60_000, 'a backlog in the outbox');
  boot1.kill('SIGKILL');
  await exited(boot1);
  const backlog = outboxBatches(outboxPath);

  // Restart 1, an hour later on the simulated clock: replays slowly and is killed in the middle of it.
  const boot2 = startDaemon({
    ...base,
    amqpUrl: url.toString(),
    metricsPort: await freePort(),
    simClockStart: t0 + 3600,
    extra: { REPLAY_RATE: '2' },
  });
  await waitFor(async () => (await queueDepth(adminUrl, 'readback')) >= 4, 60_000, 'part of the replay');
  boot2.kill('SIGKILL');
  await exited(boot2);
  const left = outboxBatches(outboxPath).length;

  // Restart 2 finishes the job.
  const boot3 = startDaemon({
    ...base,
    amqpUrl: url.toString(),
    metricsPort: await freePort(),
    simClockStart: t0 + 7200,
  });
  try {
    await waitFor(() => Promise.resolve(safeDepth(outboxPath) === 0), 60_000, 'the outbox to empty');
    await waitFor(
      async () => (await queueDepth(adminUrl, 'readback')) >= backlog.length + 6,
      60_000,
      'boot 3 batches',
    );
  } finally {
    boot3.kill('SIGTERM');
    await exited(boot3);
  }
  const received = decodeAll(await drainQueue(adminUrl, 'readback'));
  const boots = [...byBoot(received).values()];
  assert.equal(boots.length, 1, 'the restarts continued the epoch: one boot id');
  const batches = boots[0] ?? [];
  const seqs = new Set([...batches.map((b) => b.seq), ...outboxBatches(outboxPath).map((b) => b.seq)]);
  assert.deepEqual(
    [...seqs].sort((a, b) => a - b),
    oneTo(seqs.size),
    'seq continues across restarts, no batch lost',
  );
  const sim = new HouseholdSimulator({ seed: 5, householdId: 'hkill', deviceId: 'pi1' });
  const sums = assertNoEnergyLost(batches, sim);
  const first = batches[0];
  const last = batches.at(-1);
  assert.ok(first && last && last.endUnixS > t0 + 7200, 'batches span both restarts');
  for (const socket of [0, 1, 2, 3]) {
    // The stored increases add up to the simulated meter's truth over the whole span, downtimes included.
    assert.equal(sums.get(socket)?.stored, sim.energyJoules(socket, first.endUnixS, last.endUnixS));
  }
  const dups = received.length - batches.length;
  assert.ok(dups <= 2 * 200, 'duplicates bounded by what was in flight');

  // A Pi reboot where the chip lost power: its count restarts below the persisted one.
  const boot4 = startDaemon({
    username,
    password: 'devpass',
    outboxPath,
    amqpUrl: url.toString(),
    metricsPort: await freePort(),
    simClockStart: t0 + 10_800,
  });
  try {
    await waitFor(async () => (await queueDepth(adminUrl, 'readback')) >= 2, 60_000, 'boot 4 batches');
  } finally {
    boot4.kill('SIGTERM');
    await exited(boot4);
  }
  const rebooted = [...byBoot(decodeAll(await drainQueue(adminUrl, 'readback'))).values()];
  assert.equal(rebooted.length, 1);
  const b4 = rebooted[0] ?? [];
  assert.notEqual(b4[0]?.bootId, first.bootId, 'a new epoch after the chip lost power');
  assert.equal(b4[0]?.seq, 1, 'seq restarts with the epoch');
  for (const r of b4[0]?.readings ?? []) {
    assert.ok(r.energyJoules <= r.powerWatts * 60 + 1, `socket ${r.socket}: counter from zero`);
  }
  assertNoEnergyLost(b4, sim);
  process.stdout.write(
    `# fault exporter-restart: backlog ${backlog.length}, left after kill mid-replay ${left}, one epoch of ${batches.length} batches over ${(last.endUnixS - first.endUnixS) / 60} min, lost 0 J, duplicates ${dups}\n`,
  );
});

function safeDepth(path: string): number {
  try {
    return outboxBatches(path).length;
  } catch {
    return 0; // not created yet
  }
}
