import type { ReadingBatch } from '@energy/lib/reading-batch';

/**
 * The epoch-start zero: the collector writes, for the first batch of a
 * counter epoch, one extra energy sample per socket — value 0, stamped 1 ms
 * after the batch's interval start — so that VictoriaMetrics' `increase()`
 * counts the epoch's first reading from zero.
 *
 * Why: for a series' first sample (nothing stored before it) MetricsQL's
 * `increase()` assumes the counter began before the series unless its value
 * is below 10 × (the next delta + 1), and drops it: a device's first minute
 * ever whose next minute uses much less (a fridge stopping at 00:01) lost
 * the whole minute (docs/benchmarks.md, "Energy truth"). A counter epoch
 * begins with every counter at zero (reading_batch.proto: boot_id), so the
 * zero is a true sample of the series, not a guess.
 *
 * Why seq 1 and no state: every epoch's first batch carries seq 1 (the
 * reference exporter and the fleet count from 1 in each boot id), so a
 * redelivery, a replay from the outbox or another collector writes the same
 * zero at the same timestamp again (VictoriaMetrics keeps one) — never a
 * zero after later samples of the epoch, which would read as a counter reset
 * and count the epoch twice. A collector remembering "first seen" would do
 * exactly that after a restart.
 *
 * Why 1 ms after the interval start: after every sample of the previous epoch
 * (its last interval ended at or before this one began; readings are
 * stamped at whole seconds, so a reading at the same millisecond is
 * impossible), before this reading, and in the same bucket as it for any
 * bucket bounded on a whole second. One interval (not 1 ms) before the
 * reading keeps the series' spacing, from which VictoriaMetrics estimates
 * how far back a previous sample may be used.
 *
 * Not covered: an epoch whose seq 1 never arrived (a crash between the
 * exporter persisting seq 1 and writing it to its outbox) — its next batch
 * counts from zero only by VictoriaMetrics' rule; and a socket missing from
 * the first batch (a failed chip read) gets no zero.
 */

/** The seq of a counter epoch's first batch. */
export const FIRST_SEQ_OF_EPOCH = 1;

/** An interval longer than this is not believed: the zero still goes within an hour before the reading. */
const MAX_INTERVAL_S = 3600;

/** Where the epoch-start zero goes (Unix ms), or undefined when the batch does not start an epoch. */
export function epochStartZeroMs(batch: ReadingBatch): number | undefined {
  if (batch.seq !== FIRST_SEQ_OF_EPOCH || batch.readings.length === 0) return undefined;
  const intervalS = Math.min(Math.max(batch.intervalS, 1), MAX_INTERVAL_S);
  const startS = batch.endUnixS - intervalS;
  return startS < 0 ? undefined : startS * 1000 + 1;
}
