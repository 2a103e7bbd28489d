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
  // The device reports what it went through: the two refusals, and the backfill still waiting.
  const decoded = s.sent.map((b) => decodeReadingBatch(b.body));
  assert.equal(
    decoded.reduce((n, b) => n + (b.publishRetries ?? 0), 0),
    2,
    'each refused publish reported once, on a later confirmed batch',
  );
  assert.ok((decoded[0]?.outboxBacklog ?? 0) >= 50, `the first backfill batch states the hour waiting`);
});

test('fleet watermark: never past a batch unconfirmed or not yet backfilled; complete up to now once all is confirmed', async () => {
  const start = 1_800_000_000 - (1_800_000_000 % 60) + 30;
  let now = start;
  const firstEnd = Math.floor(start / 60) * 60 - 30 * 60 + 60; // backfill: the 30 minutes before the start
  const confirmed = new Set<number>();
  const violations: string[] = [];
  const stated: { end: number; until: number }[] = [];
  let publishes = 0;
  const s: BatchSink = {
    connected: true,
    waitReady: () => Promise.resolve(true),
    publish(b): Promise<PublishOutcome> {
      const { endUnixS: end, completeUntilS: until = 0 } = decodeReadingBatch(b.body);
      stated.push({ end, until });
      for (let e = firstEnd; e <= until; e += 60) {
        if (e !== end && !confirmed.has(e))
          violations.push(`batch ${end} states ${until}; ${e} is not confirmed`);
      }
      const lost = ++publishes % 4 === 0;
      return new Promise((resolve) =>
        setTimeout(() => {
          if (!lost) confirmed.add(end);
          resolve(lost ? 'connection-lost' : 'confirmed');
        }, Math.random() * 10),
      );
    },
  };
  const runner = new FleetRunner({
    manifest,
    seed: 1,
    sinks: [s],
    backfillHours: 0.5,
    backfillRate: 100,
    retryLimit: 100,
    log: createLogger('t', 'warn'),
    metrics: createExporterMetrics(),
    nowS: () => now,
    // The clock is the test's: idle waits need not last the real second the runner would sleep.
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
  });
  const running = runner.run();
  await new Promise((r) => setTimeout(r, 50));
  now += 60; // the first live minute is due while the backfill runs
  const deadline = Date.now() + 10_000;
  while (!(runner.backfillDone && (await runner.settle(100))) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  now += 60; // one more live minute, with nothing else waiting
  const liveEnd = Math.floor(now / 60) * 60;
  while (!confirmed.has(liveEnd) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  runner.stop();
  await running;

  assert.deepEqual(violations, []);
  const firstLive = stated.find((x) => x.end > start);
  assert.ok(firstLive && firstLive.until < firstEnd + 30 * 60, 'the live minute does not claim the backfill');
  assert.deepEqual(stated.at(-1), { end: liveEnd, until: liveEnd }, 'complete up to the newest minute');
});
