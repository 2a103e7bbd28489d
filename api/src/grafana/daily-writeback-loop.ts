import { createHash } from 'node:crypto';
import type { Logger } from '@energy/lib/logger';
import { daysToWrite, dailySampleLines } from '../core/readings/daily-writeback.js';
import { energyBuckets } from '../core/readings/energy.js';
import { completeUntil, WATERMARK_LOOKBACK_MS } from '../core/readings/finality.js';
import { tariffOf } from '../core/readings/tariff.js';
import type { SeriesReader } from '../core/readings/series-reader.js';
import type { ApiMetrics } from '../metrics.js';
import type { AccountsStore } from '../store/accounts-store.js';
import type { VmWriter } from '../vm/vm-writer.js';

/** A day is written back no sooner than the energy answer calls it final (reading-routes' RECENT_MS). */
const RECENT_MS = 60_000;

export interface WritebackDeps {
  readonly store: Pick<AccountsStore, 'householdById' | 'devices'>;
  readonly series: Pick<SeriesReader, 'energyIncrease' | 'completeUntil'>;
  readonly writer: Pick<VmWriter, 'write' | 'householdsWithEnergy' | 'writtenDays' | 'deleteDaily'>;
  /** The real clock: what the store holds is compared with it. */
  readonly nowMs: () => number;
  /** How far back days are written when none is yet (and how far back the last written is looked for). */
  readonly lookbackMs?: number;
  readonly maxHouseholds?: number;
  readonly maxDaysPerHousehold?: number;
}

/**
 * What a household's written days were priced and cut with: its tariff, zone
 * and currency. Any change reprices every written day (the loop deletes and
 * rewrites them), so the board keeps agreeing with `/energy`, which prices
 * every request with the current tariff.
 */
export function pricingOf(hh: {
  readonly tariff: unknown;
  readonly timeZone: string;
  readonly currency: string;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([tariffOf(hh), hh.timeZone, hh.currency]))
    .digest('hex')
    .slice(0, 16);
}

export interface PassResult {
  readonly households: number;
  readonly days: number;
  readonly samples: number;
  /** Households left with final days unwritten after this pass (bounded work). */
  readonly behind: number;
  /** Where the next pass starts in the sorted household ids (round robin). */
  readonly nextAfter: string | undefined;
}

/**
 * One bounded pass: households with an energy counter in the lookback, from
 * after `after` round robin, at most `maxHouseholds`; each gets its final,
 * not yet written days (at most `maxDaysPerHousehold`) computed by the same
 * energyBuckets as `/energy?bucket=day` and written. Idempotent: the newest
 * written day is read back from the series before anything is computed.
 */
export async function writeBackPass(
  d: WritebackDeps,
  after?: string,
  /** Per household worked: its outcome, the days it covered and the samples written. */
  onHousehold: (
    outcome: 'written' | 'failed' | 'repriced',
    days: number,
    samples: number,
    err?: unknown,
  ) => void = () => {},
): Promise<PassResult> {
  const nowMs = d.nowMs();
  const lookbackMs = d.lookbackMs ?? 31 * 86_400_000;
  const maxHouseholds = d.maxHouseholds ?? 200;
  const maxDays = d.maxDaysPerHousehold ?? 7;
  const ids = (await d.writer.householdsWithEnergy(nowMs - lookbackMs, nowMs)).sort();
  const startAt = after === undefined ? 0 : ids.findIndex((id) => id > after);
  const order = [...ids.slice(Math.max(0, startAt)), ...ids.slice(0, Math.max(0, startAt))].slice(
    0,
    maxHouseholds,
  );
  let days = 0;
  let samples = 0;
  let behind = 0;
  for (const id of order) {
    let todo: { start: number; end: number }[] = [];
    try {
      const hh = await d.store.householdById(id);
      // Series of a household the store no longer knows (deleted, its series on their way out).
      if (!hh) continue;
      const devices = await d.store.devices(id);
      const watermarks = await d.series.completeUntil(id, WATERMARK_LOOKBACK_MS);
      const finalUntilMs = Math.min(
        completeUntil(
          devices.map((x) => x.id),
          watermarks,
          nowMs,
        ),
        nowMs - RECENT_MS,
      );
      // Written with another tariff, zone or currency: deleted and written again from the lookback on.
      const pricing = pricingOf(hh);
      const written = await d.writer.writtenDays(id, lookbackMs, nowMs);
      let lastWrittenStartMs = written[0]?.lastStartMs;
      if (written.some((w) => w.pricing !== pricing)) {
        await d.writer.deleteDaily(id);
        lastWrittenStartMs = undefined;
        onHousehold('repriced', 0, 0);
      }
      todo = daysToWrite({
        timeZone: hh.timeZone,
        lastWrittenStartMs,
        finalUntilMs,
        nowMs,
        lookbackMs,
        maxDays: maxDays + 1,
      });
      if (todo.length > maxDays) behind++;
      const batch = todo.slice(0, maxDays);
      const first = batch[0];
      const last = batch[batch.length - 1];
      if (!first || !last) continue;
      // The same computation as `/energy?bucket=day` over these days, so the two agree to the cent.
      const bs = await energyBuckets(d.series, hh, {
        from: first.start,
        to: last.end - 1,
        bucket: 'day',
        nowMs,
      });
      const lines = dailySampleLines(hh, bs, pricing);
      await d.writer.write(lines);
      days += bs.length;
      samples += lines.length;
      onHousehold('written', bs.length, lines.length);
    } catch (err) {
      // This household is tried again next pass; the others go on.
      behind++;
      onHousehold('failed', Math.min(todo.length, maxDays), 0, err);
    }
  }
  return { households: order.length, days, samples, behind, nextAfter: order[order.length - 1] };
}

export interface WritebackLoop {
  stop(): Promise<void>;
}

/**
 * Runs a pass every `intervalMs` (a minute: a day closes once a day per
 * zone, and a pass that finds nothing costs one label lookup and two small
 * reads per household). A failing household is logged and retried next pass.
 */
export function startWritebackLoop(o: {
  deps: WritebackDeps;
  logger: Logger;
  metrics: ApiMetrics;
  intervalMs?: number;
}): WritebackLoop {
  const intervalMs = o.intervalMs ?? 60_000;
  let after: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const round = async (): Promise<void> => {
    try {
      const r = await writeBackPass(o.deps, after, (outcome, days, samples, err) => {
        // A repricing counts the household once; its days are counted again as they are written.
        o.metrics.dailyWritebackDays.inc({ outcome }, outcome === 'repriced' ? 1 : days);
        o.metrics.dailyWritebackSamples.inc(samples);
        if (err) o.logger.warn({ err }, "a household's closed days cannot be written back");
      });
      after = r.nextAfter;
      o.metrics.dailyWritebackBehind.set(r.behind);
    } catch (err) {
      o.logger.error({ err }, 'daily write-back pass failed');
    }
  };
  const run = (): void => {
    if (stopped) return;
    running = round().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(run, intervalMs).unref();
    });
  };
  run();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
