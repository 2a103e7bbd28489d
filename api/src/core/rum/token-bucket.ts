/**
 * Per-client token buckets (the RUM intake's rate limit): each key may
 * spend `burst` at once and earns `perSecond` back. At most `maxKeys`
 * buckets are held; the least recently used goes first, so a flood of
 * addresses costs bounded memory (a forgotten client starts full again).
 */
export interface TokenBucketLimits {
  readonly burst: number;
  readonly perSecond: number;
  readonly maxKeys: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: TokenBucketLimits,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false (and no token taken) when it has none. */
  take(key: string): boolean {
    const now = this.nowMs();
    const b = this.buckets.get(key) ?? { tokens: this.limits.burst, atMs: now };
    b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.atMs) / 1000) * this.limits.perSecond);
    b.atMs = now;
    // Re-insert: Map order is the recency order the eviction reads.
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.limits.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until `key` has a token again (for Retry-After). */
  retryAfterSeconds(key: string): number {
    const b = this.buckets.get(key);
    if (b === undefined || b.tokens >= 1) return 0;
    return Math.ceil((1 - b.tokens) / this.limits.perSecond);
  }
}
