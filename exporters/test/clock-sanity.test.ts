import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createVhost, testRabbitMQ } from '@energy/lib/testkit/index';
import { createLogger } from '@energy/lib/logger';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import type { PowerMeter } from '@energy/device/power-meter';
import { SimulatedMeter } from '@energy/device/simulator/simulated-meter';
import { ClockSanity } from '../src/clock-sanity.js';
import { simulatedClock } from '../src/clock-source.js';
import { Exporter } from '../src/exporter.js';
import { createExporterMetrics } from '../src/metrics.js';
import { Outbox } from '../src/outbox.js';
import { OutboxPump } from '../src/outbox-pump.js';
import { AmqpPublisher } from '../src/publisher.js';
import { decodeAll, DEVICE_PERMS, tempOutboxPath, waitFor } from './daemon-helpers.js';
import { declareReadingsTopology, drainQueue } from './rabbit-helpers.js';

const YEAR_S = 365 * 86_400;

test('a Pi whose clock starts a year behind: nothing goes out before the clock is set, then every minute goes out stamped right with all its energy', async () => {
  await testRabbitMQ();
  const vhost = await createVhost('clock');
  after(() => vhost.delete());
  const device = 'hclock.pi';
  await vhost.addUser(device, 'pw', DEVICE_PERMS);
  await declareReadingsTopology(vhost.amqpUrl(), 'readback');

  // True time starts an hour ago and runs at two minutes per real second; the wall clock shows a year earlier.
  const startS = Math.floor(Date.now() / 60_000) * 60 - 3600;
  const clock = simulatedClock(startS, 120, -YEAR_S);
  const log = createLogger('clock-test', 'warn');
  const metrics = createExporterMetrics();
  const sim = new SimulatedMeter({
    seed: 3,
    householdId: 'hclock',
    sockets: 3,
    epochStartS: startS,
    now: clock.trueS,
  });
  // The meter's own count at each read: what the exporter's counters must add up to.
  let firstRaw: number[] | undefined;
  let lastRaw: number[] = [];
  const meter: PowerMeter = {
    chip: sim.chip,
    async read() {
      const r = await sim.read();
      if (r.ok) {
        lastRaw = r.samples.map((s) => s.energyJoules);
        firstRaw ??= lastRaw;
      }
      return r;
    },
  };
  const publisher = new AmqpPublisher({
    url: vhost.amqpUrl(device, 'pw'),
    exchange: READINGS_EXCHANGE,
    log,
    metrics,
  });
  const outbox = new Outbox({ path: tempOutboxPath() });
  const pump = new OutboxPump({
    outbox,
    sink: publisher,
    username: device,
    replayRate: 1000,
    log,
    metrics,
    nowS: clock.now,
  });
  const built: ReadingBatch[] = [];
  let jumpedAtS = Infinity;
  const expected = new Map<number, number[]>();
  const exporter = new Exporter({
    meters: [meter],
    clock,
    clockSanity: new ClockSanity(clock, { mode: 'wait' }),
    outbox,
    pump,
    metrics,
    log,
    sampleIntervalS: 5,
    onBatch: (b) => {
      built.push(b);
      // A live minute's counter is the meter's count at its boundary read, from the first read on.
      if (b.endUnixS > jumpedAtS)
        expected.set(
          b.seq,
          lastRaw.map((e, i) => Math.floor(e - (firstRaw?.[i] ?? 0))),
        );
    },
  });
  publisher.start();
  pump.start();
  const running = exporter.run();

  // Ten minutes on the wrong clock: minutes are closed, none goes out.
  await waitFor(() => Promise.resolve(clock.trueS() >= startS + 600), 30_000, 'ten simulated minutes');
  assert.equal(built.length, 0, 'nothing stamped before the clock is known');
  assert.ok(
    // Ten minutes; a loaded machine may skip a sample time, and with it a boundary (that minute joins the next).
    ((await metrics.unstampedBatches.get()).values[0]?.value ?? 0) >= 5,
    'the minutes wait in memory',
  );
  assert.equal((await metrics.clockSynchronised.get()).values[0]?.value, 0);
  jumpedAtS = clock.trueS();
  clock.jump();
  await waitFor(() => Promise.resolve(expected.size >= 3), 30_000, 'three live minutes after the jump');
  exporter.stop();
  await running;
  assert.ok(await pump.drained(10_000));
  await pump.stop();
  await publisher.close();
  outbox.close();

  const got = decodeAll(await drainQueue(vhost.amqpUrl(), 'readback')).map((r) => r.batch);
  assert.deepEqual(
    got.map((b) => b.seq),
    built.map((_, i) => i + 1),
    'every minute out once, in order, none lost',
  );
  for (const b of got) {
    assert.ok(
      b.endUnixS > startS && b.endUnixS <= clock.trueS(),
      `batch ${b.seq} at ${b.endUnixS}: in the right year`,
    );
  }
  const stampedBefore = got.filter((b) => b.endUnixS <= jumpedAtS);
  assert.ok(stampedBefore.length >= 5, `the minutes before the jump are there (${stampedBefore.length})`);
  for (let i = 1; i < got.length; i++) {
    const [a, b] = [got[i - 1] as ReadingBatch, got[i] as ReadingBatch];
    assert.ok(b.endUnixS > a.endUnixS, 'stamps grow');
    if (b.endUnixS <= jumpedAtS)
      assert.equal((b.endUnixS - a.endUnixS) % 60, 0, 'unstamped minutes keep their whole-minute spacing');
  }
  // All the energy: each live minute's counter is what the meter counted since the exporter's first read.
  for (const b of got.filter((x) => expected.has(x.seq))) {
    assert.deepEqual(
      b.readings.map((r) => r.energyJoules),
      expected.get(b.seq),
      `batch ${b.seq}`,
    );
  }
  assert.equal((await metrics.clockSynchronised.get()).values[0]?.value, 1);
});
