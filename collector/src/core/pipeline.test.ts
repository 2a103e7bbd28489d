/** The pipeline without a broker and without VictoriaMetrics: both ports in memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { uncompressSync } from 'snappy';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { createCollectorMetrics } from '../metrics.js';
import { IngestPipeline, type InboundMessage, type PipelineOptions } from './pipeline.js';
import type { RemoteWriter } from './remote-writer.js';
import { DEFAULT_LIMITS } from './validate.js';
import type { WriteResult } from './write-result.js';

const NOW_S = Math.floor(Date.now() / 1000 / 60) * 60;

function batch(seq: number, sockets = 3): ReadingBatch {
  return {
    bootId: 7,
    seq,
    endUnixS: NOW_S - 3600 + seq * 60,
    intervalS: 60,
    readings: Array.from({ length: sockets }, (_, s) => ({
      socket: s,
      powerWatts: s + 0.5,
      energyJoules: seq * 1000 + s,
    })),
  };
}

/** A device publishing for itself: user_id equals the routing key. */
function fromDevice(
  handle: number,
  routingKey: string,
  b: ReadingBatch | Uint8Array,
): InboundMessage<number> {
  const content = b instanceof Uint8Array ? b : encodeReadingBatch(b);
  return { content, userId: routingKey, routingKey, messageId: `m${handle}`, handle };
}

/** VictoriaMetrics in memory: answers from a script, then by `judge`; keeps what it accepted. */
class MemoryWriter implements RemoteWriter {
  readonly accepted: Buffer[] = [];
  attempts = 0;

  constructor(
    private readonly script: WriteResult[] = [],
    private readonly judge: (raw: Buffer) => WriteResult = () => ({ kind: 'success' }),
  ) {}

  writeOnce(compressed: Buffer): Promise<WriteResult> {
    this.attempts++;
    const raw = uncompressSync(compressed) as Buffer;
    const r = this.script.shift() ?? this.judge(raw);
    if (r.kind === 'success') this.accepted.push(raw);
    return Promise.resolve(r);
  }

  /** Whether a request VictoriaMetrics accepted holds this label value. */
  stored(value: string): boolean {
    return this.accepted.some((raw) => raw.includes(value));
  }
}

function pipeline(writer: RemoteWriter, extra: Partial<PipelineOptions> = {}) {
  const metrics = createCollectorMetrics();
  const slept: number[] = [];
  const p = new IngestPipeline({
    limits: DEFAULT_LIMITS,
    writer,
    gatewayDevices: () => Promise.resolve([]),
    maxWritesInFlight: 1,
    metrics,
    logger: pino({ level: 'silent' }),
    sleep: (ms) => Promise.resolve(void slept.push(ms)),
    ...extra,
  });
  return { p, metrics, slept };
}

const value = async (m: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await m.get()).values.reduce((n, v) => n + v.value, 0);

test('a good batch is stored in one request and counted', async () => {
  const writer = new MemoryWriter();
  const { p, metrics } = pipeline(writer);
  const msgs = [0, 1, 2].map((i) => fromDevice(i, 'hh1.pi', batch(i + 1)));
  const out = await p.process(msgs, () => false);
  assert.deepEqual(
    out.stored.map((s) => [s.message.handle, s.samples, s.endUnixS]),
    // seq 1 starts the epoch: its 3 sockets' counters at zero are stored with it (core/epoch-start.ts).
    msgs.map((m, i) => [m.handle, i === 0 ? 9 : 6, batch(i + 1).endUnixS]),
  );
  assert.deepEqual(out.rejected, []);
  assert.equal(writer.attempts, 1);
  assert.ok(writer.stored('hh1'));
  assert.equal(await value(metrics.messagesWritten), 3);
  assert.equal(await value(metrics.samplesWritten), 21);
});

test('bad messages are rejected with their reason; the good ones around them are stored', async () => {
  const writer = new MemoryWriter();
  const { p, metrics } = pipeline(writer, {
    gatewayDevices: (gw) => Promise.resolve(gw === 'gw-block7' ? ['hh1.flat1'] : []),
  });
  const msgs: InboundMessage<number>[] = [
    fromDevice(0, 'hh1.pi', batch(1)),
    fromDevice(1, 'hh1.pi', Buffer.from('not a protobuf \xff\xff\xff')),
    fromDevice(2, 'hh1.pi', Buffer.alloc(5000, 1)),
    { ...fromDevice(3, 'hh1.pi', batch(2)), userId: 'hh2.pi' },
    { ...fromDevice(4, 'hh1.pi', batch(3)), userId: undefined },
    { ...fromDevice(5, 'hh1.other', batch(1)), userId: 'gw-block7' },
    { ...fromDevice(6, 'hh1.flat1', batch(1)), userId: 'gw-block7' },
    fromDevice(7, 'hh1.pi', { ...batch(4), readings: [{ socket: 0, powerWatts: 150_000, energyJoules: 1 }] }),
    fromDevice(8, 'hh1.pi', { ...batch(5), readings: [{ socket: 0, powerWatts: 1, energyJoules: 0 }] }),
    fromDevice(9, 'nodot', batch(1)),
  ];
  const out = await p.process(msgs, () => false);
  assert.deepEqual(
    out.stored.map((s) => s.message.handle),
    [0, 6],
  );
  assert.deepEqual(
    out.rejected.map((r) => [r.message.handle, r.rejection.reason]),
    [
      [1, 'decode_error'],
      [2, 'oversized'],
      [3, 'user_id_mismatch'],
      [4, 'missing_user_id'],
      [5, 'gateway_device_not_listed'],
      [7, 'power_out_of_range'],
      [8, 'counter_backwards'],
      [9, 'bad_routing_key'],
    ],
  );
  for (const r of out.rejected) assert.ok(r.rejection.detail.length > 0);
  assert.equal(await value(metrics.rejected), 8);
  assert.ok(writer.stored('flat1'));
});

test('a batch of nothing but bad messages writes nothing', async () => {
  const writer = new MemoryWriter();
  const { p } = pipeline(writer);
  const out = await p.process([fromDevice(0, 'hh1.pi', Buffer.from('junk'))], () => false);
  assert.equal(out.rejected.length, 1);
  assert.equal(writer.attempts, 0);
});

test('VictoriaMetrics away: retried with backoff (Retry-After honoured) until it takes the request', async () => {
  const writer = new MemoryWriter([
    { kind: 'retryable', error: 'ECONNREFUSED' },
    { kind: 'retryable', error: 'HTTP 503', retryAfterMs: 700 },
  ]);
  const { p, metrics, slept } = pipeline(writer, { writeRetry: { initialMs: 10, maxMs: 1000 } });
  const out = await p.process([fromDevice(0, 'hh1.pi', batch(1))], () => false);
  assert.equal(out.stored.length, 1);
  assert.equal(writer.attempts, 3);
  assert.equal(slept.length, 2);
  assert.ok(slept[1] === 700, `waited ${slept[1]} ms for a Retry-After of 700 ms`);
  assert.equal((await metrics.writeErrors.get()).values.find((v) => v.labels.kind === 'retryable')?.value, 2);
});

test('a refused request is bisected down to the one message VictoriaMetrics refuses', async () => {
  const writer = new MemoryWriter([], (raw) =>
    raw.includes('evil')
      ? { kind: 'permanent', status: 400, error: 'HTTP 400: cannot parse' }
      : { kind: 'success' },
  );
  const { p, metrics } = pipeline(writer);
  const devices = ['alpha', 'bravo', 'charlie', 'evil', 'delta', 'foxtrot'];
  const msgs = devices.map((d, i) => fromDevice(i, `hh1.${d}`, batch(1)));
  const out = await p.process(msgs, () => false);
  assert.deepEqual(
    out.stored.map((s) => s.message.handle),
    [0, 1, 2, 4, 5],
  );
  assert.deepEqual(
    out.rejected.map((r) => [r.message.handle, r.rejection]),
    [[3, { reason: 'vm_rejected', detail: 'HTTP 400: cannot parse' }]],
  );
  for (const d of ['alpha', 'bravo', 'charlie', 'delta', 'foxtrot']) assert.ok(writer.stored(d), d);
  assert.ok(!writer.stored('evil'));
  assert.equal(await value(metrics.messagesWritten), 5);
  assert.equal((await metrics.writeErrors.get()).values.find((v) => v.labels.kind === 'permanent')?.value, 1);
});

test('the transport lost its session meanwhile: nothing stored, nothing rejected, the broker keeps it all', async () => {
  const writer = new MemoryWriter([], () => ({ kind: 'retryable', error: 'HTTP 503' }));
  const { p } = pipeline(writer);
  let lost = false;
  const out = await p.process([fromDevice(0, 'hh1.pi', batch(1))], () => {
    const was = lost;
    lost = true; // gone after the first attempt
    return was;
  });
  assert.deepEqual(out, { stored: [], rejected: [] });
  assert.ok(writer.attempts >= 1);
});

test('the API cannot list a gateway’s devices: the message waits (retried), it is not rejected', async () => {
  let calls = 0;
  const writer = new MemoryWriter();
  const { p, slept } = pipeline(writer, {
    gatewayDevices: () =>
      ++calls < 3 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve(['hh1.a']),
  });
  const out = await p.process([{ ...fromDevice(0, 'hh1.a', batch(1)), userId: 'gw-x' }], () => false);
  assert.equal(out.stored.length, 1);
  assert.equal(calls, 3);
  assert.equal(slept.length, 2);
});

test('stated watermarks ride on the stored messages; recorded ones are written per device, highest first, never backwards', async () => {
  const writer = new MemoryWriter();
  const { p, metrics } = pipeline(writer);
  const b1 = batch(1);
  const msgs = [
    fromDevice(0, 'hh1.pi', { ...b1, completeUntilS: b1.endUnixS }),
    fromDevice(1, 'hh1.pi', batch(2)), // an older exporter: no watermark
    fromDevice(2, 'hh2.pi', { ...batch(1), completeUntilS: NOW_S + 3600 }), // ahead of the clock
  ];
  const out = await p.process(msgs, () => false);
  assert.deepEqual(
    out.stored.map((s) => [s.household, s.device, s.completeUntilS]),
    [
      ['hh1', 'pi', b1.endUnixS],
      ['hh1', 'pi', 0],
      ['hh2', 'pi', 0],
    ],
  );
  const before = writer.accepted.length;
  p.recordCompleteness([
    { household: 'hh1', device: 'pi', completeUntilS: 1000 },
    { household: 'hh1', device: 'pi', completeUntilS: 2000 },
    { household: 'hh3', device: 'pi', completeUntilS: 500 },
  ]);
  await p.watermarksSettled();
  p.recordCompleteness([{ household: 'hh1', device: 'pi', completeUntilS: 1500 }]);
  await p.watermarksSettled();
  const requests = writer.accepted.slice(before);
  assert.equal(requests.length, 1, 'one small request; the backward one is not written');
  const raw = requests[0]?.toString('latin1') ?? '';
  assert.ok(raw.includes('energy_device_complete_until_seconds') && raw.includes('hh3'));
  assert.equal(await value(metrics.watermarksWritten), 2);
  const dropped = (await metrics.watermarksDropped.get()).values;
  assert.deepEqual(dropped.map((v) => [v.labels.reason, v.value]).sort(), [
    ['ahead_of_clock', 1],
    ['not_advancing', 2],
  ]);
});

test('the Pis through the collector: devices seen, stated backlog, completeness lag and retries, valid batches only', async () => {
  const writer = new MemoryWriter();
  const { p, metrics } = pipeline(writer);
  const behind = { ...batch(1), outboxBacklog: 1440, publishRetries: 2, completeUntilS: NOW_S - 7200 };
  const msgs = [
    fromDevice(0, 'hh1.pi', behind),
    fromDevice(1, 'hh1.pi', { ...batch(2), completeUntilS: NOW_S - 60 }),
    fromDevice(2, 'hh2.pi', batch(1)), // an older exporter: states nothing
    fromDevice(3, 'hh3.pi', new Uint8Array([0xff, 0xff])), // garbage: rejected, not seen
  ];
  const out = await p.process(msgs, () => false);
  assert.equal(out.stored.length, 3);
  const nowS = Date.now() / 1000;
  assert.equal(metrics.devicesSeen.distinct(5, nowS), 2);
  const backlog = (await metrics.deviceOutboxBacklog.get()).values;
  assert.equal(backlog.find((v) => v.metricName?.endsWith('_sum'))?.value, 1440);
  assert.equal(backlog.find((v) => v.metricName?.endsWith('_count'))?.value, 3, 'unstated counts as 0');
  const lag = (await metrics.deviceCompletenessLag.get()).values;
  assert.equal(
    lag.find((v) => v.metricName?.endsWith('_count'))?.value,
    2,
    'only batches that state a watermark',
  );
  const lagSum = lag.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  assert.ok(lagSum >= 7260 && lagSum < 7260 + 120, `lag sum ${lagSum}`);
  assert.equal(await value(metrics.devicePublishRetries), 2);
  const seen = (await metrics.devicesSeenGauge.get()).values;
  assert.deepEqual(seen.map((v) => [v.labels.window, v.value]).sort(), [
    ['15m', 2],
    ['5m', 2],
  ]);
});
