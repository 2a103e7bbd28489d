/**
 * The completeness watermark on the real broker and VictoriaMetrics: a
 * device's outbox holds an old hour while its live minutes flow, and the
 * stored watermark passes that hour only once the hour is stored — even
 * when the request that carries the hour's first minute finishes last.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uncompressSync } from 'snappy';
import { createVhost, testVictoriaMetrics, uniqueName } from '@energy/lib/testkit/index';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import type { RemoteWriter } from '../core/remote-writer.js';
import {
  body,
  expectedSamples,
  makeBatch,
  openPublisher,
  startTestCollector,
  storedSamples,
  storedWatermarks,
  waitFor,
} from '../test-support.js';

/** Socket 9 appears only in the hour's first minute: its request is recognisable on the wire. */
const SOCKET_9 = Buffer.from([0x0a, 0x06, ...Buffer.from('socket'), 0x12, 0x01, 0x39]);

test('the watermark stays before an hour still in the outbox and passes it once the replay is stored', async () => {
  const vm = await testVictoriaMetrics();
  const vhost = await createVhost('coll-wm');
  const hh = uniqueName('hh');
  const device = `${hh}.pi`;
  await vhost.addUser(device, 'pw');

  // VictoriaMetrics answers the request holding the hour's first minute only when the test says so.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const heldArrived = new Promise<void>((r) => (arrived = r));
  const wrapWriter = (real: RemoteWriter): RemoteWriter => ({
    async writeOnce(compressed) {
      if ((uncompressSync(compressed) as Buffer).includes(SOCKET_9)) {
        arrived();
        await released;
      }
      return real.writeOnce(compressed);
    },
  });
  const c = await startTestCollector(vhost.amqpUrl(), vm.url, { wrapWriter, maxWritesInFlight: 4 });
  const pub = await openPublisher(vhost.amqpUrl(device, 'pw'), device);
  const written = (): Promise<number> =>
    c.metrics.watermarksWritten.get().then((m) => m.values[0]?.value ?? 0);
  const watermark = async (): Promise<number[]> => {
    await vm.forceFlush();
    return (await storedWatermarks(vm.url, hh)).get('pi') ?? [];
  };

  const now = Math.floor(Date.now() / 1000 / 60) * 60;
  const hour = Math.floor(now / 3600) * 3600 - 3 * 3600;
  const old: ReadingBatch[] = Array.from({ length: 60 }, (_, i) =>
    makeBatch(i + 1, hour + (i + 1) * 60, i === 0 ? 10 : 3),
  );
  const live: ReadingBatch[] = Array.from({ length: 3 }, (_, i) => makeBatch(100 + i, now - (2 - i) * 60, 3));
  const lastLive = (live.at(-1) as ReadingBatch).endUnixS;

  // Live minutes while the whole hour waits in the outbox: complete only until just before it.
  for (const b of live) await pub.publish(device, body({ ...b, completeUntilS: hour + 59 }));
  assert.deepEqual(await waitFor('the live watermark', watermark, (v) => v.length > 0), [hour + 59]);
  assert.equal(await written(), 1, 'the same statement thrice is written once');

  // The replay, as the exporter states it: each minute confirmed before the next goes out, so
  // each is complete until just before the next; the last, with nothing left, until the newest.
  const stated = (i: number): number => (i + 1 < old.length ? hour + (i + 2) * 60 - 1 : lastLive);
  await pub.publish(device, body({ ...(old[0] as ReadingBatch), completeUntilS: stated(0) }));
  await heldArrived; // the first minute's request is now in flight and held
  for (let i = 1; i < old.length; i++) {
    await pub.publish(device, body({ ...(old[i] as ReadingBatch), completeUntilS: stated(i) }));
  }
  // Every later minute is stored (they went in other requests), but the first is not...
  await waitFor(
    'the rest of the hour written',
    () => c.metrics.messagesWritten.get().then((m) => m.values[0]?.value ?? 0),
    (n) => n === live.length + old.length - 1,
  );
  await c.pipeline.watermarksSettled();
  // ...so no watermark stated after it may be written yet (counted where VictoriaMetrics said 2xx).
  assert.equal(await written(), 1);
  assert.deepEqual(await watermark(), [hour + 59]);

  release();
  const final = await waitFor('the watermark past the hour', watermark, (v) => v.at(-1) === lastLive);
  assert.deepEqual(
    final,
    [...final].sort((a, b) => a - b),
    'never backwards',
  );
  assert.deepEqual(await storedSamples(vm.url, hh), expectedSamples('pi', [...live, ...old]));
  assert.equal(await written(), final.length);

  await pub.close();
  await c.stop();
  await vhost.delete();
});
