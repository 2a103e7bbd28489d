import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '@energy/lib/logger';
import { decodeReadingBatch, encodeReadingBatch } from '@energy/lib/reading-batch';
import { createExporterMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { OutboxPump } from './outbox-pump.js';
import type { OutgoingBatch, PublishOutcome } from './publisher.js';

const body = (endUnixS: number): Uint8Array =>
  encodeReadingBatch({
    bootId: 1,
    seq: endUnixS / 60,
    endUnixS,
    intervalS: 60,
    readings: [{ socket: 0, powerWatts: 1, energyJoules: endUnixS }],
  });

test('the stated watermark never passes a batch still waiting, and reaches the newest once nothing waits', async () => {
  const outbox = new Outbox({ path: join(mkdtempSync(join(tmpdir(), 'pump-')), 'o.sqlite') });
  const hour = 1_800_000_000 - (1_800_000_000 % 3600);
  const made = new Map<string, number>(); // messageId → end
  const confirmed = new Set<string>();
  const store = (end: number): number => {
    const messageId = `m-${end}`;
    made.set(messageId, end);
    return outbox.add(messageId, end, body(end), end);
  };
  // The old hour waits in the outbox (the broker was away).
  for (let end = hour + 60; end <= hour + 3600; end += 60) store(end);
  const violations: string[] = [];
  const stated: { end: number; until: number }[] = [];
  const backlogs: number[] = [];
  let retriesStated = 0;
  let lostCount = 0;
  let publishes = 0;
  const sink = {
    waitReady: () => Promise.resolve(true),
    publish(b: OutgoingBatch): Promise<PublishOutcome> {
      const batch = decodeReadingBatch(b.body);
      const until = batch.completeUntilS ?? 0;
      stated.push({ end: batch.endUnixS, until });
      backlogs.push(batch.outboxBacklog ?? 0);
      for (const [id, end] of made) {
        if (id !== b.messageId && end <= until && !confirmed.has(id)) {
          violations.push(`${b.messageId} states ${until} while ${id} (end ${end}) is unconfirmed`);
        }
      }
      // Confirms come back late and out of order; every fifth publish is lost and retried.
      const lost = ++publishes % 5 === 0;
      if (lost) lostCount++;
      return new Promise((resolve) =>
        setTimeout(() => {
          if (!lost) confirmed.add(b.messageId);
          // Only a confirmed batch's report reaches the collector.
          if (!lost) retriesStated += batch.publishRetries ?? 0;
          resolve(lost ? 'connection-lost' : 'confirmed');
        }, Math.random() * 15),
      );
    },
  };
  const pump = new OutboxPump({
    outbox,
    sink,
    username: 'h1.pi',
    replayRate: 400,
    log: createLogger('t', 'silent'),
    metrics: createExporterMetrics(),
  });
  pump.start();
  // Live minutes go out ahead of the replay: they must not claim the old hour.
  let live = hour + 7200;
  for (let i = 0; i < 20; i++) {
    live += 60;
    const end = live;
    pump.enqueueLive({ id: store(end), messageId: `m-${end}`, endUnixS: end, body: body(end) });
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(await pump.drained(20_000), 'everything confirmed');
  // One more live minute with nothing else waiting: complete up to it.
  live += 60;
  pump.enqueueLive({ id: store(live), messageId: `m-${live}`, endUnixS: live, body: body(live) });
  assert.ok(await pump.drained(5000));
  await pump.stop();
  outbox.close();

  assert.deepEqual(violations, []);
  const firstLive = stated.find((s) => s.end > hour + 3600);
  assert.ok(
    firstLive && firstLive.until < hour + 60,
    'a live minute during the replay stays before the old hour',
  );
  assert.deepEqual(
    stated.at(-1),
    { end: live, until: live },
    'nothing waits: complete up to the newest batch',
  );
  // The same publishes state the Pi's health for the operators (collector metrics, no scraping).
  assert.ok((backlogs[0] ?? 0) >= 59, `the first replayed batch states the old hour waiting: ${backlogs[0]}`);
  assert.equal(backlogs.at(-1), 0, 'nothing waits at the end');
  assert.ok(lostCount > 0);
  assert.equal(
    retriesStated,
    lostCount,
    'every unconfirmed publish is reported once, on a later confirmed batch',
  );
});
