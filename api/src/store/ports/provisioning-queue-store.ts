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
}
