import mongoose, { type Connection } from 'mongoose';
import type { Throttle } from '../core/accounts/login.js';
import type { ThrottleLimits } from './login-throttle.js';

interface WindowDoc {
  _id: string;
  count: number;
  endsAt: Date;
}

/**
 * LoginThrottle's windows in MongoDB, so every API replica behind the
 * cluster's proxy counts the same attempts (in memory, N replicas would
 * allow N× the limits, and a client could spread its guesses over them).
 * Same keys and semantics as LoginThrottle; one document per window, bumped
 * atomically (a pipeline update restarts an ended window), removed by a TTL
 * index once ended.
 */
export class MongoLoginThrottle implements Throttle {
  private constructor(
    private readonly conn: Connection,
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  static async open(
    uri: string,
    limits: ThrottleLimits,
    now: () => number = Date.now,
  ): Promise<MongoLoginThrottle> {
    const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    const t = new MongoLoginThrottle(conn, limits, now);
    await t.windows().createIndex({ endsAt: 1 }, { expireAfterSeconds: 0 });
    return t;
  }

  private windows() {
    return this.conn.collection<WindowDoc>('login_throttle');
  }

  /** Adds `by` to the window (a new one when it ended) and returns it. */
  private async bump(key: string, by: number): Promise<void> {
    const now = new Date(this.now());
    const live = { $gt: ['$endsAt', now] };
    await this.windows().updateOne(
      { _id: key },
      [
        {
          $set: {
            count: { $cond: [live, { $add: ['$count', by] }, by] },
            endsAt: { $cond: [live, '$endsAt', new Date(now.getTime() + this.limits.windowSeconds * 1000)] },
          },
        },
      ],
      { upsert: true },
    );
  }

  async check(email: string, address: string): Promise<number> {
    const t = this.now();
    const checks: [string, number][] = [
      [`p:${email}|${address}`, this.limits.perPair],
      [`a:${email}`, this.limits.perAccount],
      [`i:${address}`, this.limits.perAddress],
    ];
    const docs = await this.windows()
      .find({ _id: { $in: checks.map(([k]) => k) } })
      .toArray();
    let wait = 0;
    for (const [key, limit] of checks) {
      const w = docs.find((d) => d._id === key);
      if (w && w.endsAt.getTime() > t && w.count >= limit)
        wait = Math.max(wait, Math.ceil((w.endsAt.getTime() - t) / 1000));
    }
    if (wait === 0) await this.bump(`i:${address}`, 1);
    return wait;
  }

  async failed(email: string, address: string): Promise<void> {
    await Promise.all([this.bump(`p:${email}|${address}`, 1), this.bump(`a:${email}`, 1)]);
  }

  async succeeded(email: string, address: string): Promise<void> {
    await this.windows().deleteOne({ _id: `p:${email}|${address}` });
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
