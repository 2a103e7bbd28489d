/** Helpers shared by the collector's integration and fault tests (not used in production code). */
import { connect, type ConfirmChannel, type GetMessage } from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { pino } from 'pino';
import { COMPLETENESS_SERIES, ENERGY_SERIES, POWER_SERIES, SERIES_LABELS as L } from '@energy/lib/series';
import { AmqpConsumer, type ConsumerOptions } from './amqp/consumer.js';
import { DEAD_LETTER_QUEUE } from './amqp/topology.js';
import { IngestPipeline, type PipelineOptions } from './core/pipeline.js';
import type { RemoteWriter } from './core/remote-writer.js';
import { DEFAULT_LIMITS } from './core/validate.js';
import { createCollectorMetrics, type CollectorMetrics } from './metrics.js';
import { RemoteWriteClient } from './vm/remote-write-client.js';
import { exportSeries } from './vm/vm-query.js';

export function makeBatch(seq: number, endUnixS: number, sockets = 30, base = 0): ReadingBatch {
  return {
    bootId: 0xabc,
    seq,
    endUnixS,
    intervalS: 60,
    readings: Array.from({ length: sockets }, (_, s) => ({
      socket: s,
      powerWatts: (base + seq * 100 + s) / 10,
      energyJoules: base + seq * 1000 + s,
    })),
  };
}

export interface Publisher {
  readonly ch: ConfirmChannel;
  publish(
    routingKey: string,
    body: Buffer,
    opts?: { userId?: string | null; messageId?: string },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Publishes like a device: persistent, confirmed, userId = login unless told otherwise. */
export async function openPublisher(amqpUrl: string, login: string): Promise<Publisher> {
  const conn = await connect(amqpUrl);
  conn.on('error', () => undefined);
  const ch = await conn.createConfirmChannel();
  return {
    ch,
    publish(routingKey, body, opts = {}) {
      const userId = opts.userId === undefined ? login : opts.userId;
      return new Promise((resolve, reject) => {
        ch.publish(
          READINGS_EXCHANGE,
          routingKey,
          body,
          {
            persistent: true,
            contentType: 'application/x-protobuf',
            type: 'energy.v1.ReadingBatch',
            timestamp: Math.floor(Date.now() / 1000),
            ...(opts.messageId ? { messageId: opts.messageId } : {}),
            ...(userId === null ? {} : { userId }),
          },
          (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
        );
      });
    },
    async close() {
      await conn.close().catch(() => undefined);
    },
  };
}

export function body(batch: ReadingBatch): Buffer {
  return Buffer.from(encodeReadingBatch(batch));
}

export interface TestCollector {
  readonly collector: AmqpConsumer;
  readonly pipeline: IngestPipeline;
  readonly metrics: CollectorMetrics;
  stop(): Promise<void>;
}

/** The pipeline's settings and the consumer's, any of them overridden by a test. */
export type TestCollectorOptions = Partial<Omit<ConsumerOptions, 'pipeline'>> &
  Partial<Omit<PipelineOptions, 'writer'>> & {
    /** Puts a test's hand between the pipeline and VictoriaMetrics (hold a request, say). */
    readonly wrapWriter?: (real: RemoteWriter) => RemoteWriter;
  };

export async function startTestCollector(
  amqpUrl: string,
  vmUrl: string,
  extra: TestCollectorOptions = {},
): Promise<TestCollector> {
  const metrics = createCollectorMetrics();
  const writer = new RemoteWriteClient(vmUrl);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const pipeline = new IngestPipeline({
    limits: extra.limits ?? DEFAULT_LIMITS,
    writer: extra.wrapWriter ? extra.wrapWriter(writer) : writer,
    gatewayDevices: extra.gatewayDevices ?? (() => Promise.resolve([])),
    maxWritesInFlight: extra.maxWritesInFlight ?? 2,
    metrics,
    logger,
    writeRetry: extra.writeRetry ?? { initialMs: 50, maxMs: 1000 },
  });
  const collector = new AmqpConsumer({
    amqpUrl,
    topology: { queue: 'energy.readings.q', shards: 0, deliveryLimit: 20 },
    prefetch: 500,
    batchMessages: 50,
    flushIntervalMs: 100,
    metrics,
    logger,
    reconnect: { initialMs: 100, maxMs: 2000 },
    ...extra,
    pipeline,
  });
  await collector.start();
  return {
    collector,
    pipeline,
    metrics,
    async stop() {
      await collector.stop();
      writer.close();
    },
  };
}

/** Polls until the condition holds (a wait, not a timing assertion); throws with the last state after the limit. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  limitMs = 60_000,
): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Queue depth (ready + unacked) through the management API. */
export async function queueDepth(
  managementUrl: string,
  admin: { username: string; password: string },
  vhost: string,
  queue: string,
): Promise<number> {
  const auth = Buffer.from(`${admin.username}:${admin.password}`).toString('base64');
  const res = await fetch(
    `${managementUrl}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}?columns=messages`,
    { headers: { authorization: `Basic ${auth}` } },
  );
  if (!res.ok) return -1;
  const q = (await res.json()) as { messages?: number };
  return q.messages ?? -1;
}

/** Drains the dead-letter queue: every message with its reason header. */
export async function drainDeadLetters(amqpUrl: string): Promise<GetMessage[]> {
  const conn = await connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    const out: GetMessage[] = [];
    for (;;) {
      const m = await ch.get(DEAD_LETTER_QUEUE, { noAck: true });
      if (m === false) break;
      out.push(m);
    }
    return out;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** `metric|device|socket|ts` → value, for exact comparison. */
export async function storedSamples(vmUrl: string, household: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // The readings only: a watermark series is not a reading.
  const readings = `{__name__=~"${POWER_SERIES}|${ENERGY_SERIES}",${L.household}="${household}"}`;
  for (const s of await exportSeries(vmUrl, readings)) {
    s.timestamps.forEach((t, i) => {
      const m = s.metric;
      out.set(`${m.__name__}|${m[L.device]}|${m[L.socket]}|${t}`, s.values[i] as number);
    });
  }
  return out;
}

/**
 * What the collector stores for `batches`: each reading's power and energy at
 * the interval's end, and for an epoch's first batch (seq 1) each socket's
 * energy counter at zero 1 ms after the interval start (core/epoch-start.ts:
 * the epoch began there with every counter at zero).
 */
export function expectedSamples(device: string, batches: readonly ReadingBatch[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of batches) {
    for (const r of b.readings) {
      out.set(`${POWER_SERIES}|${device}|${r.socket}|${b.endUnixS * 1000}`, r.powerWatts);
      out.set(`${ENERGY_SERIES}|${device}|${r.socket}|${b.endUnixS * 1000}`, r.energyJoules);
      if (b.seq === 1)
        out.set(`${ENERGY_SERIES}|${device}|${r.socket}|${(b.endUnixS - b.intervalS) * 1000 + 1}`, 0);
    }
  }
  return out;
}

/** A household's completeness watermarks per device: values in write order. */
export async function storedWatermarks(vmUrl: string, household: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const s of await exportSeries(vmUrl, `${COMPLETENESS_SERIES}{${L.household}="${household}"}`)) {
    const order = s.timestamps.map((t, i) => [t, s.values[i] as number] as const).sort((a, b) => a[0] - b[0]);
    out.set(
      s.metric[L.device] ?? '',
      order.map(([, v]) => v),
    );
  }
  return out;
}
