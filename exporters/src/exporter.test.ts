import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '@energy/lib/logger';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import { ShellyGen2Meter } from '@energy/device/drivers/shelly-gen2';
import { SimulatedMeter } from '@energy/device/simulator/simulated-meter';
import { fastClock } from './clock.js';
import { Exporter } from './exporter.js';
import { createExporterMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { OutboxPump } from './outbox-pump.js';
import type { PublishOutcome } from './publisher.js';

test('a plug answering garbage is counted by chip and reason; the other meters keep reporting', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":0,"apower":"n/a"');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const start = Math.floor(Date.now() / 60_000) * 60 - 3600;
  const clock = fastClock(start, 120);
  let sampleTime = start;
  const metrics = createExporterMetrics();
  const log = createLogger('t', 'silent');
  const outbox = new Outbox({ path: join(mkdtempSync(join(tmpdir(), 'exp-')), 'o.sqlite') });
  const published: string[] = [];
  const pump = new OutboxPump({
    outbox,
    sink: {
      waitReady: () => Promise.resolve(true),
      publish: (b): Promise<PublishOutcome> => {
        published.push(b.messageId);
        return Promise.resolve('confirmed');
      },
    },
    username: 'h1.pi',
    replayRate: 100,
    log,
    metrics,
  });
  const batches: ReadingBatch[] = [];
  const exporter = new Exporter({
    meters: [
      new SimulatedMeter({
        seed: 1,
        householdId: 'h1',
        sockets: 2,
        epochStartS: start,
        now: () => sampleTime,
      }),
      new ShellyGen2Meter({ url, channels: [0], firstSocket: 10, timeoutMs: 500 }),
    ],
    clock,
    outbox,
    pump,
    metrics,
    log,
    sampleIntervalS: 5,
    beforeRead: (t) => {
      sampleTime = t;
    },
    onBatch: (b) => batches.push(b),
  });
  pump.start();
  const running = exporter.run();
  while (batches.length < 2) await new Promise((r) => setTimeout(r, 20));
  exporter.stop();
  await running;
  assert.ok(await pump.drained(5000));
  await pump.stop();
  outbox.close();
  const errors = await metrics.readErrors.get();
  const garbage = errors.values.find((v) => v.labels.chip === 'shelly-gen2' && v.labels.reason === 'garbage');
  assert.ok((garbage?.value ?? 0) >= 12, 'every failed read counted');
  for (const b of batches) {
    assert.deepEqual(
      b.readings.map((r) => r.socket),
      [0, 1],
    );
  }
  assert.equal(published.length, batches.length, 'every batch published and confirmed');
});
