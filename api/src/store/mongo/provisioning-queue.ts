import { Schema, type Connection, type Model } from 'mongoose';
import type {
  NewProvisioningJob,
  ProvisioningCursor,
  ProvisioningJob,
  ProvisioningJobKind,
  ProvisioningQueueStats,
  ProvisioningQueueStore,
} from '../ports/provisioning-queue-store.js';

interface JobDoc {
  _id: number;
  householdId: string;
  kind: ProvisioningJobKind;
  reason: string;
  payload: Record<string, unknown>;
  enqueuedAt: Date;
  attempts: number;
  notBefore: Date;
  lastError: string | null;
}

const opts = { versionKey: false } as const;
const jobSchema = new Schema<JobDoc>(
  {
    _id: Number,
    householdId: String,
    kind: String,
    reason: String,
    payload: Schema.Types.Mixed,
    enqueuedAt: Date,
    attempts: Number,
    notBefore: Date,
    lastError: { type: String, default: null },
  },
  opts,
).index({ householdId: 1, _id: 1 });
// One counter document: `seq` must grow across processes, which ObjectIds only roughly do.
const counterSchema = new Schema<{ _id: string; n: number }>({ _id: String, n: Number }, opts);
interface CursorDoc {
  _id: string;
  after: string;
  done: boolean;
}
const cursorSchema = new Schema<CursorDoc>({ _id: String, after: String, done: Boolean }, opts);

/** The provisioning queue in MongoDB: `_id` is the job's seq, from one counter document. */
export class MongoProvisioningQueue implements ProvisioningQueueStore {
  private constructor(
    private readonly jobs: Model<JobDoc>,
    private readonly counters: Model<{ _id: string; n: number }>,
    private readonly cursors: Model<CursorDoc>,
  ) {}

  static async open(conn: Connection): Promise<MongoProvisioningQueue> {
    const jobs = conn.model<JobDoc>('ProvisioningJob', jobSchema, 'provisioning_jobs');
    const counters = conn.model<{ _id: string; n: number }>(
      'ProvisioningCounter',
      counterSchema,
      'provisioning_counters',
    );
    const cursors = conn.model<CursorDoc>('ProvisioningCursor', cursorSchema, 'provisioning_cursors');
    await jobs.init();
    return new MongoProvisioningQueue(jobs, counters, cursors);
  }

  async provisioningCursor(key: string): Promise<ProvisioningCursor> {
    const c = await this.cursors.findById(key).lean<CursorDoc>();
    return c ? { after: c.after, done: c.done } : { after: '', done: false };
  }

  async advanceProvisioningCursor(
    key: string,
    from: string,
    to: string | null,
    jobs: readonly NewProvisioningJob[],
  ): Promise<boolean> {
    // Without a replica set there is no multi-document transaction: the cursor
    // moves first (a compare-and-set, so one process wins each page), then the
    // jobs go in. A crash between loses that page's jobs; their households
    // still migrate at their next change (every sync looks for the old organisation).
    await this.cursors.updateOne(
      { _id: key },
      { $setOnInsert: { after: '', done: false } },
      { upsert: true },
    );
    const moved = await this.cursors.updateOne(
      { _id: key, after: from, done: false },
      { $set: { after: to ?? from, done: to === null } },
    );
    if (moved.modifiedCount === 0) return false;
    for (const j of jobs) await this.enqueueProvisioning(j);
    return true;
  }

  async enqueueProvisioning(job: NewProvisioningJob): Promise<number> {
    const c = await this.counters
      .findOneAndUpdate({ _id: 'provisioning_jobs' }, { $inc: { n: 1 } }, { upsert: true, new: true })
      .lean();
    const seq = c?.n ?? 0;
    await this.jobs.create({
      _id: seq,
      householdId: job.householdId,
      kind: job.kind,
      reason: job.reason,
      payload: job.payload ?? {},
      enqueuedAt: job.at,
      attempts: 0,
      notBefore: job.at,
      lastError: null,
    });
    return seq;
  }

  async dueProvisioningJobs(now: Date, limit: number): Promise<ProvisioningJob[]> {
    const heads = await this.jobs.aggregate<JobDoc>([
      { $sort: { _id: 1 } },
      { $group: { _id: '$householdId', head: { $first: '$$ROOT' } } },
      { $replaceRoot: { newRoot: '$head' } },
      { $match: { notBefore: { $lte: now } } },
      { $sort: { _id: 1 } },
      { $limit: limit },
    ]);
    return heads.map(toJob);
  }

  async completeProvisioningJob(seq: number): Promise<boolean> {
    return (await this.jobs.deleteOne({ _id: seq })).deletedCount > 0;
  }

  async failProvisioningJob(seq: number, error: string, notBefore: Date): Promise<void> {
    await this.jobs.updateOne(
      { _id: seq },
      { $inc: { attempts: 1 }, $set: { lastError: error.slice(0, 2000), notBefore } },
    );
  }

  async provisioningQueueStats(): Promise<ProvisioningQueueStats> {
    const [r] = await this.jobs.aggregate<{ depth: number; failing: number; oldest: Date | null }>([
      {
        $group: {
          _id: null,
          depth: { $sum: 1 },
          failing: { $sum: { $cond: [{ $gt: ['$attempts', 0] }, 1, 0] } },
          oldest: { $min: '$enqueuedAt' },
        },
      },
    ]);
    return { depth: r?.depth ?? 0, failing: r?.failing ?? 0, oldestEnqueuedAt: r?.oldest ?? null };
  }
}

function toJob(x: JobDoc): ProvisioningJob {
  return {
    seq: x._id,
    householdId: x.householdId,
    kind: x.kind,
    reason: x.reason,
    payload: x.payload,
    enqueuedAt: x.enqueuedAt,
    attempts: x.attempts,
    notBefore: x.notBefore,
    lastError: x.lastError,
  };
}
