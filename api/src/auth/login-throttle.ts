/**
 * Login throttling (ASVS 2.2.1): failed attempts are counted per account and
 * per address in fixed windows. Over a limit the answer is 429 with
 * Retry-After; the window ends by itself, so nobody can lock a victim out
 * for longer than one window, and the per-account limit is high enough that
 * a victim's own address still gets through the per-pair limit first.
 */
export interface ThrottleLimits {
  /** Failures per (account, address) pair per window. */
  readonly perPair: number;
  /** Failures per account from all addresses per window. */
  readonly perAccount: number;
  /** Attempts per address per window. */
  readonly perAddress: number;
  readonly windowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  perPair: 5,
  perAccount: 50,
  perAddress: 100,
  windowSeconds: 300,
};

interface Window {
  count: number;
  endsAt: number;
}

export class LoginThrottle {
  private readonly windows = new Map<string, Window>();
  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private window(key: string): Window {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || w.endsAt <= t) {
      w = { count: 0, endsAt: t + this.limits.windowSeconds * 1000 };
      this.windows.set(key, w);
      if (this.windows.size > 100_000) this.sweep(t);
    }
    return w;
  }

  private sweep(t: number): void {
    for (const [k, w] of this.windows) if (w.endsAt <= t) this.windows.delete(k);
  }

  /** Seconds to wait before another attempt, or 0 when it may go ahead. Counts the attempt per address. */
  check(email: string, address: string): number {
    const checks: [string, number][] = [
      [`p:${email}|${address}`, this.limits.perPair],
      [`a:${email}`, this.limits.perAccount],
      [`i:${address}`, this.limits.perAddress],
    ];
    const t = this.now();
    let wait = 0;
    for (const [key, limit] of checks) {
      const w = this.window(key);
      if (w.count >= limit) wait = Math.max(wait, Math.ceil((w.endsAt - t) / 1000));
    }
    if (wait === 0) this.window(`i:${address}`).count++;
    return wait;
  }

  failed(email: string, address: string): void {
    this.window(`p:${email}|${address}`).count++;
    this.window(`a:${email}`).count++;
  }

  succeeded(email: string, address: string): void {
    this.windows.delete(`p:${email}|${address}`);
  }
}
