import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Message,
} from 'amqplib';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '@energy/lib/logger';
import { decodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { AckChain } from './ack-chain.js';
import type { IdentityResolver, IdentityResult } from './identity.js';
import type { CollectorMetrics } from './metrics.js';
import type { Rejection } from './reject-reason.js';
import { bisectRejected, writeWithRetry, type RemoteWriter } from './remote-write-client.js';
import { compressRequest, WriteRequestBuilder, type EncodedRange } from './remote-write-encoder.js';
import { Semaphore } from './semaphore.js';
import { assertTopology, DEAD_LETTER_EXCHANGE, type TopologyOptions } from './topology.js';
import { checkBatch, CounterTracker, type ValidationLimits } from './validate.js';
import { backoffMs, type BackoffOptions, type WriteResult } from './write-result.js';

const tracer = trace.getTracer('collector');

export interface CollectorOptions {
  readonly amqpUrl: string;
  readonly topology: TopologyOptions;
  /** Queues to consume; default every queue of the topology. */
  readonly consumeQueues?: readonly string[];
  /** Unacked deliveries per consumer: what bounds memory while VictoriaMetrics is down (quorum queues cap it at 2000). */
  readonly prefetch: number;
  /** Flush a remote-write request at this many messages... */
  readonly batchMessages: number;
  /** ...or when the oldest pending message waited this long. */
  readonly flushIntervalMs: number;
  readonly maxWritesInFlight: number;
  readonly limits: ValidationLimits;
  readonly writer: RemoteWriter;
  readonly identity: IdentityResolver;
  readonly metrics: CollectorMetrics;
  readonly logger: Logger;
  readonly writeRetry?: BackoffOptions;
  readonly reconnect?: BackoffOptions;
  /** How long stop() waits for writes in flight before giving their messages back to the broker. */
  readonly stopGraceMs?: number;
  /** Called after VictoriaMetrics accepted a request (the benchmark measures lag with it). */
  readonly onWritten?: (written: readonly WrittenMessage[]) => void;
}

export interface WrittenMessage {
  readonly endUnixS: number;
  /** The AMQP timestamp property as published. */
  readonly publishedTimestamp: number | undefined;
  readonly samples: number;
}

interface Entry extends WrittenMessage {
  readonly msg: ConsumeMessage;
  readonly range: EncodedRange;
}

/** One connection with its consuming and confirm channels; its delivery tags die with it. */
class Session {
  closed = false;
  readonly chain = new AckChain();
  pending: ConsumeMessage[] = [];
  firstPendingAt = 0;
  readonly batches = new Set<Promise<void>>();
  timer: NodeJS.Timeout | undefined;
  readonly consumerTags: string[] = [];
  readonly closedPromise: Promise<void>;
  private markClosed!: () => void;

  constructor(
    readonly conn: ChannelModel,
    readonly ch: Channel,
    readonly confirm: ConfirmChannel,
  ) {
    this.closedPromise = new Promise((r) => (this.markClosed = r));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.markClosed();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Consumes ReadingBatches, writes them to VictoriaMetrics and acks (multiple,
 * in delivery order) only what VictoriaMetrics accepted or what went to the
 * dead-letter queue with a reason. Anything else stays with the broker.
 */
export class Collector {
  private readonly counters = new CounterTracker();
  private readonly writeSlots: Semaphore;
  private session: Session | undefined;
  private stopping = false;
  private stopDeadline = Infinity;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: CollectorOptions) {
    this.writeSlots = new Semaphore(o.maxWritesInFlight);
    this.log = o.logger;
  }

  get ready(): boolean {
    return this.session !== undefined && !this.session.closed;
  }

  /** Connects (retrying) and resolves once the first session consumes. */
  async start(): Promise<void> {
    let first!: () => void;
    const started = new Promise<void>((r) => (first = r));
    this.loop = this.run(first);
    await Promise.race([started, this.loop]);
  }

  private async run(onFirst: () => void): Promise<void> {
    const reconnect = this.o.reconnect ?? { initialMs: 200, maxMs: 15_000 };
    for (let attempt = 0; !this.stopping;) {
      let s: Session | undefined;
      try {
        s = await this.openSession();
        attempt = 0;
        this.session = s;
        this.o.metrics.connected.set(1);
        onFirst();
        await s.closedPromise;
      } catch (err) {
        this.log.warn({ err: (err as Error).message, attempt }, 'broker connection failed');
      } finally {
        this.o.metrics.connected.set(0);
        if (s) {
          s.close();
          await s.conn.close().catch(() => undefined);
        }
      }
      if (this.stopping) break;
      const delay = backoffMs(attempt++, reconnect);
      this.log.info({ delayMs: Math.round(delay) }, 'reconnecting to the broker');
      await sleep(delay);
    }
  }

  private async openSession(): Promise<Session> {
    const conn = await connect(this.o.amqpUrl);
    try {
      // An 'error' without a listener would crash the process; 'close' follows it.
      conn.on('error', (err: Error) => this.log.warn({ err: err.message }, 'broker connection error'));
      const ch = await conn.createChannel();
      const confirm = await conn.createConfirmChannel();
      const s = new Session(conn, ch, confirm);
      const down = (what: string) => (err?: Error) => {
        if (!s.closed) this.log.warn({ err: err?.message }, `${what} closed`);
        s.close();
      };
      conn.on('close', down('connection'));
      ch.on('close', down('channel'));
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'channel error'));
      confirm.on('close', down('confirm channel'));
      confirm.on('error', (err: Error) => this.log.warn({ err: err.message }, 'confirm channel error'));
      const queues = await assertTopology(ch, this.o.topology);
      await ch.prefetch(this.o.prefetch);
      for (const q of this.o.consumeQueues ?? queues) {
        const { consumerTag } = await ch.consume(q, (msg) => this.onMessage(s, msg), { noAck: false });
        s.consumerTags.push(consumerTag);
      }
      s.timer = setInterval(() => this.flushIfDue(s), Math.max(10, this.o.flushIntervalMs / 4));
      this.log.info({ queues: this.o.consumeQueues ?? queues, prefetch: this.o.prefetch }, 'consuming');
      return s;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  private onMessage(s: Session, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled the consumer (queue deleted): start over.
      this.log.warn('consumer cancelled by the broker');
      s.close();
      return;
    }
    if (s.closed) return;
    if (msg.fields.redelivered) this.o.metrics.redeliveries.inc();
    s.chain.deliver(msg.fields.deliveryTag);
    if (s.pending.length === 0) s.firstPendingAt = Date.now();
    s.pending.push(msg);
    if (s.pending.length >= this.o.batchMessages) this.flush(s);
  }

  private flushIfDue(s: Session): void {
    if (s.pending.length > 0 && (this.stopping || Date.now() - s.firstPendingAt >= this.o.flushIntervalMs)) {
      this.flush(s);
    }
  }

  private flush(s: Session): void {
    const msgs = s.pending;
    s.pending = [];
    // Counted per batch, not per delivery: prom-client's label lookup is not free at 10 k msg/s.
    this.o.metrics.consumed.inc(msgs.length);
    this.o.metrics.inFlight.set(s.chain.outstanding);
    const p = this.processBatch(s, msgs).catch((err: unknown) => {
      // Unexpected: give everything back to the broker by dropping the session.
      this.log.error({ err }, 'batch failed; reconnecting');
      s.close();
    });
    s.batches.add(p);
    void p.finally(() => s.batches.delete(p));
  }

  private async processBatch(s: Session, msgs: readonly ConsumeMessage[]): Promise<void> {
    const builder = new WriteRequestBuilder(msgs.length * 7000 + 1024);
    try {
      const entries: Entry[] = [];
      const decodeSpan = tracer.startSpan('collector.decode', {
        attributes: { 'messaging.batch.message_count': msgs.length },
      });
      try {
        const nowS = Date.now() / 1000;
        for (const msg of msgs) {
          // Identity is a cache hit but for a gateway's first message: await only then.
          const admitted = this.admit(s, msg, builder, nowS);
          const entry = admitted instanceof Promise ? await admitted : admitted;
          if (entry) entries.push(entry);
        }
      } finally {
        decodeSpan.setAttribute('collector.accepted', entries.length);
        decodeSpan.end();
      }
      if (entries.length === 0 || s.closed) return;
      await this.writeSlots.acquire();
      try {
        await this.write(s, builder, entries);
      } finally {
        this.writeSlots.release();
      }
    } finally {
      builder.release();
    }
  }

  /** Decode, identify, validate, encode; a bad message goes to the dead letters and yields nothing. */
  private admit(
    s: Session,
    msg: ConsumeMessage,
    builder: WriteRequestBuilder,
    nowS: number,
  ): Entry | undefined | Promise<Entry | undefined> {
    if (msg.content.length > this.o.limits.maxBodyBytes) {
      this.reject(s, msg, {
        reason: 'oversized',
        detail: `${msg.content.length} bytes > ${this.o.limits.maxBodyBytes}`,
      });
      return undefined;
    }
    let batch: ReadingBatch;
    try {
      batch = decodeReadingBatch(msg.content);
    } catch (err) {
      this.reject(s, msg, { reason: 'decode_error', detail: (err as Error).message });
      return undefined;
    }
    const userId = msg.properties.userId as string | undefined;
    const id = this.o.identity.resolve(userId, msg.fields.routingKey);
    if (id instanceof Promise) {
      return this.resolveWithRetry(s, userId, msg.fields.routingKey).then((resolved) =>
        this.admitIdentified(s, msg, builder, nowS, batch, resolved),
      );
    }
    return this.admitIdentified(s, msg, builder, nowS, batch, id);
  }

  private admitIdentified(
    s: Session,
    msg: ConsumeMessage,
    builder: WriteRequestBuilder,
    nowS: number,
    batch: ReadingBatch,
    id: IdentityResult,
  ): Entry | undefined {
    if (!id.ok) {
      this.reject(s, msg, id);
      return undefined;
    }
    const bad = checkBatch(batch, nowS, this.o.limits) ?? this.counters.check(msg.fields.routingKey, batch);
    if (bad) {
      this.reject(s, msg, bad);
      return undefined;
    }
    const range = builder.addBatch(id.identity.household, id.identity.device, batch);
    return {
      msg,
      range,
      endUnixS: batch.endUnixS,
      publishedTimestamp: msg.properties.timestamp as number | undefined,
      samples: range.samples,
    };
  }

  /** The API could not be asked: not the message's fault, so wait (nothing is acked meanwhile). */
  private async resolveWithRetry(
    s: Session,
    userId: string | undefined,
    routingKey: string,
  ): Promise<IdentityResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.o.identity.resolve(userId, routingKey);
      } catch (err) {
        if (s.closed || this.stopping) throw err;
        this.log.warn({ err: (err as Error).message, userId }, 'cannot fetch gateway devices; retrying');
        await sleep(backoffMs(attempt, { initialMs: 500, maxMs: 30_000 }));
      }
    }
  }

  private async write(s: Session, builder: WriteRequestBuilder, entries: readonly Entry[]): Promise<void> {
    const m = this.o.metrics;
    const span = tracer.startSpan('collector.write', {
      attributes: { 'collector.messages': entries.length, 'collector.samples': builder.samples },
    });
    const t0 = performance.now();
    const shouldStop = () => s.closed || (this.stopping && Date.now() > this.stopDeadline);
    const retry = {
      ...(this.o.writeRetry ?? { initialMs: 250, maxMs: 30_000 }),
      shouldStop,
      onRetry: (r: WriteResult & { kind: 'retryable' }, attempt: number, delayMs: number) => {
        m.writeErrors.inc({ kind: 'retryable' });
        if (attempt % 10 === 0) {
          this.log.warn(
            { err: r.error, attempt, delayMs: Math.round(delayMs) },
            'remote write failed; retrying',
          );
        }
      },
    };
    try {
      const result = await writeWithRetry(this.o.writer, await compressRequest(builder.raw()), retry);
      span.setAttribute('collector.result', result.kind);
      if (result.kind === 'retryable') {
        // Stopping or the channel is gone: the broker redelivers these messages.
        m.writeErrors.inc({ kind: 'retryable' });
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
        return;
      }
      if (result.kind === 'success') {
        m.writeSeconds.observe((performance.now() - t0) / 1000);
        m.batchMessages.observe(entries.length);
        m.batchSamples.observe(builder.samples);
        this.written(s, entries);
        return;
      }
      m.writeErrors.inc({ kind: 'permanent' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
      this.log.warn(
        { err: result.error, messages: entries.length },
        'VictoriaMetrics refused a request; bisecting',
      );
      const { rejected, errors } = await bisectRejected(
        entries.length,
        (ix) => compressRequest(builder.slice(ix.map((i) => (entries[i] as Entry).range))),
        (c) => writeWithRetry(this.o.writer, c, retry),
      );
      const bad = new Set(rejected);
      this.written(
        s,
        entries.filter((_, i) => !bad.has(i)),
      );
      for (const i of rejected) {
        this.reject(s, (entries[i] as Entry).msg, {
          reason: 'vm_rejected',
          detail: errors.get(i) ?? 'rejected',
        });
      }
    } finally {
      span.end();
    }
  }

  private written(s: Session, entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const m = this.o.metrics;
    const nowS = Date.now() / 1000;
    let samples = 0;
    for (const e of entries) {
      samples += e.samples;
      m.ingestLag.observe(Math.max(0, nowS - e.endUnixS));
    }
    m.samplesWritten.inc(samples);
    m.messagesWritten.inc(entries.length);
    this.complete(
      s,
      entries.map((e) => e.msg.fields.deliveryTag),
    );
    this.o.onWritten?.(entries);
  }

  /** Acks (multiple) the finished prefix of the deliveries, once. */
  private complete(s: Session, tags: readonly number[]): void {
    let ackTag: number | undefined;
    for (const t of tags) ackTag = s.chain.complete(t) ?? ackTag;
    if (ackTag !== undefined && !s.closed) s.ch.ack({ fields: { deliveryTag: ackTag } } as Message, true);
    this.o.metrics.inFlight.set(s.chain.outstanding);
  }

  /**
   * A copy goes to the dead-letter exchange with the reason in its headers;
   * the original is acked only once the broker confirmed the copy.
   */
  private reject(s: Session, msg: ConsumeMessage, r: Rejection): void {
    this.o.metrics.rejected.inc({ reason: r.reason });
    const p = msg.properties;
    this.log.warn(
      {
        messageId: p.messageId as unknown,
        routingKey: msg.fields.routingKey,
        userId: p.userId as unknown,
        reason: r.reason,
        detail: r.detail,
      },
      'message dead-lettered',
    );
    if (s.closed) return;
    const headers: Record<string, unknown> = {
      ...(p.headers ?? {}),
      'x-reject-reason': r.reason,
      'x-reject-detail': r.detail,
      'x-original-routing-key': msg.fields.routingKey,
      'x-original-exchange': msg.fields.exchange,
    };
    // The broker refuses a user_id other than the publisher's own login: keep it as a header.
    if (typeof p.userId === 'string') headers['x-original-user-id'] = p.userId;
    const options: Record<string, unknown> = { persistent: true, headers };
    for (const k of ['contentType', 'contentEncoding', 'messageId', 'timestamp', 'type', 'appId'] as const) {
      if (p[k] !== undefined) options[k] = p[k];
    }
    try {
      s.confirm.publish(DEAD_LETTER_EXCHANGE, msg.fields.routingKey, msg.content, options, (err) => {
        if (err) {
          // Not confirmed: leave it unacked and start over, the broker will deliver it again.
          this.log.error({ err: String(err) }, 'dead-letter publish not confirmed; reconnecting');
          s.close();
          return;
        }
        this.complete(s, [msg.fields.deliveryTag]);
      });
    } catch (err) {
      this.log.error({ err }, 'dead-letter publish failed; reconnecting');
      s.close();
    }
  }

  /** Stops consuming, writes what is pending (up to the grace period), acks, closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    const grace = this.o.stopGraceMs ?? 10_000;
    this.stopDeadline = Date.now() + grace;
    const s = this.session;
    if (s && !s.closed) {
      for (const tag of s.consumerTags) await s.ch.cancel(tag).catch(() => undefined);
      if (s.pending.length > 0) this.flush(s);
      await Promise.race([Promise.allSettled([...s.batches]), sleep(grace)]);
      await Promise.race([s.confirm.waitForConfirms().catch(() => undefined), sleep(1000)]);
    }
    // Closing the connection returns every unacked message to the queue.
    s?.close();
    await this.loop;
  }
}
