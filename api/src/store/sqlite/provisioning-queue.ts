import type {
  ProvisioningJob,
  ProvisioningJobKind,
  ProvisioningQueueStats,
  ProvisioningQueueStore,
} from '../ports/provisioning-queue-store.js';
import { d, s, type Row, type SqliteDb } from './db.js';

/** The provisioning queue as one table; `seq` is SQLite's rowid, so it only grows. */
export class SqliteProvisioningQueue implements ProvisioningQueueStore {
  constructor(private readonly db: SqliteDb) {}

  enqueueProvisioning(job: {
    householdId: string;
    kind: ProvisioningJobKind;
    reason: string;
    payload?: Record<string, unknown>;
    at: Date;
  }): Promise<number> {
    const at = job.at.getTime();
    this.db.run(
      `INSERT INTO provisioning_jobs (household_id, kind, reason, payload, enqueued_at, attempts, not_before)
       VALUES (?, ?, ?, ?, ?, 0, ?)`,
      job.householdId,
      job.kind,
      job.reason,
      JSON.stringify(job.payload ?? {}),
      at,
      at,
    );
    const row = this.db.get('SELECT last_insert_rowid() AS seq');
    return Promise.resolve(Number(row?.seq));
  }

  dueProvisioningJobs(now: Date, limit: number): Promise<ProvisioningJob[]> {
    const rows = this.db.all(
      `SELECT j.* FROM provisioning_jobs j
       JOIN (SELECT household_id, MIN(seq) AS head FROM provisioning_jobs GROUP BY household_id) h
         ON j.seq = h.head
       WHERE j.not_before <= ? ORDER BY j.seq LIMIT ?`,
      now.getTime(),
      limit,
    );
    return Promise.resolve(rows.map(job));
  }

  completeProvisioningJob(seq: number): Promise<boolean> {
    return Promise.resolve(this.db.run('DELETE FROM provisioning_jobs WHERE seq = ?', seq) > 0);
  }

  failProvisioningJob(seq: number, error: string, notBefore: Date): Promise<void> {
    this.db.run(
      'UPDATE provisioning_jobs SET attempts = attempts + 1, last_error = ?, not_before = ? WHERE seq = ?',
      error.slice(0, 2000),
      notBefore.getTime(),
      seq,
    );
    return Promise.resolve();
  }

  provisioningQueueStats(): Promise<ProvisioningQueueStats> {
    const r = this.db.get(
      `SELECT COUNT(*) AS depth, COALESCE(SUM(attempts > 0), 0) AS failing, MIN(enqueued_at) AS oldest
       FROM provisioning_jobs`,
    );
    return Promise.resolve({
      depth: Number(r?.depth ?? 0),
      failing: Number(r?.failing ?? 0),
      oldestEnqueuedAt: r?.oldest === null || r?.oldest === undefined ? null : d(r.oldest),
    });
  }
}

function job(r: Row): ProvisioningJob {
  return {
    seq: Number(r.seq),
    householdId: s(r.household_id),
    kind: s(r.kind) as ProvisioningJobKind,
    reason: s(r.reason),
    payload: JSON.parse(s(r.payload)) as Record<string, unknown>,
    enqueuedAt: d(r.enqueued_at),
    attempts: Number(r.attempts),
    notBefore: d(r.not_before),
    lastError: r.last_error === null || r.last_error === undefined ? null : s(r.last_error),
  };
}
