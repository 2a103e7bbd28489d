/**
 * The durable provisioning queue: every change Grafana must hear about
 * (household created or deleted, members, sockets, devices) becomes one job
 * here before anything is sent, so a restart or a Grafana outage loses
 * nothing. Jobs of one household are worked strictly in order: only the
 * oldest job of a household is ever due, and a failing one holds back the
 * household's later jobs (never another household's).
 */

/** What a job asks of Grafana; every kind is idempotent (worked twice = worked once). */
export type ProvisioningJobKind =
  /** Bring the household's team, members, folder and board in line with the store. */
  | 'sync'
  /** Remove the household's board, folder, team and Grafana users. */
  | 'delete'
  /** Remove the organisation-per-household layout of before, then `sync`. */
  | 'migrate';

export interface ProvisioningJob {
  /** Global order of enqueueing; per household it is the order of work. */
  readonly seq: number;
  readonly householdId: string;
  readonly kind: ProvisioningJobKind;
  /** Why it was queued (`household created`, `member added`, …): for logs and metrics. */
  readonly reason: string;
  /** What the job needs that the store may no longer hold (a deleted household's member logins). */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly enqueuedAt: Date;
  /** Failed attempts so far. */
  readonly attempts: number;
  /** Not worked before this (the backoff after a failure). */
  readonly notBefore: Date;
  readonly lastError: string | null;
}

export interface ProvisioningQueueStats {
  /** Jobs waiting, failing ones included. */
  readonly depth: number;
  /** Jobs that failed at least once and wait for their next attempt. */
  readonly failing: number;
  /** Enqueue time of the oldest waiting job; null when the queue is empty. */
  readonly oldestEnqueuedAt: Date | null;
}

/** How far a pass over every household (the start-up migration) has come. */
export interface ProvisioningCursor {
  /** The last household id the pass has queued; '' before the first page. */
  readonly after: string;
  /** The pass went through every household; it is never walked again. */
  readonly done: boolean;
}

/** A job as it is queued. */
export interface NewProvisioningJob {
  readonly householdId: string;
  readonly kind: ProvisioningJobKind;
  readonly reason: string;
  readonly payload?: Record<string, unknown>;
  readonly at: Date;
}

export interface ProvisioningQueueStore {
  /** Appends a job; its `seq`. */
  enqueueProvisioning(job: {
    householdId: string;
    kind: ProvisioningJobKind;
    reason: string;
    payload?: Record<string, unknown>;
    at: Date;
  }): Promise<number>;
  /**
   * The oldest job of each household, when it is due at `now`; at most
   * `limit`, oldest first. A household whose oldest job waits out a backoff
   * contributes nothing (its later jobs wait behind it).
   */
  dueProvisioningJobs(now: Date, limit: number): Promise<ProvisioningJob[]>;
  /** Removes a worked job; false when it was gone already. */
  completeProvisioningJob(seq: number): Promise<boolean>;
  /** Counts a failed attempt and holds the job (and its household) until `notBefore`. */
  failProvisioningJob(seq: number, error: string, notBefore: Date): Promise<void>;
  provisioningQueueStats(): Promise<ProvisioningQueueStats>;
  /** Where the pass `key` stands; `{ after: '', done: false }` when it never began. */
  provisioningCursor(key: string): Promise<ProvisioningCursor>;
  /**
   * Moves the pass `key` from `from` (its `after`) to `to` (`null`: done) and
   * queues `jobs` — only when it still stood at `from`, so of several API
   * processes walking the same pass exactly one queues each page. False when
   * another moved it first (or it is done). SQLite does both in one
   * transaction; MongoDB moves the cursor first, so a crash between the two
   * loses at most that page's jobs (docs/grafana.md).
   */
  /**
   * Where the adapter can: makes the change and queues its job in one
   * transaction, both or neither (SQLite). `change` must do its writes
   * before it first awaits. Absent (MongoDB without a replica set): the
   * caller queues right after the change, and a crash between the two
   * loses the job until the household's next change (docs/grafana.md).
   */
  withProvisioningJob?<T>(change: () => Promise<T>, job: NewProvisioningJob): Promise<T>;
  advanceProvisioningCursor(
    key: string,
    from: string,
    to: string | null,
    jobs: readonly NewProvisioningJob[],
  ): Promise<boolean>;
}
