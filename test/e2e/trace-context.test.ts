/*
 * One reading followed by its trace id: the exporter's publisher samples a
 * batch and puts a W3C `traceparent` on it, the real broker carries it, and
 * the collector's decode and write spans link to it, the remote-write call a
 * child of the write, and the message has a span of its own in the Pi's
 * trace, linked to the write. The unsampled batches carry no header at all (read off
 * a tap queue bound beside the collector's).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { pino } from 'pino';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { encodeReadingBatch } from '@energy/lib/reading-batch';
import { parseTraceparent, TRACEPARENT_HEADER } from '@energy/lib/trace-context';
import { startTracing } from '@energy/lib/tracing';
import { createVhost, testVictoriaMetrics, uniqueName } from '@energy/lib/testkit/index';
import { makeBatch, startTestCollector, waitFor } from '@energy/collector/test-support';
import { AmqpPublisher } from '@energy/exporters/publisher';
import { createExporterMetrics } from '@energy/exporters/metrics';

const spans = new InMemorySpanExporter();
let tracing: { shutdown(): Promise<void> };
before(() => {
  tracing = startTracing('trace-context-test', { exporter: spans });
});
after(async () => {
  await tracing.shutdown();
});

const T0 = Math.floor(Date.now() / 1000 / 60) * 60 - 3600;

test('a sampled batch is followed from the publisher through the broker to the collector write and its remote-write call', async () => {
  const vm = await testVictoriaMetrics();
  const vhost = await createVhost('trace');
  const hh = uniqueName('hh');
  const device = `${hh}.pi`;
  await vhost.addUser(device, 'pw');
  const c = await startTestCollector(vhost.amqpUrl(), vm.url);
  // A tap beside the collector's queue: what the broker delivers, headers and all.
  const conn = await amqp.connect(vhost.amqpUrl());
  const ch = await conn.createChannel();
  const tap = (await ch.assertQueue('', { exclusive: true })).queue;
  await ch.bindQueue(tap, READINGS_EXCHANGE, '#');

  const log = pino({ level: 'silent' });
  const open = (name: string, traceSampleRatio: number) => {
    const p = new AmqpPublisher({
      url: vhost.amqpUrl(device, 'pw'),
      exchange: READINGS_EXCHANGE,
      log,
      metrics: createExporterMetrics(),
      name,
      traceSampleRatio,
    });
    p.start();
    return p;
  };
  const sampled = open('sampled', 1);
  const unsampled = open('unsampled', 0);
  const send = (p: AmqpPublisher, seq: number) =>
    p.publish({
      routingKey: device,
      userId: device,
      messageId: `m-${seq}`,
      timestampS: T0 + seq * 60,
      body: encodeReadingBatch(makeBatch(seq, T0 + seq * 60, 3)),
    });
  const outcomes = [];
  for (let seq = 0; seq < 6; seq++) outcomes.push(await send(seq % 2 === 0 ? sampled : unsampled, seq));
  assert.deepEqual(outcomes, Array(6).fill('confirmed'));

  const delivered = await waitFor(
    'the tap to hold all six',
    async () => {
      const got = [];
      for (let m = await ch.get(tap, { noAck: true }); m !== false; m = await ch.get(tap, { noAck: true }))
        got.push(m);
      return got;
    },
    (got) => got.length === 6,
    10_000,
  );
  const traceIds = new Map<string, string>();
  const parentSpans = new Map<string, string>();
  for (const m of delivered) {
    const seq = Number(String(m.properties.messageId).slice(2));
    const header: unknown = m.properties.headers?.[TRACEPARENT_HEADER];
    if (seq % 2 === 1) {
      assert.equal(header, undefined, `unsampled m-${seq} carries no traceparent`);
      continue;
    }
    assert.equal(typeof header === 'string' && header.length, 55);
    const t = parseTraceparent(header);
    assert.ok(t, `m-${seq}: ${String(header)}`);
    assert.equal(t.traceFlags, 1);
    traceIds.set(`m-${seq}`, t.traceId);
    parentSpans.set(`m-${seq}`, t.spanId);
  }
  assert.equal(new Set(traceIds.values()).size, 3, 'a new trace per sampled batch');

  const linked = (s: ReadableSpan) => new Set(s.links.map((l) => l.context.traceId));
  const writes = await waitFor(
    'write spans linking every sampled batch',
    () => Promise.resolve(spans.getFinishedSpans().filter((s) => s.name === 'collector.write')),
    (ws) => [...traceIds.values()].every((id) => ws.some((w) => linked(w).has(id))),
    10_000,
  );
  const finished = spans.getFinishedSpans();
  for (const [messageId, traceId] of traceIds) {
    const write = writes.find((w) => linked(w).has(traceId));
    assert.ok(write);
    const link = write.links.find((l) => l.context.traceId === traceId);
    assert.equal(link?.context.isRemote, true);
    assert.equal(link?.attributes?.['messaging.message.id'], messageId);
    assert.ok(
      finished.some((s) => s.name === 'collector.decode' && linked(s).has(traceId)),
      `a decode span links ${messageId}`,
    );
    const calls = finished.filter(
      (s) =>
        s.name === 'collector.remote_write' && s.parentSpanContext?.spanId === write.spanContext().spanId,
    );
    assert.equal(calls.length, 1, 'the remote-write call is a child of the write');
    assert.equal(calls[0]?.spanContext().traceId, write.spanContext().traceId);
    assert.equal(calls[0]?.attributes['collector.result'], 'success');
    // Searching the Pi's trace id finds the collector's span for the message, linked to the write.
    const own = finished.filter((s) => s.spanContext().traceId === traceId);
    assert.equal(own.length, 1, `${messageId}: one span in the Pi's trace`);
    assert.equal(own[0]?.name, 'collector.message');
    assert.equal(own[0]?.parentSpanContext?.spanId, parentSpans.get(messageId));
    assert.equal(own[0]?.attributes['collector.outcome'], 'stored');
    assert.deepEqual(
      own[0]?.links.map((l) => l.context.spanId),
      [write.spanContext().spanId],
    );
  }
  // The unsampled batches gave no link and no span: every link is to a sampled batch or a write.
  const writeIds = new Set(writes.map((w) => w.spanContext().traceId));
  for (const s of finished)
    for (const l of s.links)
      assert.ok([...traceIds.values()].includes(l.context.traceId) || writeIds.has(l.context.traceId));
  assert.equal(finished.filter((s) => s.name === 'collector.message').length, 3);

  await sampled.close();
  await unsampled.close();
  await conn.close();
  await c.stop();
  await vhost.delete();
});
