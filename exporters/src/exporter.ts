import type { Logger } from '@energy/lib/logger';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { MeterReadError, type PowerMeter, type SocketSample } from '@energy/device/power-meter';
import { batchMessageId } from './boot-id.js';
import type { Clock } from './clock.js';
import type { ClockSanity } from './clock-sanity.js';
import type { ExporterState } from './exporter-state.js';
import type { ExporterMetrics } from './metrics.js';
import { MinuteAggregator } from './minute-aggregator.js';
import type { Outbox } from './outbox.js';
import type { OutboxPump } from './outbox-pump.js';

export interface ExporterOptions {
  readonly meters: readonly PowerMeter[];
  readonly clock: Clock;
  readonly outbox: Outbox;
  readonly pump: OutboxPump;
  readonly metrics: ExporterMetrics;
  readonly log: Logger;
  readonly sampleIntervalS: number;
  readonly intervalS?: number;
  /** Told the nominal time of each sample before it is taken (the simulator reads "at" it, exactly). */
  readonly beforeRead?: (t: number) => void;
  /** The epoch and counters persisted before a restart: continued when the meters kept their counts. */
  readonly restored?: ExporterState;
  /**
   * Persists the epoch and counters after each closed interval, before the
   * batch goes to the outbox: a crash in between skips a seq (its energy is in
   * the next batch's counter) but never reuses one for different readings.
   */
  readonly persist?: (state: ExporterState) => void;
  /** Called with every batch built (tests, logs). */
  readonly onBatch?: (b: ReadingBatch) => void;
  /**
   * Whether the wall clock may stamp readings (a Pi after a power cut has
   * not got its time yet); absent: always. Until it may, minutes are closed
   * on the monotonic clock and kept in memory, stamped once time is known.
   */
  readonly clockSanity?: ClockSanity;
}

/** A week of minutes waits for the clock; older ones are dropped (their energy stays in the later counters). */
const MAX_UNSTAMPED = 7 * 1440;

/** A minute closed before the wall clock was known: its end on the monotonic clock. */
interface Unstamped {
  readonly batch: ReadingBatch;
  readonly monoEndS: number;
}

function withTimeout(meter: PowerMeter, ms: number): ReturnType<PowerMeter['read']> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Awaited<ReturnType<PowerMeter['read']>>>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({ ok: false, error: new MeterReadError(meter.chip, 'timeout', `no answer within ${ms} ms`) }),
      ms,
    );
  });
  return Promise.race([meter.read(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * The exporter's sampling loop: reads every meter every few seconds and, at
 * each minute boundary (aligned to the clock), closes one ReadingBatch,
 * stores it in the outbox and hands it to the pump for publishing.
 */
export class Exporter {
  readonly aggregator: MinuteAggregator;
  private stopped = false;
  private readonly intervalS: number;
  private readonly exported = new Map<number, number>();
  /** Batches the disk refused; published from memory (bounded) so a full disk loses nothing while the broker is up. */
  private memoryId = 0;
  private readonly unstamped: Unstamped[] = [];
  /** End of the newest minute stamped from the monotonic clock: a live minute must end after it. */
  private lastStampedS = 0;

  constructor(private readonly opts: ExporterOptions) {
    this.intervalS = opts.intervalS ?? 60;
    this.aggregator = new MinuteAggregator(this.intervalS, undefined, undefined, opts.restored);
  }

  stop(): void {
    this.stopped = true;
  }

  private async readAll(): Promise<SocketSample[]> {
    const { meters, metrics, log, sampleIntervalS } = this.opts;
    const results = await Promise.all(
      meters.map((m) => withTimeout(m, Math.max(1000, sampleIntervalS * 800))),
    );
    const samples: SocketSample[] = [];
    results.forEach((r, i) => {
      const chip = meters[i]?.chip ?? 'unknown';
      if (r.ok) {
        metrics.samples.inc({ chip });
        samples.push(...r.samples);
      } else {
        metrics.readErrors.inc({ chip: r.error.chip, reason: r.error.reason });
        log.warn({ chip: r.error.chip, reason: r.error.reason, err: r.error.message }, 'meter read failed');
      }
    });
    return samples;
  }

  private store(batch: ReadingBatch): void {
    const { outbox, pump, metrics, log, clock } = this.opts;
    const messageId = batchMessageId(batch.bootId, batch.seq);
    const body = encodeReadingBatch(batch);
    metrics.batchesBuilt.inc();
    try {
      const id = outbox.add(messageId, batch.endUnixS, body, clock.now());
      pump.enqueueLive({ id, messageId, endUnixS: batch.endUnixS, body });
    } catch (err) {
      metrics.outboxDropped.inc({ reason: 'write-error' });
      log.error({ err: err instanceof Error ? err.message : String(err), messageId }, 'outbox write failed');
      pump.enqueueLive({ id: --this.memoryId, messageId, endUnixS: batch.endUnixS, body });
    }
  }

  private persist(): void {
    if (!this.opts.persist) return;
    try {
      this.opts.persist(this.aggregator.snapshot());
    } catch (err) {
      // The batch still goes out; only a restart before the next good write would begin a new epoch.
      this.opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'state write failed');
    }
  }

  private exportGauges(sample: SocketSample, counter: number): void {
    const socket = String(sample.socket);
    this.opts.metrics.power.set({ socket }, sample.watts);
    const last = this.exported.get(sample.socket) ?? 0;
    if (counter > last) this.opts.metrics.energy.inc({ socket }, counter - last);
    this.exported.set(sample.socket, counter);
  }

  /** Whether the wall clock may stamp now; the moment it becomes so, the minutes kept meanwhile are stamped and stored. */
  private timeKnown(): boolean {
    const sanity = this.opts.clockSanity;
    const known = sanity?.check() ?? true;
    this.opts.metrics.clockSynchronised.set(known ? 1 : 0);
    if (!known || sanity === undefined || this.unstamped.length === 0) return known;
    const first = this.unstamped[0];
    for (const u of this.unstamped.splice(0)) {
      const batch = { ...u.batch, endUnixS: Math.round(sanity.wallAt(u.monoEndS)) };
      this.lastStampedS = batch.endUnixS;
      this.store(batch);
      this.opts.onBatch?.(batch);
    }
    this.opts.metrics.unstampedBatches.set(0);
    this.opts.log.info(
      { firstEndUnixS: first && Math.round(sanity.wallAt(first.monoEndS)), lastEndUnixS: this.lastStampedS },
      'wall clock known: minutes kept on the monotonic clock stamped',
    );
    return known;
  }

  /** Closes the minute; before the clock is known it waits in memory with its monotonic end. */
  private closeInterval(t: number, known: boolean): void {
    const batch = this.aggregator.close(t);
    if (!batch) return;
    const sanity = this.opts.clockSanity;
    if (!known && sanity) {
      // The interval ended at t on the wrong wall clock, which runs at the monotonic clock's pace.
      this.unstamped.push({ batch, monoEndS: sanity.monoAt(t) });
      if (this.unstamped.length > MAX_UNSTAMPED) {
        this.unstamped.shift();
        this.opts.metrics.outboxDropped.inc({ reason: 'clock-unknown' });
      }
      this.opts.metrics.unstampedBatches.set(this.unstamped.length);
      return;
    }
    this.persist();
    this.store(batch);
    this.opts.onBatch?.(batch);
  }

  async run(): Promise<void> {
    const { clock, sampleIntervalS } = this.opts;
    let t = Math.ceil(clock.now() / sampleIntervalS) * sampleIntervalS;
    let first = true;
    while (!this.stopped) {
      await clock.sleepUntil(t);
      if (this.stopped) break;
      const known = this.timeKnown();
      if (known && (clock.now() > t + sampleIntervalS || t <= this.lastStampedS)) {
        // The clock was just set (a year forward, say): the next sample time after now and after the stamped minutes.
        t = Math.ceil(Math.max(clock.now(), this.lastStampedS + 1) / sampleIntervalS) * sampleIntervalS;
        continue;
      }
      this.opts.beforeRead?.(t);
      const samples = await this.readAll();
      if (this.aggregator.resuming && samples.length > 0) {
        const continued = this.aggregator.resume(samples, t);
        this.opts.log.info({ bootId: this.aggregator.bootId, continued }, 'counters after restart');
      }
      if (t % this.intervalS === 0 && !first) {
        for (const s of samples) this.aggregator.addBoundaryCounter(s);
        this.closeInterval(t, known);
      }
      first = false;
      for (const s of samples) this.exportGauges(s, this.aggregator.addSample(s));
      t += sampleIntervalS;
      const now = clock.now();
      if (now > t + sampleIntervalS) {
        // A slow read or a suspended process: skip the missed sample times, keep the minute alignment.
        t = Math.ceil(now / sampleIntervalS) * sampleIntervalS;
      }
    }
  }
}
