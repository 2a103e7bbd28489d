import { amqpConnectionClosed, closeAmqpConnection, openWithin } from '@energy/lib/amqp-attempt';
import { amqpSocketOptions } from '@energy/lib/amqp-tls';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Message,
} from 'amqplib';
import { backoffMs, type BackoffOptions } from '@energy/lib/backoff';
import { BrokerAddressRing } from '@energy/lib/broker-urls';
import { TRACEPARENT_HEADER } from '@energy/lib/trace-context';
import type { Logger } from '@energy/lib/logger';
import { HeldWatermarks } from '../core/completeness.js';
import type { IngestPipeline, InboundMessage, StoredMessage } from '../core/pipeline.js';
import type { Rejection } from '../core/reject-reason.js';
import type { CollectorMetrics } from '../metrics.js';
import { AckChain } from './ack-chain.js';
import { deadLetterOptions } from './dead-letter.js';
import { assertTopology, DEAD_LETTER_EXCHANGE, type TopologyOptions } from './topology.js';

export interface ConsumerOptions {
  /** One broker address, or the nodes of a cluster: a lost or refused connection goes on to the next. */
  readonly amqpUrl: string | readonly string[];
  /** Where in the list this collector starts (collectors of different shards start on different nodes). */
  readonly amqpUrlStart?: number;
  /** The broker's CA for amqps:// URLs (AMQP_CA_FILE); absent: the system's roots. */
  readonly amqpCaFile?: string;
  readonly topology: TopologyOptions;
  /** Queues to consume; default every queue of the topology. */
  readonly consumeQueues?: readonly string[];
  /** Unacked deliveries per consumer: what bounds memory while VictoriaMetrics is down (quorum queues cap it at 2000). */
  readonly prefetch: number;
  /** Hand the pipeline a batch at this many messages... */
  readonly batchMessages: number;
  /** ...or when the oldest pending message waited this long. */
  readonly flushIntervalMs: number;
  readonly pipeline: IngestPipeline;
  readonly metrics: Pick<CollectorMetrics, 'consumed' | 'redeliveries' | 'inFlight' | 'connected'>;
  readonly logger: Logger;
  readonly reconnect?: BackoffOptions;
  /**
   * Longest wait for one session to open: connect, channels, declares and
   * consumers (default 30 s). A node that takes the connection and then
   * never answers is left for the next address (lib/src/amqp-attempt.ts).
   */
  readonly connectTimeoutMs?: number;
  /** How long stop() waits for writes in flight before giving their messages back to the broker. */
  readonly stopGraceMs?: number;
  /** Called after VictoriaMetrics accepted a request (the benchmark measures lag with it). */
  readonly onWritten?: (written: readonly StoredMessage<ConsumeMessage>[]) => void;
}

type Delivery = InboundMessage<ConsumeMessage>;

/** One connection with its consuming and confirm channels; its delivery tags die with it. */
class Session {
  closed = false;
  readonly chain = new AckChain();
  /** Stated watermarks waiting for every earlier delivery on this channel to finish. */
  readonly watermarks = new HeldWatermarks<StoredMessage<ConsumeMessage>>();
  pending: Delivery[] = [];
  firstPendingAt = 0;
  readonly batches = new Set<Promise<void>>();
  timer: NodeJS.Timeout | undefined;
  readonly consumerTags: string[] = [];
  readonly closedPromise: Promise<void>;
  /** For the pipeline: once closed, this session's deliveries can no longer be acked. */
  readonly lost = (): boolean => this.closed;
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

/** What the pipeline reads of a delivery; the delivery itself rides along to be acked or dead-lettered. */
function inbound(msg: ConsumeMessage): Delivery {
  const p = msg.properties;
  return {
    content: msg.content,
    userId: p.userId as string | undefined,
    routingKey: msg.fields.routingKey,
    messageId: p.messageId as string | undefined,
    timestamp: p.timestamp as number | undefined,
    traceparent: traceparentOf(p.headers),
    handle: msg,
  };
}

/** A sampled batch's W3C trace context: a string header, or bytes from a client that sent it as a byte array. */
function traceparentOf(headers: Record<string, unknown> | undefined): string | undefined {
  const h = headers?.[TRACEPARENT_HEADER];
  if (h === undefined) return undefined;
  return typeof h === 'string' ? h : Buffer.isBuffer(h) ? h.toString('latin1') : undefined;
}

/**
 * The broker side of the collector: consumes ReadingBatches, hands them to
 * the pipeline in batches, and acks (multiple, in delivery order) only what
 * the pipeline stored or what went to the dead-letter queue with a reason.
 * Anything else stays with the broker.
 */
export class AmqpConsumer {
  private session: Session | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly addresses: BrokerAddressRing;

  constructor(private readonly o: ConsumerOptions) {
    this.log = o.logger;
    this.addresses = new BrokerAddressRing(
      typeof o.amqpUrl === 'string' ? [o.amqpUrl] : o.amqpUrl,
      o.amqpUrlStart,
    );
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
          await closeAmqpConnection(s.conn, 'session over');
        }
      }
      if (this.stopping) break;
      // The node may be gone: the next attempt goes to the next address.
      const broker = new URL(this.addresses.advance()).host;
      const delay = backoffMs(attempt++, reconnect);
      this.log.info({ delayMs: Math.round(delay), broker }, 'reconnecting to the broker');
      await sleep(delay);
    }
  }

  private openSession(): Promise<Session> {
    const url = this.addresses.current;
    const ms = this.o.connectTimeoutMs ?? 30_000;
    return openWithin(ms, `AMQP session on ${new URL(url).host}`, async (signal) => {
      // Node's sockets take `signal` (amqplib passes its socket options on; its types omit it).
      const socketOptions = {
        ...amqpSocketOptions(url, this.o.amqpCaFile),
        // Ends a TCP connect or handshake that goes quiet; the signal ends the opening at its deadline.
        timeout: ms,
        signal,
      };
      const conn = await connect(url, socketOptions);
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
      // A close that came with the last answer was emitted before these listeners (amqplib reads a whole chunk first).
      if (amqpConnectionClosed(conn)) s.close();
      return s;
    });
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
    s.pending.push(inbound(msg));
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

  private async processBatch(s: Session, msgs: readonly Delivery[]): Promise<void> {
    const { stored, rejected } = await this.o.pipeline.process(msgs, s.lost);
    for (const r of rejected) this.deadLetter(s, r.message.handle, r.rejection);
    if (stored.length === 0) return;
    const tags = stored.map((e) => e.message.handle.fields.deliveryTag);
    for (let i = 0; i < stored.length; i++) {
      const e = stored[i] as StoredMessage<ConsumeMessage>;
      if (e.completeUntilS > 0) s.watermarks.hold(tags[i] as number, e);
    }
    this.complete(s, tags);
    this.o.onWritten?.(stored);
  }

  /**
   * Acks (multiple) the finished prefix of the deliveries, once; the
   * watermarks stated within that prefix are now true (core/completeness.ts)
   * and go to the pipeline. "Finished" is stored or dead-lettered, a fact
   * even if the channel closed before the ack went out.
   */
  private complete(s: Session, tags: readonly number[]): void {
    let ackTag: number | undefined;
    for (const t of tags) ackTag = s.chain.complete(t) ?? ackTag;
    if (ackTag !== undefined && !s.closed) s.ch.ack({ fields: { deliveryTag: ackTag } } as Message, true);
    this.o.metrics.inFlight.set(s.chain.outstanding);
    if (ackTag !== undefined && s.watermarks.size > 0) {
      this.o.pipeline.recordCompleteness(s.watermarks.release(ackTag));
    }
  }

  /**
   * A copy goes to the dead-letter exchange with the reason in its headers;
   * the original is acked only once the broker confirmed the copy.
   */
  private deadLetter(s: Session, msg: ConsumeMessage, r: Rejection): void {
    if (s.closed) return;
    try {
      s.confirm.publish(
        DEAD_LETTER_EXCHANGE,
        msg.fields.routingKey,
        msg.content,
        deadLetterOptions(msg, r),
        (err) => {
          if (err) {
            // Not confirmed: leave it unacked and start over, the broker will deliver it again.
            this.log.error({ err: String(err) }, 'dead-letter publish not confirmed; reconnecting');
            s.close();
            return;
          }
          this.complete(s, [msg.fields.deliveryTag]);
        },
      );
    } catch (err) {
      this.log.error({ err }, 'dead-letter publish failed; reconnecting');
      s.close();
    }
  }

  /** Stops consuming, writes what is pending (up to the grace period), acks, closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    const grace = this.o.stopGraceMs ?? 10_000;
    this.o.pipeline.stop(grace);
    const s = this.session;
    if (s && !s.closed) {
      for (const tag of s.consumerTags) await s.ch.cancel(tag).catch(() => undefined);
      if (s.pending.length > 0) this.flush(s);
      await Promise.race([Promise.allSettled([...s.batches]), sleep(grace)]);
      await Promise.race([s.confirm.waitForConfirms().catch(() => undefined), sleep(1000)]);
    }
    await Promise.race([this.o.pipeline.watermarksSettled(), sleep(grace)]);
    // Closing the connection returns every unacked message to the queue.
    s?.close();
    await this.loop;
  }
}
