/**
 * Faults with exact counts afterwards: the collector SIGKILLed mid-batch and
 * restarted, VictoriaMetrics stopped under load (FAULT_OUTAGE_SECONDS,
 * default 120), the broker restarted. Nothing lost, nothing doubled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  createVhost,
  freePort,
  startPrivateRabbitMQ,
  startPrivateVictoriaMetrics,
  testRabbitMQ,
  testVictoriaMetrics,
  uniqueName,
} from '@energy/lib/testkit/index';
import { startVictoriaMetrics } from '@energy/lib/services/index';
import {
  body,
  expectedSamples,
  makeBatch,
  openPublisher,
  queueDepth,
  startTestCollector,
  storedSamples,
  waitFor,
} from '../src/test-support.js';

const OUTAGE_S = Number(process.env.FAULT_OUTAGE_SECONDS ?? 120);
const T0 = Math.floor(Date.now() / 1000 / 60) * 60 - 20 * 86400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('collector SIGKILLed mid-batch and restarted: every reading stored exactly once', async () => {
  const rabbit = await testRabbitMQ();
  const vm = await testVictoriaMetrics();
  const vhost = await createVhost('fault-kill');
  const hh = uniqueName('hh');
  const device = `${hh}.pi`;
  await vhost.addUser(device, 'pw');
  const port = await freePort();
  const startCollector = () =>
    spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'collector/src/main.ts'], {
      env: {
        ...process.env,
        AMQP_URL: vhost.amqpUrl(),
        VM_URL: vm.url,
        COLLECTOR_METRICS_PORT: String(port),
        COLLECTOR_BATCH_MESSAGES: '100',
        LOG_LEVEL: 'warn',
      },
      stdio: 'inherit',
    });
  let child = startCollector();
  await waitFor(
    'collector ready',
    () =>
      fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      ),
    (s) => s === 200,
  );
  const pub = await openPublisher(vhost.amqpUrl(device, 'pw'), device);
  const batches = Array.from({ length: 3000 }, (_, i) => makeBatch(i, T0 + i * 60));
  let sent = 0;
  const publishing = (async () => {
    for (const b of batches) {
      await pub.publish(device, body(b));
      sent++;
    }
  })();
  await waitFor(
    'some messages published',
    () => Promise.resolve(sent),
    (n) => n > 1000,
  );
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await publishing;
  child = startCollector();
  await waitFor(
    'queue drained',
    () => queueDepth(rabbit.managementUrl, rabbit.admin, vhost.name, 'energy.readings.q'),
    (n) => n === 0,
    300_000,
  );
  await vm.forceFlush();
  assert.deepEqual(await storedSamples(vm.url, hh), expectedSamples('pi', batches));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await pub.close();
  await vhost.delete();
});

test(`VictoriaMetrics stopped for ${OUTAGE_S} s under load: no acks meanwhile, everything stored after`, async () => {
  const rabbit = await testRabbitMQ();
  const vhost = await createVhost('fault-vm');
  let vm = await startPrivateVictoriaMetrics();
  const port = Number(new URL(vm.url).port);
  const hh = uniqueName('hh');
  const device = `${hh}.pi`;
  await vhost.addUser(device, 'pw');
  const c = await startTestCollector(vhost.amqpUrl(), vm.url, { prefetch: 300 });
  const pub = await openPublisher(vhost.amqpUrl(device, 'pw'), device);
  const batches = Array.from({ length: 2000 }, (_, i) => makeBatch(i, T0 + i * 60));
  for (const b of batches.slice(0, 500)) await pub.publish(device, body(b));
  await vm.stop();
  const outageEnds = Date.now() + OUTAGE_S * 1000;
  for (const b of batches.slice(500)) await pub.publish(device, body(b));
  // Memory stays bounded by the prefetch: the broker holds the rest.
  await sleep(Math.max(0, outageEnds - Date.now()));
  const inFlight = (await c.metrics.inFlight.get()).values[0]?.value ?? 0;
  assert.ok(inFlight <= 300, `in flight ${inFlight} within the prefetch`);
  assert.ok(c.collector.ready, 'still consuming while VictoriaMetrics is down');
  const restarted = await startVictoriaMetrics({ port, dataDir: vm.dataDir });
  await waitFor(
    'queue drained',
    () => queueDepth(rabbit.managementUrl, rabbit.admin, vhost.name, 'energy.readings.q'),
    (n) => n === 0,
    300_000,
  );
  await restarted.forceFlush();
  assert.deepEqual(await storedSamples(restarted.url, hh), expectedSamples('pi', batches));
  await pub.close();
  await c.stop();
  await restarted.stop();
  vm = { ...vm, stop: () => Promise.resolve() };
  await vm.dispose();
  await vhost.delete();
});

test('broker restarted while the collector consumes: it reconnects and every reading is stored exactly', async () => {
  const rabbit = await startPrivateRabbitMQ({ withAuthBackend: false });
  const vm = await testVictoriaMetrics();
  try {
    const hh = uniqueName('hh');
    const device = `${hh}.pi`;
    await rabbit.ctl(['add_user', device, 'pw']);
    await rabbit.ctl(['set_permissions', '-p', '/', device, '', '.*', '']);
    const batches = Array.from({ length: 3000 }, (_, i) => makeBatch(i, T0 + i * 60));
    // The topology first (the collector owns it), then a backlog, then the collector mid-way through it.
    const first = await startTestCollector(rabbit.amqpUrl('/'), vm.url);
    await first.stop();
    const pub = await openPublisher(rabbit.amqpUrl('/', device, 'pw'), device);
    for (const b of batches) await pub.publish(device, body(b));
    await pub.close();
    const c = await startTestCollector(rabbit.amqpUrl('/'), vm.url, {
      batchMessages: 20,
      maxWritesInFlight: 1,
    });
    await waitFor(
      'first writes',
      () => c.metrics.samplesWritten.get().then((m) => m.values[0]?.value ?? 0),
      (n) => n > 0,
    );
    await rabbit.ctl(['stop_app']);
    await sleep(2000);
    await rabbit.ctl(['start_app']);
    await waitFor(
      'queue drained',
      () => queueDepth(rabbit.managementUrl, rabbit.admin, '/', 'energy.readings.q'),
      (n) => n === 0,
      300_000,
    );
    await vm.forceFlush();
    assert.deepEqual(await storedSamples(vm.url, hh), expectedSamples('pi', batches));
    assert.ok(c.collector.ready, 'consuming again');
    await c.stop();
  } finally {
    await rabbit.dispose();
  }
});
