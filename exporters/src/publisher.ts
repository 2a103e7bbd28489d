import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import type { Logger } from '@energy/lib/logger';
import { backoffMs } from '@energy/lib/backoff';
import {
  amqpConnectionClosed,
  closeAmqpConnection,
  destroyAmqpConnection,
  openWithin,
} from '@energy/lib/amqp-attempt';
import { amqpSocketOptions } from '@energy/lib/amqp-tls';
import { BrokerAddressRing } from '@energy/lib/broker-urls';
import { sampleTraceparent, TRACEPARENT_HEADER } from '@energy/lib/trace-context';
import type { ExporterMetrics } from './metrics.js';

export const BATCH_CONTENT_TYPE = 'application/x-protobuf';
export const BATCH_TYPE = 'energy.v1.ReadingBatch';

export interface OutgoingBatch {
  readonly routingKey: string;
  readonly userId: string;
  readonly messageId: string;
  readonly timestampS: number;
  readonly body: Uint8Array;
}

/**
 * Outcome as a value, so retry loops are one line: only 'confirmed' may be
 * forgotten. 'unroutable': the broker returned it (no queue bound for its
 * routing key) — confirmed, but stored nowhere.
 */
export type PublishOutcome = 'confirmed' | 'nacked' | 'unroutable' | 'connection-lost' | 'not-connected';

export interface PublisherOptions {
  /** One broker address, or the nodes of a cluster: a lost or refused connection goes on to the next. */
  readonly url: string | readonly string[];
  /** Where in the list this publisher starts (see startIndexFor: spreads a fleet over the nodes). */
  readonly urlStart?: number;
  /** The broker's CA for amqps:// URLs (AMQP_CA_FILE); read at each connect, so a renewed CA is picked up. */
  readonly caFile?: string;
  readonly exchange: string;
  readonly log: Logger;
  readonly metrics: ExporterMetrics;
  readonly name?: string;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /**
   * Longest wait for one connection attempt: the TCP connect, the AMQP
   * handshake and the confirm channel's open (default 15 s). A node that
   * accepts and never answers (booting, overloaded, half-dead) must not
   * hold the publisher: past it the attempt is torn down and the next
   * address is tried.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Longest wait for one publish's confirm (default 60 s). Past it the
   * channel is taken for broken: the connection is torn down, every
   * unconfirmed publish on it comes back 'connection-lost' (and goes out
   * again), and the next address is tried. RabbitMQ 3.10's quorum queue
   * client can lose an enqueue sent to a leader that dies and then never
   * confirms it, nor anything after it on that channel, while the
   * connection itself stays healthy.
   */
  readonly confirmTimeoutMs?: number;
  /** Most unconfirmed publishes at once; further publishes wait (backpressure). */
  readonly maxInFlight?: number;
  /**
   * The share of publishes that carry a W3C `traceparent` header (0..1;
   * default 0): the collector links its spans to them. No SDK here, only
   * the 55-byte header on the sampled few.
   */
  readonly traceSampleRatio?: number;
}

/**
 * One AMQP connection with a confirm channel that reconnects by itself
 * (capped exponential backoff + jitter). publish() resolves with the
 * outcome of the publisher confirm; it never throws. It waits while the
 * channel asks to drain, while the broker has blocked the connection and
 * while too many publishes are unconfirmed. Devices have no configure
 * rights, so nothing is declared: the exchange must exist.
 */
export class AmqpPublisher {
  private conn: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private blocked = false;
  private draining = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly name: string;
  private readonly maxInFlight: number;
  private readonly traceSampleRatio: number;
  private readonly connectTimeoutMs: number;
  private readonly confirmTimeoutMs: number;
  private addresses: BrokerAddressRing;
  /** Message ids the broker returned (basic.return) on this channel, awaiting their confirm. */
  private returned = new Map<string, number>();

  constructor(private readonly opts: PublisherOptions) {
    this.name = opts.name ?? 'main';
    this.addresses = new BrokerAddressRing(
      typeof opts.url === 'string' ? [opts.url] : opts.url,
      opts.urlStart,
    );
    this.maxInFlight = opts.maxInFlight ?? 1000;
    this.traceSampleRatio = opts.traceSampleRatio ?? 0;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    // setTimeout takes at most 2^31-1 ms (more fires at once).
    this.confirmTimeoutMs = Math.min(opts.confirmTimeoutMs ?? 60_000, 2 ** 31 - 1);
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  get ready(): boolean {
    return this.channel !== undefined && !this.blocked && !this.draining && this.inFlight < this.maxInFlight;
  }

  get connected(): boolean {
    return this.channel !== undefined;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when a publish may go out, or after timeoutMs (false). */
  async waitReady(timeoutMs = Infinity): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      if (this.stopped) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = Number.isFinite(left) ? setTimeout(resolve, left) : undefined;
        this.waiters.push(() => {
          if (t) clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  private async connect(): Promise<void> {
    const { log, metrics } = this.opts;
    if (this.stopped) return;
    if (this.attempt > 0) metrics.reconnects.inc({ outcome: 'attempt' });
    const url = this.addresses.current;
    let opened: { conn: ChannelModel; ch: ConfirmChannel };
    try {
      opened = await this.open(url);
    } catch (err) {
      if (this.attempt > 0) metrics.reconnects.inc({ outcome: 'failure' });
      this.addresses.advance();
      this.schedule(err);
      return;
    }
    const { conn, ch } = opened;
    conn.on('blocked', (reason: string) => {
      log.warn({ reason, connection: this.name }, 'broker blocked publishing');
      this.blocked = true;
      metrics.blocked.set({ connection: this.name }, 1);
    });
    conn.on('unblocked', () => {
      log.info({ connection: this.name }, 'broker unblocked publishing');
      this.blocked = false;
      metrics.blocked.set({ connection: this.name }, 0);
      this.wake();
    });
    // Published with mandatory: the broker returns a batch no queue takes, before confirming it.
    ch.on('return', (msg: Message) => {
      const id = msg.properties.messageId as unknown;
      if (typeof id === 'string') this.returned.set(id, (this.returned.get(id) ?? 0) + 1);
    });
    ch.on('drain', () => {
      this.draining = false;
      this.wake();
    });
    if (this.stopped) {
      destroyAmqpConnection(conn, 'publisher closed');
      return;
    }
    // Listening only now: a close that came with the open's last answer is seen by amqpConnectionClosed.
    this.conn = conn;
    this.channel = ch;
    ch.on('close', () => {
      if (this.channel === ch) this.lost(conn);
    });
    conn.on('close', () => this.lost(conn));
    if (amqpConnectionClosed(conn)) {
      this.lost(conn);
      return;
    }
    this.draining = false;
    this.blocked = false;
    if (this.attempt > 0) metrics.reconnects.inc({ outcome: 'success' });
    this.attempt = 0;
    metrics.connected.set({ connection: this.name }, 1);
    log.info({ connection: this.name, broker: new URL(url).host }, 'amqp connected');
    this.wake();
  }

  /** One attempt: connection and confirm channel within connectTimeoutMs (lib/src/amqp-attempt.ts). */
  private open(url: string): Promise<{ conn: ChannelModel; ch: ConfirmChannel }> {
    const { log } = this.opts;
    return openWithin(this.connectTimeoutMs, `AMQP connect to ${new URL(url).host}`, async (signal) => {
      // Node's sockets take `signal` (amqplib passes its socket options on; its types omit it).
      const socketOptions = {
        ...amqpSocketOptions(url, this.opts.caFile),
        // Ends a TCP connect or handshake that goes quiet; the signal ends the attempt at its deadline.
        timeout: this.connectTimeoutMs,
        signal,
        clientProperties: { connection_name: `energy-exporter-${this.name}` },
      };
      const conn = await amqp.connect(url, socketOptions);
      // One 'error' listener per connection and channel: errors are followed by 'close', which reconnects.
      conn.on('error', (err: Error) =>
        log.warn({ err: err.message, connection: this.name }, 'amqp connection error'),
      );
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err: Error) =>
        log.warn({ err: err.message, connection: this.name }, 'amqp channel error'),
      );
      return { conn, ch };
    });
  }

  private lost(conn: ChannelModel): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.channel = undefined;
    this.returned = new Map();
    this.opts.metrics.connected.set({ connection: this.name }, 0);
    // Close the connection too when only the channel died (e.g. a 403 on publish).
    conn.close().catch(() => undefined);
    this.wake();
    // The node may be gone: the next attempt goes to the next address.
    this.addresses.advance();
    if (!this.stopped) this.schedule(new Error('connection closed'));
  }

  private schedule(err: unknown): void {
    if (this.stopped || this.timer) return;
    // Whole milliseconds: the delay is logged and a fleet's logs stay readable.
    const delay = Math.round(
      backoffMs(this.attempt++, {
        initialMs: this.opts.backoffInitialMs ?? 500,
        maxMs: this.opts.backoffMaxMs ?? 30_000,
      }),
    );
    this.opts.log.warn(
      { err: err instanceof Error ? err.message : String(err), delayMs: delay, connection: this.name },
      'amqp not connected; retrying',
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
  }

  /** Publishes once; waits up to waitMs for the channel to accept it. */
  async publish(b: OutgoingBatch, waitMs = Infinity): Promise<PublishOutcome> {
    if (!(await this.waitReady(waitMs))) return 'not-connected';
    const ch = this.channel;
    const conn = this.conn;
    if (!ch || !conn) return 'not-connected';
    const { metrics } = this.opts;
    const started = process.hrtime.bigint();
    // Sampled per attempt: a retried batch is a new trace (the collector sees each delivery anew).
    const traceparent = sampleTraceparent(this.traceSampleRatio);
    if (traceparent !== undefined) {
      this.opts.log.debug({ traceparent, messageId: b.messageId }, 'publishing a traced batch');
    }
    this.inFlight++;
    return new Promise<PublishOutcome>((resolve) => {
      let unconfirmed: NodeJS.Timeout | undefined;
      const done = (outcome: PublishOutcome): void => {
        clearTimeout(unconfirmed);
        this.inFlight--;
        if (outcome === 'confirmed') {
          metrics.confirms.inc();
          metrics.publishLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        } else metrics.nacks.inc({ reason: outcome });
        this.wake();
        resolve(outcome);
      };
      try {
        const accepted = ch.publish(
          this.opts.exchange,
          b.routingKey,
          Buffer.from(b.body.buffer, b.body.byteOffset, b.body.byteLength),
          {
            persistent: true,
            mandatory: true,
            contentType: BATCH_CONTENT_TYPE,
            type: BATCH_TYPE,
            messageId: b.messageId,
            timestamp: b.timestampS,
            userId: b.userId,
            ...(traceparent === undefined ? {} : { headers: { [TRACEPARENT_HEADER]: traceparent } }),
          },
          (err: unknown) => {
            if (err === null || err === undefined)
              done(this.wasReturned(b.messageId) ? 'unroutable' : 'confirmed');
            else if (err instanceof Error && err.message.includes('nack')) {
              done('nacked');
              this.dropAfterNack(conn);
            } else done('connection-lost');
          },
        );
        if (!accepted) this.draining = true;
        unconfirmed = setTimeout(() => {
          this.opts.log.warn(
            { connection: this.name, messageId: b.messageId, timeoutMs: this.confirmTimeoutMs },
            'no publisher confirm in time; dropping the connection',
          );
          // Its 'close' resolves this publish (and every other unconfirmed one) as connection-lost.
          destroyAmqpConnection(conn, 'no publisher confirm in time');
        }, this.confirmTimeoutMs);
      } catch (err) {
        // The channel closed under us between waitReady and publish.
        this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'publish failed');
        done('connection-lost');
      }
    });
  }

  /**
   * A nack costs this connection: the retry goes out on a new channel on
   * the next node. RabbitMQ 3.10 nacks every publish, for good, on a
   * channel whose quorum queue client registered while the queue's leader
   * was dying (a publisher that reconnected right after its node was
   * killed: test/e2e/broker-cluster.repro.ts saw 450 nacks in 25 s on such
   * channels while the other channels published to the same queue); a new
   * channel registers with the new leader. The reconnect's backoff also
   * paces the retries of a queue that refuses for real (reject-publish).
   */
  private dropAfterNack(conn: ChannelModel): void {
    if (this.conn !== conn) return;
    this.opts.log.warn({ connection: this.name }, 'publish nacked; reconnecting for a new channel');
    this.lost(conn);
  }

  /** A return precedes its confirm on the channel: consume one return of this id, if any. */
  private wasReturned(messageId: string): boolean {
    const n = this.returned.get(messageId);
    if (n === undefined) return false;
    if (n <= 1) this.returned.delete(messageId);
    else this.returned.set(messageId, n - 1);
    return true;
  }

  /**
   * Logs in with new credentials from now on (a rotated password): the open
   * connection is closed so the next one uses them; its unconfirmed
   * publishes come back as connection-lost and go out again.
   */
  useCredentials(username: string, password: string): void {
    const urls = this.addresses.urls.map((u) => {
      const x = new URL(u);
      x.username = encodeURIComponent(username);
      x.password = encodeURIComponent(password);
      return x.toString();
    });
    this.addresses = new BrokerAddressRing(urls, this.addresses.urls.indexOf(this.addresses.current));
    const conn = this.conn;
    if (conn) this.lost(conn);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const conn = this.conn;
    this.conn = undefined;
    this.channel = undefined;
    this.wake();
    if (conn) await closeAmqpConnection(conn, 'publisher closed');
  }
}
