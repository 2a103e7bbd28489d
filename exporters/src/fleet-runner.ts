import type { FleetManifest } from '@energy/lib/fleet-manifest';
import { deviceUsername } from '@energy/lib/defaults';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import type { Logger } from '@energy/lib/logger';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { batchMessageId } from './boot-id.js';
import { completeUntil } from './completeness.js';
import { DeviceEpoch } from './fleet-device.js';
import type { ExporterMetrics } from './metrics.js';
import type { OutgoingBatch, PublishOutcome } from './publisher.js';

/** What the fleet needs of a publisher (AmqpPublisher has it). */
export interface BatchSink {
  readonly connected: boolean;
  waitReady(timeoutMs?: number): Promise<boolean>;
  publish(b: OutgoingBatch): Promise<PublishOutcome>;
}

interface FleetDevice {
  readonly routingKey: string;
  readonly sink: BatchSink;
  readonly backfill: DeviceEpoch | undefined;
  readonly live: DeviceEpoch;
  /** End times of the batches made but not confirmed (in flight or queued for retry). */
  readonly unconfirmed: number[];
  /** End of the newest batch made. */
  newestEndS: number;
  /** Publishes of this device without a confirm not yet reported: stated on its next batch. */
  retriesSinceLast: number;
}

export interface FleetOptions {
  readonly manifest: FleetManifest;
  readonly seed: number;
  readonly sinks: readonly BatchSink[];
  readonly backfillHours: number;
  /** Backfill publishes per second at most, so the broker keeps room for live minutes. */
  readonly backfillRate: number;
  /** Unconfirmed batches kept for retry; beyond it the oldest is dropped and counted. */
  readonly retryLimit: number;
  readonly log: Logger;
  readonly metrics: ExporterMetrics;
  readonly nowS?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Removes one occurrence of `end` (a device has a handful unconfirmed at most). */
function forget(unconfirmed: number[], end: number): void {
  const i = unconfirmed.indexOf(end);
  if (i >= 0) unconfirmed.splice(i, 1);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * N simulated households publishing through a few gateway connections. The
 * clock backfills the past fast (rate-limited) and runs in real time from
 * the process start; it never stamps a batch after now. Live minutes go
 * first, then retries, then backfill.
 *
 * Unconfirmed batches are retried from a bounded in-memory queue rather
 * than a disk outbox: the fleet's data is simulated and reproducible, the
 * fleet's job is load and demo, and an outbox write per device-minute for
 * 100,000 households would cost more disk I/O than the broker's own
 * persistence. A real device uses the outbox (outbox.ts).
 */
export class FleetRunner {
  private readonly devices: FleetDevice[] = [];
  private readonly nowS: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private retry: { dev: FleetDevice; batch: ReadingBatch }[] = [];
  private backfillMinute = 0;
  private backfillIndex = 0;
  private readonly backfillEndMinute: number;
  private liveMinute: number;
  private stopped = false;
  private tokens = 0;
  private lastRefill = 0;
  private inFlight = 0;
  readonly gateway: string;
  /** Minute-batches published and confirmed (for tests and the bench). */
  confirmed = 0;

  constructor(private readonly opts: FleetOptions) {
    this.nowS = opts.nowS ?? (() => Date.now() / 1000);
    this.sleep = opts.sleep ?? defaultSleep;
    this.gateway = opts.manifest.gateway.username;
    const startMinute = Math.floor(this.nowS() / 60);
    this.liveMinute = startMinute;
    this.backfillEndMinute = startMinute;
    const firstBackfill = startMinute - Math.round(opts.backfillHours * 60);
    this.backfillMinute = firstBackfill;
    let i = 0;
    for (const hh of opts.manifest.households) {
      for (const d of hh.devices) {
        const sim = new HouseholdSimulator({
          seed: opts.seed,
          householdId: hh.householdId,
          deviceId: d.deviceId,
          timeZone: hh.timeZone,
        });
        const sink = opts.sinks[i++ % opts.sinks.length];
        if (!sink) throw new Error('fleet needs at least one publisher');
        this.devices.push({
          routingKey: deviceUsername(hh.householdId, d.deviceId),
          sink,
          // Two epochs: the backfill one begins at the backfill start, the live one at process start.
          backfill: firstBackfill < startMinute ? new DeviceEpoch(sim, d.sockets, firstBackfill) : undefined,
          live: new DeviceEpoch(sim, d.sockets, startMinute),
          unconfirmed: [],
          newestEndS: 0,
          retriesSinceLast: 0,
        });
      }
    }
  }

  get deviceCount(): number {
    return this.devices.length;
  }

  get backfillDone(): boolean {
    return this.backfillMinute >= this.backfillEndMinute;
  }

  stop(): void {
    this.stopped = true;
  }

  /** `retried`: the batch was made before and is still among the device's unconfirmed ones. */
  private send(dev: FleetDevice, batch: ReadingBatch, retried = false): void {
    if (retried) forget(dev.unconfirmed, batch.endUnixS);
    else if (batch.endUnixS > dev.newestEndS) dev.newestEndS = batch.endUnixS;
    const until = this.completeUntil(dev);
    const b = dev.backfill;
    // Waiting besides this batch: the unconfirmed ones and the backfill minutes not made yet.
    const outboxBacklog =
      dev.unconfirmed.length + (b ? Math.max(0, this.backfillEndMinute - b.nextMinute) : 0);
    const publishRetries = dev.retriesSinceLast;
    dev.retriesSinceLast = 0;
    dev.unconfirmed.push(batch.endUnixS);
    const out: OutgoingBatch = {
      routingKey: dev.routingKey,
      userId: this.gateway,
      messageId: batchMessageId(batch.bootId, batch.seq),
      timestampS: batch.endUnixS,
      body: encodeReadingBatch({ ...batch, completeUntilS: until, outboxBacklog, publishRetries }),
    };
    this.opts.metrics.batchesBuilt.inc();
    this.inFlight++;
    void dev.sink.publish(out).then((outcome) => {
      this.inFlight--;
      if (outcome === 'confirmed') {
        forget(dev.unconfirmed, batch.endUnixS);
        this.confirmed++;
        this.opts.metrics.published.inc();
        return;
      }
      // This attempt, and the retries it carried: a report in an unconfirmed batch may never arrive.
      dev.retriesSinceLast += 1 + publishRetries;
      this.retry.push({ dev, batch });
      if (this.retry.length > this.opts.retryLimit) {
        const dropped = this.retry.shift();
        // Given up for good: it no longer holds the device's watermark back.
        if (dropped) forget(dropped.dev.unconfirmed, dropped.batch.endUnixS);
        this.opts.metrics.outboxDropped.inc({ reason: 'retry-overflow' });
      }
    });
  }

  /**
   * The watermark a device's next publish states (completeness.ts): its
   * unconfirmed batches wait, and so does the rest of its backfill, which
   * is past but not made yet.
   */
  private completeUntil(dev: FleetDevice): number {
    let earliest = Infinity;
    for (const end of dev.unconfirmed) if (end < earliest) earliest = end;
    const b = dev.backfill;
    if (b && b.nextMinute < this.backfillEndMinute) earliest = Math.min(earliest, (b.nextMinute + 1) * 60);
    return completeUntil(Number.isFinite(earliest) ? earliest : undefined, dev.newestEndS);
  }

  /** Waits until the device's connection can take a publish; false when stopped. */
  private async ready(dev: FleetDevice): Promise<boolean> {
    while (!this.stopped) {
      if (await dev.sink.waitReady(1000)) return true;
    }
    return false;
  }

  private liveDue(): boolean {
    return (this.liveMinute + 1) * 60 <= this.nowS();
  }

  /** Publishes one live minute for every device: never a batch whose end is after now. */
  private async publishLiveMinute(): Promise<void> {
    for (const dev of this.devices) {
      if (!(await this.ready(dev))) return;
      this.send(dev, dev.live.next());
    }
    this.liveMinute++;
  }

  private takeToken(): boolean {
    const now = Date.now();
    const rate = this.opts.backfillRate;
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** One step of work; returns false when there was nothing to do. */
  private async step(): Promise<boolean> {
    if (this.liveDue()) {
      await this.publishLiveMinute();
      return true;
    }
    if (this.retry.length > 0) {
      const r = this.retry.shift();
      if (r && (await this.ready(r.dev))) this.send(r.dev, r.batch, true);
      // Stopped while waiting: it stays unconfirmed, so the watermark stays before it.
      return true;
    }
    if (!this.backfillDone) {
      let sent = 0;
      // Small slices, so a due live minute is never behind more than one slice.
      while (sent < 200 && !this.backfillDone && !this.liveDue()) {
        if (!this.takeToken()) {
          await this.sleep(Math.max(1, Math.ceil(1000 / this.opts.backfillRate)));
          continue;
        }
        const dev = this.devices[this.backfillIndex];
        if (dev?.backfill && (await this.ready(dev))) this.send(dev, dev.backfill.next());
        sent++;
        if (++this.backfillIndex >= this.devices.length) {
          this.backfillIndex = 0;
          this.backfillMinute++;
        }
      }
      this.opts.metrics.fleetBackfillLag.set(Math.max(0, this.backfillEndMinute - this.backfillMinute) * 60);
      return true;
    }
    return false;
  }

  /** Runs until stop(). */
  async run(): Promise<void> {
    this.lastRefill = Date.now();
    if (this.devices.length === 0) this.backfillMinute = this.backfillEndMinute;
    while (!this.stopped) {
      if (await this.step()) {
        // Yield to the event loop so confirms and timers run between slices.
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      const untilNextMinute = ((this.liveMinute + 1) * 60 - this.nowS()) * 1000;
      await this.sleep(Math.max(10, Math.min(1000, untilNextMinute + 5)));
    }
  }

  /** Waits until nothing is in flight or queued for retry (tests, shutdown). */
  async settle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 || this.retry.length > 0) {
      if (Date.now() > deadline) return false;
      await defaultSleep(20);
    }
    return true;
  }
}
