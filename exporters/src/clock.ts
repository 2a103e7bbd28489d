/**
 * The exporter's clock. A simulated clock may run fast only through the
 * past: it starts at `startS`, advances `speed` times faster than real time
 * and never passes the real now (DESIGN.md: never stamp a reading ahead).
 */
export interface Clock {
  /** Unix seconds. */
  now(this: void): number;
  /** Resolves once now() >= t. */
  sleepUntil(this: void, t: number): Promise<void>;
}

const realNow = (): number => Date.now() / 1000;

export function realClock(): Clock {
  return {
    now: realNow,
    sleepUntil: (t) => new Promise((r) => setTimeout(r, Math.max(0, (t - realNow()) * 1000))),
  };
}

export function fastClock(startS: number, speed: number, nowReal: () => number = realNow): Clock {
  const realStart = nowReal();
  const now = (): number => Math.min(nowReal(), startS + (nowReal() - realStart) * speed);
  return {
    now,
    async sleepUntil(t) {
      for (;;) {
        const left = t - now();
        if (left <= 0) return;
        // Once caught up with real time the clock runs at speed 1.
        const caughtUp = now() >= nowReal() - 1e-3;
        await new Promise((r) => setTimeout(r, Math.max(1, (caughtUp ? left : left / speed) * 1000)));
      }
    },
  };
}
