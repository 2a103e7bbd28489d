/**
 * The collector's core, top to bottom: a batch of delivered messages is
 * decoded, identified, validated and encoded into one remote-write request,
 * written (retried while VictoriaMetrics is away; bisected when it refuses
 * the request), and the answer says which messages were stored and which
 * were rejected, with their reason. The transport acks the first and
 * dead-letters the second; anything in neither stays with the broker and
 * comes again. No broker, no HTTP here: VictoriaMetrics and the API are
 * the ports `RemoteWriter` and `GatewayDeviceLister`.
 */
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { backoffMs, type BackoffOptions } from '@energy/lib/backoff';
import type { Logger } from '@energy/lib/logger';
import { decodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { endMessageSpans, linksTo, sampledMessages, tracedWriter, tracer } from './batch-tracing.js';
import { DeviceWatermarks, type DeviceWatermark } from './completeness.js';
import { epochStartZeroMs } from './epoch-start.js';
import { IdentityResolver, type GatewayDeviceLister, type IdentityResult } from './identity.js';
import type { RejectReason, Rejection } from './reject-reason.js';
import { compressRequest, WriteRequestBuilder, type EncodedRange } from './remote-write-encoder.js';
import { bisectRejected, DEFAULT_RETRY, writeWithRetry, type RemoteWriter } from './remote-writer.js';
import { Semaphore } from './semaphore.js';
import { checkBatch, CounterTracker, type ValidationLimits } from './validate.js';
import type { WriteResult } from './write-result.js';

/** What the pipeline reads of one delivered message; `handle` is the transport's own, given back untouched. */
export interface InboundMessage<H> {
  readonly content: Uint8Array;
  /** The publisher's login as the broker verified it (AMQP user_id); the only source of identity. */
  readonly userId?: string;
  /** `<household>.<device>`. */
  readonly routingKey: string;
  readonly messageId?: string;
  /** The timestamp property as published. */
  readonly timestamp?: number;
  /**
   * The W3C `traceparent` header of a batch the exporter sampled (most carry
   * none): the decode and write spans link to it, so one reading can be
   * followed from the Pi to VictoriaMetrics.
   */
  readonly traceparent?: string;
  readonly handle: H;
}

/**
 * A stored message: its household and device (the verified identity) and the
 * completeness watermark it stated (0: none), which the transport holds until
 * every earlier delivery is finished, then hands to `recordCompleteness`.
 */
export interface StoredMessage<H> extends DeviceWatermark {
  readonly message: InboundMessage<H>;
  /** The batch's interval end: the ingest lag is measured from it. */
  readonly endUnixS: number;
  readonly samples: number;
}

export interface RejectedMessage<H> {
  readonly message: InboundMessage<H>;
  readonly rejection: Rejection;
}

/** Messages in neither list were not written (stopping, or the transport lost them): the broker keeps them. */
export interface BatchOutcome<H> {
  readonly stored: readonly StoredMessage<H>[];
  readonly rejected: readonly RejectedMessage<H>[];
}

interface Counter {
  inc(value?: number): void;
}
interface LabelledCounter<L> {
  inc(labels: L, value?: number): void;
}
interface Observer {
  observe(value: number): void;
}

/** The counters the pipeline bumps (collector/src/metrics.ts declares them). */
export interface PipelineMetrics {
  readonly rejected: LabelledCounter<{ reason: RejectReason }>;
  readonly writeErrors: LabelledCounter<{ kind: 'retryable' | 'permanent' }>;
  readonly samplesWritten: Counter;
  readonly messagesWritten: Counter;
  readonly batchMessages: Observer;
  readonly batchSamples: Observer;
  readonly writeSeconds: Observer;
  readonly ingestLag: Observer;
  readonly watermarksWritten: Counter;
  readonly watermarksDropped: LabelledCounter<{ reason: WatermarkDropReason }>;
  /** What each valid batch says of its sender: the Pis seen through the collector. */
  readonly devicesSeen: { mark(deviceKey: string, nowS: number): void };
  readonly deviceOutboxBacklog: Observer;
  readonly deviceCompletenessLag: Observer;
  readonly devicePublishRetries: Counter;
}

/**
 * Why a stated watermark was not written (the metric's `reason`):
 * `not_advancing` — its device's is already as high (a replayed batch states
 * less than the live one did; harmless), `ahead_of_clock` — past the
 * collector's clock by more than the allowed skew (a device cannot have
 * confirmed the future), `vm_rejected` — VictoriaMetrics refused the request,
 * `stopping` — VictoriaMetrics was away until shutdown, `internal_error` —
 * encoding failed (a bug; logged). Dropping one is never wrong, only late:
 * the device's next message states it again.
 */
export type WatermarkDropReason =
  'not_advancing' | 'ahead_of_clock' | 'vm_rejected' | 'stopping' | 'internal_error';

export interface PipelineOptions {
  readonly limits: ValidationLimits;
  readonly writer: RemoteWriter;
  readonly gatewayDevices: GatewayDeviceLister;
  readonly maxWritesInFlight: number;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  readonly writeRetry?: BackoffOptions;
  /** Between attempts to ask the API for a gateway's devices. */
  readonly lookupRetry?: BackoffOptions;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Entry<H> extends StoredMessage<H> {
  /** Where the message's series sit in the request (bisection cuts along these). */
  readonly range: EncodedRange;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class IngestPipeline {
  private readonly identity: IdentityResolver;
  private readonly counters = new CounterTracker();
  private readonly writeSlots: Semaphore;
  private readonly log: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private stopping = false;
  private stopDeadline = Infinity;
  private readonly watermarks = new DeviceWatermarks();
  /** The one watermark write in flight: small requests, one at a time, coalesced meanwhile. */
  private watermarkWrite: Promise<void> | undefined;
  /** Publish retries the senders reported, not yet added to the counter (flushed per batch). */
  private retriesReported = 0;

  constructor(private readonly o: PipelineOptions) {
    this.identity = new IdentityResolver(o.gatewayDevices);
    this.writeSlots = new Semaphore(o.maxWritesInFlight);
    this.log = o.logger;
    this.sleep = o.sleep ?? defaultSleep;
  }

  /**
   * Shutting down: stop waiting for the API now, and give up retrying a
   * write after `graceMs` (its messages go back to the broker).
   */
  stop(graceMs: number): void {
    this.stopping = true;
    this.stopDeadline = Date.now() + graceMs;
  }

  /** `lost`: the transport can no longer ack these messages (its connection closed), so stop working on them. */
  async process<H>(messages: readonly InboundMessage<H>[], lost: () => boolean): Promise<BatchOutcome<H>> {
    const rejected: RejectedMessage<H>[] = [];
    const builder = new WriteRequestBuilder(messages.length * 7000 + 1024);
    const sampled = sampledMessages(messages);
    const startTime = sampled.length > 0 ? Date.now() : 0;
    let stored: readonly Entry<H>[] = [];
    let writeSpan: Span | undefined;
    try {
      const entries: Entry<H>[] = [];
      const decodeSpan = tracer.startSpan('collector.decode', {
        attributes: { 'messaging.batch.message_count': messages.length },
        links: linksTo(sampled),
      });
      try {
        const nowS = Date.now() / 1000;
        for (const msg of messages) {
          // Identity is a cache hit but for a gateway's first message: await only then.
          const admitted = this.admit(msg, builder, nowS, rejected, lost);
          const entry = admitted instanceof Promise ? await admitted : admitted;
          if (entry) entries.push(entry);
        }
      } finally {
        decodeSpan.setAttribute('collector.accepted', entries.length);
        decodeSpan.end();
        if (this.retriesReported > 0) {
          this.o.metrics.devicePublishRetries.inc(this.retriesReported);
          this.retriesReported = 0;
        }
      }
      if (entries.length === 0 || lost()) return { stored, rejected };
      await this.writeSlots.acquire();
      try {
        writeSpan = tracer.startSpan('collector.write', {
          attributes: { 'collector.messages': entries.length, 'collector.samples': builder.samples },
          links: linksTo(sampled, (m) => entries.some((e) => e.message === m)),
        });
        stored = await this.write(builder, entries, rejected, lost, writeSpan);
        return { stored, rejected };
      } finally {
        writeSpan?.end();
        this.writeSlots.release();
      }
    } finally {
      builder.release();
      if (sampled.length > 0) endMessageSpans(sampled, startTime, writeSpan?.spanContext(), stored, rejected);
    }
  }

  /** Decode, identify, validate, encode; a bad message is rejected and yields nothing. */
  private admit<H>(
    msg: InboundMessage<H>,
    builder: WriteRequestBuilder,
    nowS: number,
    rejected: RejectedMessage<H>[],
    lost: () => boolean,
  ): Entry<H> | undefined | Promise<Entry<H> | undefined> {
    if (msg.content.length > this.o.limits.maxBodyBytes) {
      this.reject(rejected, msg, {
        reason: 'oversized',
        detail: `${msg.content.length} bytes > ${this.o.limits.maxBodyBytes}`,
      });
      return undefined;
    }
    let batch: ReadingBatch;
    try {
      batch = decodeReadingBatch(msg.content);
    } catch (err) {
      this.reject(rejected, msg, { reason: 'decode_error', detail: (err as Error).message });
      return undefined;
    }
    const id = this.identity.resolve(msg.userId, msg.routingKey);
    if (id instanceof Promise) {
      return this.resolveWithRetry(msg, id, lost).then((resolved) =>
        this.admitIdentified(msg, builder, nowS, batch, resolved, rejected),
      );
    }
    return this.admitIdentified(msg, builder, nowS, batch, id, rejected);
  }

  private admitIdentified<H>(
    msg: InboundMessage<H>,
    builder: WriteRequestBuilder,
    nowS: number,
    batch: ReadingBatch,
    id: IdentityResult,
    rejected: RejectedMessage<H>[],
  ): Entry<H> | undefined {
    if (!id.ok) {
      this.reject(rejected, msg, id);
      return undefined;
    }
    const bad = checkBatch(batch, nowS, this.o.limits) ?? this.counters.check(msg.routingKey, batch);
    if (bad) {
      this.reject(rejected, msg, bad);
      return undefined;
    }
    const { household, device } = id.identity;
    const range = builder.addBatch(household, device, batch, epochStartZeroMs(batch));
    this.noteSender(msg.routingKey, batch, nowS);
    let completeUntilS = batch.completeUntilS ?? 0;
    if (completeUntilS > nowS + this.o.limits.futureSkewS) {
      // The readings are fine; only the claim is not.
      this.o.metrics.watermarksDropped.inc({ reason: 'ahead_of_clock' });
      completeUntilS = 0;
    }
    return {
      message: msg,
      range,
      endUnixS: batch.endUnixS,
      samples: range.samples,
      household,
      device,
      completeUntilS,
    };
  }

  /**
   * The API could not be asked: not the message's fault, so wait (nothing is
   * acked meanwhile). The first look-up is awaited here too: a rejection
   * nobody awaits would end the process.
   */
  private async resolveWithRetry<H>(
    msg: InboundMessage<H>,
    first: Promise<IdentityResult>,
    lost: () => boolean,
  ): Promise<IdentityResult> {
    let lookup = first;
    for (let attempt = 0; ; attempt++) {
      try {
        return await lookup;
      } catch (err) {
        if (lost() || this.stopping) throw err;
        this.log.warn(
          { err: (err as Error).message, userId: msg.userId },
          'cannot fetch gateway devices; retrying',
        );
        await this.sleep(backoffMs(attempt, this.o.lookupRetry ?? { initialMs: 500, maxMs: 30_000 }));
        lookup = Promise.resolve(this.identity.resolve(msg.userId, msg.routingKey));
      }
    }
  }

  /** Writes the request; returns the entries VictoriaMetrics accepted (and rejects the ones it refuses). */
  private async write<H>(
    builder: WriteRequestBuilder,
    entries: readonly Entry<H>[],
    rejected: RejectedMessage<H>[],
    lost: () => boolean,
    span: Span,
  ): Promise<readonly Entry<H>[]> {
    const m = this.o.metrics;
    const writer = tracedWriter(this.o.writer, span);
    const t0 = performance.now();
    const retry = {
      ...(this.o.writeRetry ?? DEFAULT_RETRY),
      sleep: this.sleep,
      shouldStop: () => lost() || (this.stopping && Date.now() > this.stopDeadline),
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
      const result = await writeWithRetry(writer, await compressRequest(builder.raw()), retry);
      span.setAttribute('collector.result', result.kind);
      if (result.kind === 'retryable') {
        // Stopping or the transport is gone: the broker redelivers these messages.
        m.writeErrors.inc({ kind: 'retryable' });
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
        return [];
      }
      if (result.kind === 'success') {
        m.writeSeconds.observe((performance.now() - t0) / 1000);
        m.batchMessages.observe(entries.length);
        m.batchSamples.observe(builder.samples);
        this.countWritten(entries);
        return entries;
      }
      m.writeErrors.inc({ kind: 'permanent' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
      this.log.warn(
        { err: result.error, messages: entries.length },
        'VictoriaMetrics refused a request; bisecting',
      );
      const refused = await bisectRejected(
        entries.length,
        (ix) => compressRequest(builder.slice(ix.map((i) => (entries[i] as Entry<H>).range))),
        (c) => writeWithRetry(writer, c, retry),
      );
      const bad = new Set(refused.rejected);
      const stored = entries.filter((_, i) => !bad.has(i));
      this.countWritten(stored);
      for (const i of refused.rejected) {
        this.reject(rejected, (entries[i] as Entry<H>).message, {
          reason: 'vm_rejected',
          detail: refused.errors.get(i) ?? 'rejected',
        });
      }
      return stored;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    }
  }

  /**
   * Watermarks whose every earlier delivery is finished (the transport knows
   * the finished prefix; completeness.ts says why that makes them true). They
   * go to VictoriaMetrics in a small request of their own after the readings'
   * acks, never inside a readings request: a readings request's outcome
   * decides acks and must not depend on them.
   */
  recordCompleteness(marks: readonly DeviceWatermark[]): void {
    const behind = this.watermarks.offer(marks);
    if (behind > 0) this.o.metrics.watermarksDropped.inc({ reason: 'not_advancing' }, behind);
    if (this.watermarks.waiting > 0) {
      this.watermarkWrite ??= this.writeWatermarks().finally(() => (this.watermarkWrite = undefined));
    }
  }

  /** Resolves when no watermark waits to be written (shutdown, tests). */
  async watermarksSettled(): Promise<void> {
    while (this.watermarkWrite) await this.watermarkWrite;
  }

  private async writeWatermarks(): Promise<void> {
    const m = this.o.metrics;
    const retry = {
      ...(this.o.writeRetry ?? DEFAULT_RETRY),
      sleep: this.sleep,
      shouldStop: () => this.stopping && Date.now() > this.stopDeadline,
      onRetry: () => m.writeErrors.inc({ kind: 'retryable' }),
    };
    for (let marks = this.watermarks.take(); marks.length > 0; marks = this.watermarks.take()) {
      const builder = new WriteRequestBuilder(marks.length * 96 + 256);
      try {
        const tsMs = Date.now();
        for (const w of marks) builder.addWatermark(w, tsMs);
        const result = await writeWithRetry(this.o.writer, await compressRequest(builder.raw()), retry);
        if (result.kind === 'success') m.watermarksWritten.inc(marks.length);
        else {
          m.writeErrors.inc({ kind: result.kind });
          m.watermarksDropped.inc(
            { reason: result.kind === 'permanent' ? 'vm_rejected' : 'stopping' },
            marks.length,
          );
          this.log.warn({ err: result.error, devices: marks.length }, 'completeness watermarks not written');
        }
      } catch (err) {
        m.watermarksDropped.inc({ reason: 'internal_error' }, marks.length);
        this.log.error({ err: (err as Error).message }, 'completeness watermarks not written');
      } finally {
        builder.release();
      }
    }
  }

  /** Counted per request, not per message: prom-client's label lookup is not free at 10 k msg/s. */
  /**
   * Per valid message: a bit and two histogram observations (prom-client's
   * observe, as for the ingest lag); retries are summed here and counted once
   * per batch.
   */
  private noteSender(deviceKey: string, batch: ReadingBatch, nowS: number): void {
    const m = this.o.metrics;
    m.devicesSeen.mark(deviceKey, nowS);
    m.deviceOutboxBacklog.observe(batch.outboxBacklog ?? 0);
    if (batch.completeUntilS !== undefined)
      m.deviceCompletenessLag.observe(Math.max(0, nowS - batch.completeUntilS));
    if (batch.publishRetries !== undefined) this.retriesReported += batch.publishRetries;
  }

  private countWritten(entries: readonly Entry<unknown>[]): void {
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
  }

  /** Counted and logged where it is decided; the transport dead-letters it with the reason. */
  private reject<H>(rejected: RejectedMessage<H>[], msg: InboundMessage<H>, r: Rejection): void {
    this.o.metrics.rejected.inc({ reason: r.reason });
    this.log.warn(
      {
        messageId: msg.messageId,
        routingKey: msg.routingKey,
        userId: msg.userId,
        reason: r.reason,
        detail: r.detail,
      },
      'message dead-lettered',
    );
    rejected.push({ message: msg, rejection: { reason: r.reason, detail: r.detail } });
  }
}
