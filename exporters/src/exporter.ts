import type { Logger } from '@energy/lib/logger';
import { encodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import { MeterReadError, type PowerMeter, type SocketSample } from '@energy/device/power-meter';
import { batchMessageId } from './boot-id.js';
import type { Clock } from './clock.js';
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

  async run(): Promise<void> {
    const { clock, sampleIntervalS } = this.opts;
    let t = Math.ceil(clock.now() / sampleIntervalS) * sampleIntervalS;
    let first = true;
    while (!this.stopped) {
      await clock.sleepUntil(t);
      if (this.stopped) break;
      this.opts.beforeRead?.(t);
      const samples = await this.readAll();
      if (this.aggregator.resuming && samples.length > 0) {
        const continued = this.aggregator.resume(samples, t);
        this.opts.log.info({ bootId: this.aggregator.bootId, continued }, 'counters after restart');
      }
      if (t % this.intervalS === 0 && !first) {
        for (const s of samples) this.aggregator.addBoundaryCounter(s);
        const batch = this.aggregator.close(t);
        if (batch) {
          this.persist();
          this.store(batch);
          this.opts.onBatch?.(batch);
        }
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
