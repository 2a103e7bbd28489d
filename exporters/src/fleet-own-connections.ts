import { backoffMs } from '@energy/lib/backoff';
import { startIndexFor } from '@energy/lib/broker-urls';
import { deviceUsername } from '@energy/lib/defaults';
import type { Logger } from '@energy/lib/logger';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { withCredentials } from './amqp-url.js';
import { batchMessageId } from './boot-id.js';
import { completeUntil } from './completeness.js';
import { DeviceEpoch } from './fleet-device.js';
import type { ExporterMetrics } from './metrics.js';
import { AmqpPublisher, type OutgoingBatch } from './publisher.js';

/** One simulated Pi with the broker credentials the API gave it. */
export interface OwnDevice {
  readonly householdId: string;
  readonly deviceId: string;
  readonly password: string;
  readonly sockets: number;
  readonly timeZone?: string;
}

export interface OwnConnectionsOptions {
  readonly devices: readonly OwnDevice[];
  /** The broker's addresses without credentials (host, port, vhost, `?heartbeat=`): one, or a cluster's nodes. */
  readonly amqpUrls: readonly string[];
  /** The CA that signed an amqps:// broker's certificate. */
  readonly caFile?: string;
  readonly exchange: string;
  readonly seed: number;
  readonly log: Logger;
  readonly metrics: ExporterMetrics;
  /** First UTC minute every device emits; minutes are made no faster than `minuteEveryMs` and never after now. */
  readonly startMinute: number;
  /** Real time between a device's batches: 60,000 is a real Pi; less replays the past faster. */
  readonly minuteEveryMs: number;
  /** Devices boot spread evenly over this window, as a real fleet does not switch on in one instant. */
  readonly bootSpreadMs: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly nowS?: () => number;
}

/** What a device did; the bench and the fault test read it. */
export interface DeviceState {
  readonly username: string;
  readonly publisher: AmqpPublisher;
  readonly epoch: DeviceEpoch;
  /** The in-memory outbox: made, not yet confirmed, oldest first. */
  readonly outbox: ReadingBatch[];
  /** Sequence numbers made (1..made under the one epoch, unless a counter rolled over). */
  made: number;
  confirmed: number;
  /** Date.now() of the latest confirm. */
  lastConfirmAtMs: number;
  /** Publishes since the last confirmed one (stated on the next batch). */
  retries: number;
  /** Refusals in a row (nacked, returned unroutable): the next attempt waits on the backoff. */
  refusals: number;
  pumping: boolean;
  nextDueMs: number;
}

/**
 * The fleet as real Pis connect: every device logs in with its own
 * credentials over its own AMQP connection (so the broker asks the API's
 * HTTP auth backend once per device), keeps what it made in an in-memory
 * outbox and publishes it oldest first, one at a time, forgetting a batch
 * only when the broker confirmed it. On a lost connection every device
 * reconnects on its own capped exponential backoff with jitter
 * (lib/src/backoff.ts through AmqpPublisher), so a restarted broker sees the
 * fleet come back spread out rather than in one wave.
 *
 * The gateway mode (fleet-runner.ts) stays for load: two connections carry
 * 100,000 devices. This mode is for what only per-device connections show:
 * memory per connection, logins per second, reconnect storms.
 */
export class OwnConnectionsFleet {
  readonly devices: DeviceState[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly nowS: () => number;
  private stopped = false;
  private next = 0;
  private readonly startedMs: number;

  constructor(private readonly opts: OwnConnectionsOptions) {
    this.nowS = opts.nowS ?? (() => Date.now() / 1000);
    this.startedMs = Date.now();
    const n = opts.devices.length;
    opts.devices.forEach((d, i) => {
      const username = deviceUsername(d.householdId, d.deviceId);
      const sim = new HouseholdSimulator({
        seed: opts.seed,
        householdId: d.householdId,
        deviceId: d.deviceId,
        ...(d.timeZone === undefined ? {} : { timeZone: d.timeZone }),
      });
      const publisher = new AmqpPublisher({
        url: opts.amqpUrls.map((u) => withCredentials(u, username, d.password)),
        // Each device starts on the node its name hashes to: a fleet spreads over a cluster.
        urlStart: startIndexFor(username, opts.amqpUrls.length),
        ...(opts.caFile === undefined ? {} : { caFile: opts.caFile }),
        exchange: opts.exchange,
        log: opts.log,
        metrics: opts.metrics,
        name: username,
        // One batch in flight per device: the outbox publishes in order, as the daemon's pump does.
        maxInFlight: 1,
        backoffInitialMs: opts.backoffInitialMs ?? 1000,
        backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      });
      this.devices.push({
        username,
        publisher,
        epoch: new DeviceEpoch(sim, d.sockets, opts.startMinute),
        outbox: [],
        made: 0,
        confirmed: 0,
        lastConfirmAtMs: 0,
        retries: 0,
        refusals: 0,
        pumping: false,
        nextDueMs: this.startedMs + (n > 0 ? (i * opts.bootSpreadMs) / n : 0),
      });
    });
  }

  /** Boots the devices over the spread window and makes batches on their cadence. */
  start(): void {
    this.timer = setInterval(() => this.tick(), 50);
  }

  private tick(): void {
    if (this.stopped) return;
    const now = Date.now();
    // Boot in order of the spread; after it, every device is visited for its due minute.
    while (this.next < this.devices.length) {
      const dev = this.devices[this.next];
      if (!dev || dev.nextDueMs > now) break;
      dev.publisher.start();
      this.next++;
    }
    for (let i = 0; i < this.next; i++) {
      const dev = this.devices[i] as DeviceState;
      if (dev.nextDueMs > now) continue;
      if ((dev.epoch.nextMinute + 1) * 60 > this.nowS()) continue;
      dev.outbox.push(dev.epoch.next());
      dev.made++;
      this.opts.metrics.batchesBuilt.inc();
      dev.nextDueMs += this.opts.minuteEveryMs;
      // A device that fell far behind (its process was starved) does not burst.
      if (dev.nextDueMs < now) dev.nextDueMs = now + this.opts.minuteEveryMs;
      void this.pump(dev);
    }
  }

  private async pump(dev: DeviceState): Promise<void> {
    if (dev.pumping) return;
    dev.pumping = true;
    try {
      while (!this.stopped) {
        const batch = dev.outbox[0];
        if (!batch) return;
        // The earliest waiting batch besides this one is the next in the outbox.
        const waiting = dev.outbox[1];
        const newest = dev.outbox[dev.outbox.length - 1] ?? batch;
        const out: OutgoingBatch = {
          routingKey: dev.username,
          userId: dev.username,
          messageId: batchMessageId(batch.bootId, batch.seq),
          timestampS: batch.endUnixS,
          body: encodeReadingBatch({
            ...batch,
            completeUntilS: completeUntil(waiting?.endUnixS, newest.endUnixS),
            outboxBacklog: dev.outbox.length - 1,
            publishRetries: dev.retries,
          }),
        };
        const outcome = await dev.publisher.publish(out, 1000);
        if (outcome === 'confirmed') {
          dev.outbox.shift();
          dev.confirmed++;
          dev.retries = 0;
          dev.refusals = 0;
          dev.lastConfirmAtMs = Date.now();
          this.opts.metrics.published.inc();
        } else if (outcome === 'nacked' || outcome === 'unroutable') {
          // The broker is up but refused it (no queue bound, a resource limit): kept, retried later, not flooded.
          dev.retries++;
          const hold = backoffMs(dev.refusals++, { initialMs: 1000, maxMs: 60_000 });
          await new Promise((r) => setTimeout(r, hold));
        } else if (outcome === 'connection-lost') dev.retries++;
      }
    } finally {
      dev.pumping = false;
    }
  }

  get connected(): number {
    let c = 0;
    for (const d of this.devices) if (d.publisher.connected) c++;
    return c;
  }

  get outboxBatches(): number {
    let c = 0;
    for (const d of this.devices) c += d.outbox.length;
    return c;
  }

  /** Stops making batches, waits up to timeoutMs for the outboxes to empty, closes every connection. */
  async stop(timeoutMs = 30_000): Promise<boolean> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.outboxBatches > 0 && Date.now() < deadline) {
      for (const d of this.devices) if (d.outbox.length > 0) void this.pump(d);
      await new Promise((r) => setTimeout(r, 100));
    }
    const empty = this.outboxBatches === 0;
    this.stopped = true;
    await Promise.all(this.devices.map((d) => d.publisher.close()));
    return empty;
  }
}
