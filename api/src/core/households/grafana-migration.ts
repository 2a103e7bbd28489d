import type { HouseholdStore, ProvisioningQueueStore } from '../../store/accounts-store.js';
import type { Warnings } from './warnings.js';

/** The pass that moves every household off the organisation-per-household layout; its cursor's key. */
export const MIGRATION_PASS = 'grafana-shared-orgs';

export interface MigrationPassDeps {
  readonly store: ProvisioningQueueStore & Pick<HouseholdStore, 'householdIds'>;
  readonly now: () => Date;
  /** Wakes the provisioning worker after each page. */
  readonly kick: () => void;
  readonly log: Warnings;
  /** Households per page (one cursor step). */
  readonly pageSize?: number;
  /** Pages per call: bounds what one start-up queues; the rest waits for the next call. */
  readonly maxPages?: number;
}

/**
 * Queues one `migrate` job per household that existed before the shared
 * organisations, walking the households in id order, a page at a time.
 * The cursor lives in the store and moves only with its page's jobs, and
 * only from where it stood: across restarts and several API processes each
 * household is queued once, and once the walk is done it is never walked
 * again (households made since are synced into the new layout anyway).
 * Returns how many jobs this call queued and whether the walk is done
 * (not done: call again later, e.g. when the queue has drained).
 */
export async function queueLayoutMigration(
  deps: MigrationPassDeps,
): Promise<{ queued: number; done: boolean }> {
  const pageSize = deps.pageSize ?? 500;
  const maxPages = deps.maxPages ?? 200;
  let queued = 0;
  let done = false;
  for (let page = 0; page < maxPages && !done; page++) {
    const cursor = await deps.store.provisioningCursor(MIGRATION_PASS);
    done = cursor.done;
    if (done) break;
    const ids = await deps.store.householdIds(cursor.after, pageSize);
    const at = deps.now();
    const last = ids.at(-1);
    const moved = await deps.store.advanceProvisioningCursor(
      MIGRATION_PASS,
      cursor.after,
      ids.length < pageSize ? null : (last ?? null),
      ids.map((householdId) => ({
        householdId,
        kind: 'migrate',
        reason: 'layout migration at start-up',
        at,
      })),
    );
    // Another process took this page: read where it stands now and go on from there.
    if (!moved) continue;
    done = ids.length < pageSize;
    queued += ids.length;
    if (ids.length > 0) deps.kick();
  }
  if (queued > 0)
    deps.log.warn({ queued }, 'grafana: households queued for the move to shared organisations');
  return { queued, done };
}
