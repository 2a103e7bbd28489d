import type {
  NewProvisioningJob,
  ProvisioningCursor,
  ProvisioningJob,
  ProvisioningJobKind,
  ProvisioningQueueStats,
  ProvisioningQueueStore,
} from '../ports/provisioning-queue-store.js';
import { d, s, type Row, type SqliteDb } from './db.js';

/** The provisioning queue as one table; `seq` is SQLite's rowid, so it only grows. */
export class SqliteProvisioningQueue implements ProvisioningQueueStore {
  constructor(private readonly db: SqliteDb) {}

  enqueueProvisioning(job: NewProvisioningJob): Promise<number> {
    return Promise.resolve(this.insert(job));
  }

  private insert(job: NewProvisioningJob): number {
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
    return Number(row?.seq);
  }

  withProvisioningJob<T>(change: () => Promise<T>, job: NewProvisioningJob): Promise<T> {
    // better-sqlite3 refuses a transaction function that returns a promise:
    // the adapters write synchronously, so the change's SQL runs in here and
    // its answer is awaited after the commit. A change that throws rolls the job back.
    const { out } = this.db.transaction(() => {
      const out = change();
      this.insert(job);
      return { out };
    });
    return out;
  }

  provisioningCursor(key: string): Promise<ProvisioningCursor> {
    const r = this.db.get('SELECT after, done FROM provisioning_cursors WHERE key = ?', key);
    return Promise.resolve(
      r ? { after: s(r.after), done: Number(r.done) === 1 } : { after: '', done: false },
    );
  }

  advanceProvisioningCursor(
    key: string,
    from: string,
    to: string | null,
    jobs: readonly NewProvisioningJob[],
  ): Promise<boolean> {
    // One transaction: the cursor moves with its page's jobs or not at all.
    const moved = this.db.transaction((): boolean => {
      this.db.run("INSERT OR IGNORE INTO provisioning_cursors (key, after, done) VALUES (?, '', 0)", key);
      const changed = this.db.run(
        'UPDATE provisioning_cursors SET after = ?, done = ? WHERE key = ? AND after = ? AND done = 0',
        to ?? from,
        to === null ? 1 : 0,
        key,
        from,
      );
      if (changed === 0) return false;
      for (const j of jobs) this.insert(j);
      return true;
    });
    return Promise.resolve(moved);
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
