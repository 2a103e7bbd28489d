import { backoffMs } from '@energy/lib/backoff';
import type { Logger } from '@energy/lib/logger';
import { withPublishState } from '@energy/lib/reading-batch';
import { completeUntil } from './completeness.js';
import type { ExporterMetrics } from './metrics.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { OutgoingBatch, PublishOutcome } from './publisher.js';

/** Batches kept in memory when the outbox cannot write (full disk): about a week of minutes. */
const MEMORY_RETRY_LIMIT = 10_000;
/** Live batches queued ahead of the backlog; older ones are left to the replay. */
const LIVE_QUEUE_LIMIT = 100;

export interface PumpSink {
  waitReady(timeoutMs?: number): Promise<boolean>;
  publish(b: OutgoingBatch, waitMs?: number): Promise<PublishOutcome>;
}

export interface OutboxPumpOptions {
  readonly outbox: Outbox;
  readonly sink: PumpSink;
  /** Routing key and userId: the device's broker username. */
  readonly username: string;
  /** Replayed batches per second at most (live batches are not limited). */
  readonly replayRate: number;
  readonly log: Logger;
  readonly metrics: ExporterMetrics;
  readonly nowS?: () => number;
}

/**
 * Moves batches from the outbox to the broker: live batches first, then the
 * backlog oldest first, rate-limited. A batch leaves the outbox only on its
 * publisher confirm; any other outcome leaves it for the next pass, so a
 * crash or an outage costs at most a duplicate (same messageId).
 */
export class OutboxPump {
  private readonly live: OutboxEntry[] = [];
  private readonly inFlight = new Map<number, OutboxEntry>();
  /** End of the newest batch made in this process (the watermark when nothing else waits). */
  private newestEndS = 0;
  private cursor = 0;
  /** Publishes without a confirm not yet reported: stated on the next batch, given back if that one fails. */
  private retriesSinceLast = 0;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private tokens = 0;
  private lastRefill = Date.now();
  private running: Promise<void> | undefined;
  /** Returns in a row: the broker routes our batches nowhere (a binding is missing) — hold back, do not flood it. */
  private unroutableStreak = 0;
  private holdUntil = 0;

  constructor(private readonly opts: OutboxPumpOptions) {}

  /** A freshly stored batch: published ahead of the backlog. */
  enqueueLive(entry: OutboxEntry): void {
    this.live.push(entry);
    if (entry.endUnixS > this.newestEndS) this.newestEndS = entry.endUnixS;
    // While offline, stored batches need not wait in memory too: the replay finds them in the outbox.
    if (this.live.length > LIVE_QUEUE_LIMIT) {
      const i = this.live.findIndex((e) => e.id > 0);
      if (i >= 0) this.live.splice(i, 1);
      else if (this.live.length > MEMORY_RETRY_LIMIT) {
        // Disk full and broker away for a week: the oldest memory-only batch goes, counted.
        this.live.shift();
        this.opts.metrics.outboxDropped.inc({ reason: 'memory-overflow' });
      }
    }
    this.updateGauges();
    this.wake();
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
  }

  get pendingInFlight(): number {
    return this.inFlight.size;
  }

  private updateGauges(): void {
    const { outbox, metrics } = this.opts;
    metrics.outboxDepth.set(outbox.depth);
    const oldest = outbox.oldestEndS();
    const now = this.opts.nowS?.() ?? Date.now() / 1000;
    metrics.outboxOldestAge.set(oldest === undefined ? 0 : Math.max(0, now - oldest));
  }

  private dispatch(e: OutboxEntry): void {
    const { sink, username, outbox, metrics, log } = this.opts;
    // Stated now, not when the batch was stored: the outbox's state at this publish.
    const until = this.completeUntil(e);
    const state = {
      completeUntilS: until >= 1 ? until : 0,
      // Everything else waiting: the outbox's rows and memory-only batches, this one excluded.
      outboxBacklog: Math.max(0, this.opts.outbox.depth + this.memoryOnly() - 1),
      publishRetries: this.retriesSinceLast,
    };
    this.retriesSinceLast = 0;
    this.inFlight.set(e.id, e);
    // Replay may reach a live batch first; it must not go out twice from here.
    const i = this.live.findIndex((l) => l.id === e.id);
    if (i >= 0) this.live.splice(i, 1);
    void sink
      .publish({
        routingKey: username,
        userId: username,
        messageId: e.messageId,
        timestampS: e.endUnixS,
        body: withPublishState(e.body, state),
      })
      .then((outcome) => {
        this.inFlight.delete(e.id);
        if (outcome === 'confirmed') {
          try {
            outbox.delete(e.id);
          } catch (err) {
            // The batch stays and is replayed: a duplicate, never a loss.
            log.warn({ err: err instanceof Error ? err.message : String(err) }, 'outbox delete failed');
          }
          metrics.published.inc();
          this.unroutableStreak = 0;
          return this.settled();
        }
        if (outcome === 'unroutable') {
          // Kept in the outbox like any unconfirmed batch; the publisher counted it (nacks, reason unroutable).
          const holdMs = Math.round(backoffMs(this.unroutableStreak++, { initialMs: 1000, maxMs: 60_000 }));
          this.holdUntil = Date.now() + holdMs;
          log.warn(
            { messageId: e.messageId, holdMs },
            'broker returned the batch: no queue is bound for it; kept and retried',
          );
        }
        // This attempt, and the retries it carried: a report in an unconfirmed batch may never arrive.
        this.retriesSinceLast += 1 + state.publishRetries;
        if (e.id < 0) {
          // Held in memory only (the disk refused it): retry it, within a bound.
          if (this.live.length < MEMORY_RETRY_LIMIT) this.live.push(e);
          else metrics.outboxDropped.inc({ reason: 'memory-overflow' });
        } else {
          // Go over the backlog again from the oldest.
          this.cursor = 0;
        }
        this.settled();
      });
  }

  private settled(): void {
    this.updateGauges();
    this.wake();
  }

  /** Batches the disk refused, held in the live queue or in flight (not counted by outbox.depth). */
  private memoryOnly(): number {
    let n = 0;
    for (const l of this.live) if (l.id < 0) n++;
    for (const f of this.inFlight.values()) if (f.id < 0) n++;
    return n;
  }

  /**
   * The watermark this publish states (completeness.ts): the outbox's rows,
   * published or not, wait until their confirm deletes them; batches the
   * disk refused wait in memory (the live queue or in flight).
   */
  private completeUntil(e: OutboxEntry): number {
    if (e.endUnixS > this.newestEndS) this.newestEndS = e.endUnixS;
    let earliest = this.opts.outbox.earliestEndExcept(e.id) ?? Infinity;
    for (const l of this.live) if (l.id < 0 && l.id !== e.id && l.endUnixS < earliest) earliest = l.endUnixS;
    for (const f of this.inFlight.values()) {
      if (f.id < 0 && f.id !== e.id && f.endUnixS < earliest) earliest = f.endUnixS;
    }
    return completeUntil(Number.isFinite(earliest) ? earliest : undefined, this.newestEndS);
  }

  private takeToken(): boolean {
    const now = Date.now();
    const rate = this.opts.replayRate;
    this.tokens = Math.min(Math.max(1, rate / 10), this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    const { sink, outbox } = this.opts;
    this.updateGauges();
    while (!this.stopped) {
      const hold = this.holdUntil - Date.now();
      if (hold > 0) {
        await this.sleep(Math.min(hold, 1000));
        continue;
      }
      if (!(await sink.waitReady(1000))) continue;
      const liveEntry = this.live.shift();
      if (liveEntry) {
        if (!this.inFlight.has(liveEntry.id)) this.dispatch(liveEntry);
        continue;
      }
      if (!this.takeToken()) {
        await this.sleep(Math.max(1, 1000 / this.opts.replayRate));
        continue;
      }
      const next = outbox.after(this.cursor, 1)[0];
      if (!next) {
        this.tokens += 1; // unused
        // Nothing past the cursor: rescan from the start later (rows left by failed publishes).
        if (this.cursor !== 0 && this.inFlight.size === 0) this.cursor = 0;
        else await this.sleep(this.inFlight.size > 0 ? 200 : 1000);
        continue;
      }
      this.cursor = next.id;
      if (!this.inFlight.has(next.id)) this.dispatch(next);
    }
  }

  /** Resolves when the outbox is empty and nothing is in flight (tests, shutdown). */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.opts.outbox.depth > 0 || this.inFlight.size > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }
}
