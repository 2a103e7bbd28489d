import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@energy/lib/logger';
import { decodeReadingBatch } from '@energy/lib/reading-batch';
import { FleetRunner, type BatchSink } from './fleet-runner.js';
import { createExporterMetrics } from './metrics.js';
import type { OutgoingBatch, PublishOutcome } from './publisher.js';

/** An in-memory sink: records what would go to the broker; can refuse the first publishes. */
function sink(failFirst = 0): BatchSink & { sent: OutgoingBatch[] } {
  let fails = failFirst;
  const sent: OutgoingBatch[] = [];
  return {
    sent,
    connected: true,
    waitReady: () => Promise.resolve(true),
    publish(b): Promise<PublishOutcome> {
      if (fails > 0) {
        fails--;
        return Promise.resolve('connection-lost');
      }
      sent.push(b);
      return Promise.resolve('confirmed');
    },
  };
}

const manifest = {
  gateway: { username: 'gw-unit', password: 'x' },
  households: [{ householdId: 'h1', timeZone: 'UTC', devices: [{ deviceId: 'd1', sockets: 3 }] }],
};

test('fleet clock: live minutes only once they are over, first before backfill; failed publishes retried', async () => {
  const s = sink(2);
  let now = 1_800_000_000 + 30; // half a minute into a minute
  const runner = new FleetRunner({
    manifest,
    seed: 1,
    sinks: [s],
    backfillHours: 1,
    backfillRate: 5, // slow: the live minute must overtake it
    retryLimit: 100,
    log: createLogger('t', 'warn'),
    metrics: createExporterMetrics(),
    nowS: () => now,
  });
  const running = runner.run();
  await new Promise((r) => setTimeout(r, 300));
  const liveEnd = (Math.floor(now / 60) + 1) * 60;
  assert.ok(
    s.sent.every((b) => decodeReadingBatch(b.body).endUnixS <= now),
    'nothing after now',
  );
  now = liveEnd + 1;
  const deadline = Date.now() + 10_000;
  while (!s.sent.some((b) => decodeReadingBatch(b.body).endUnixS === liveEnd) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  runner.stop();
  await running;
  const ends = s.sent.map((b) => decodeReadingBatch(b.body).endUnixS);
  assert.ok(ends.includes(liveEnd), 'the live minute went out');
  assert.ok(ends.filter((e) => e < liveEnd - 60).length < 60, 'the backfill is still going (rate-limited)');
  assert.ok(ends.every((e) => e <= now));
  for (const b of s.sent) {
    assert.equal(b.userId, 'gw-unit');
    assert.equal(b.routingKey, 'h1.d1');
  }
  // The two refused publishes came back: no gap in the backfill epoch's sequence.
  const backfill = s.sent.map((b) => decodeReadingBatch(b.body)).filter((b) => b.endUnixS < liveEnd);
  const seqs = backfill.map((b) => b.seq).sort((a, b) => a - b);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
  );
});
