/**
 * The completeness watermark a publisher states on each batch it sends
 * (`complete_until_unix_s` in the .proto, which says what it promises).
 *
 * "Waiting" is every batch of the device, other than the one going out,
 * that the broker has not confirmed: stored in the outbox, held in memory,
 * published but unconfirmed, or (the fleet) not yet made because the
 * backfill has not reached it. Everything that ends before the earliest of
 * them was confirmed — so the broker holds it ahead of this batch — or was
 * given up for good. With nothing waiting, everything made so far is
 * confirmed or is this batch: the device is complete until the newest end.
 */
export function completeUntil(earliestWaitingEndS: number | undefined, newestMadeEndS: number): number {
  return earliestWaitingEndS === undefined ? newestMadeEndS : earliestWaitingEndS - 1;
}
