import { setTimeout as sleep } from 'node:timers/promises';
import { ByteLru, NO_OBSERVER, type CacheObserver } from '../core/readings/byte-lru.js';
import type { Answer, Freshness } from './cached-answer.js';

/** A built answer, the Cache-Control it is sent with, and until when (API clock, ms) it stands. */
export interface KeptAnswer {
  readonly answer: Answer;
  readonly freshness: Freshness;
  readonly standsUntilMs: number;
  /** What the answer was built from, as `Revalidate` said it just before, and when (API clock, ms); set by the cache. */
  readonly builtFrom?: { readonly validator: string; readonly atMs: number };
}

/**
 * What a household's answers are built from now, and until when that
 * stands: a cheap look (its devices' latest stamps, its completeness) that
 * spares rebuilding an answer nothing has changed.
 */
export type Revalidate = () => Promise<{ readonly validator: string; readonly untilMs: number }>;

/**
 * How long after it was built an answer may stand on by revalidation: two
 * device-minutes (one would end right at the recheck after the next due
 * minute). Late data from a device that states no watermark moves neither
 * stamps nor completeness; it shows within this.
 */
export const REVALIDATE_FOR_MS = 120_000;

/**
 * How long after it stopped standing an answer may still be sent while its
 * rebuild runs: a new device-minute shows within this of being due (the
 * live view's promise is 10 s from being written).
 */
export const STALE_MS = 10_000;
/** How long a request waits for its rebuild before it is sent the answer that stood until now. */
export const STALE_WAIT_MS = 20;

/** What to send: the answer, and whether it is the previous one sent while its rebuild runs. */
export interface ServedAnswer {
  readonly kept: KeptAnswer;
  readonly stale: boolean;
}

/**
 * Whole answers of the readings views, as sent, until they can change: a
 * hit is the household's look-up, a key and the kept bytes — no store read,
 * no building, no JSON, no compressing. The caller's key holds the
 * household, everything of it the answer shows (zone, currency, tariff,
 * devices and their sockets' names and roles: an edit makes a new key, in
 * every process, at once) and the request as the view reads it (the step
 * grid, the buckets). `standsUntilMs` is Infinity for a final range, the
 * household's next device-minute otherwise.
 *
 * Requests for a key being built wait for that build instead of building
 * it again (a board or a page asking several views at once).
 *
 * Stale while revalidating (RFC 5861's idea, inside the API): devices
 * write just after each minute, so every household's answers stop standing
 * within the same second, and ~one rebuild per household and view queue
 * behind each other and behind the minute's ingest. A request whose answer
 * stopped standing less than STALE_MS ago, or whose view moved on to the
 * next step of its grid (the same `family`), waits STALE_WAIT_MS for the
 * rebuild and is otherwise sent the previous answer, marked to be
 * revalidated; the rebuild goes on and the next request gets it.
 *
 * Before rebuilding, an answer that knows what it was built from asks
 * `revalidate` and stands on while that is unchanged, for up to
 * REVALIDATE_FOR_MS after it was built: just after a device-minute is due
 * and before it is written, a household is looked at every 2 s, and its
 * charts and bars were rebuilt each time although nothing had changed.
 */
export class AnswerCache {
  private readonly lru: ByteLru<KeptAnswer>;
  private readonly building = new Map<string, Promise<KeptAnswer>>();

  constructor(
    maxBytes = 128 * 2 ** 20,
    private readonly observer: CacheObserver = NO_OBSERVER,
  ) {
    this.lru = new ByteLru(maxBytes, observer);
  }

  /** The kept answer for `key` if it stands at `nowMs`. */
  get(key: string, nowMs: number): KeptAnswer | undefined {
    const hit = this.lru.get(key);
    return hit && nowMs < hit.standsUntilMs ? hit : undefined;
  }

  /** Keeps an answer, unless it stands no longer; `family` names it for the view's next key too. */
  keep(key: string, kept: KeptAnswer, nowMs: number, family?: string): void {
    if (kept.standsUntilMs <= nowMs) return;
    const bytes = kept.answer.bytes + key.length * 2;
    this.lru.set(key, kept, bytes);
    if (family !== undefined && family !== key) this.lru.set(familyKey(family), kept, bytes);
  }

  /**
   * The kept answer for `key` if it stands at `nowMs`, else the one `build`
   * makes (kept unless it stands no longer) — or, while that build runs
   * longer than STALE_WAIT_MS, the previous answer of the key or its
   * `family` if it stopped standing less than STALE_MS ago.
   */
  async answer(
    key: string,
    nowMs: number,
    build: () => Promise<KeptAnswer>,
    family?: string,
    revalidate?: Revalidate,
  ): Promise<ServedAnswer> {
    const own = this.lru.get(key);
    if (own && nowMs < own.standsUntilMs) return { kept: own, stale: false };
    let p = this.building.get(key);
    if (!p) {
      // What the answer would be built from now: if `own` was built from the same, it stands on;
      // else the build remembers it (read before the build, so readings landing meanwhile differ).
      const look = revalidate && (await revalidate());
      const from = own?.builtFrom;
      if (own && from && look?.validator === from.validator && nowMs < from.atMs + REVALIDATE_FOR_MS) {
        const kept = { ...own, standsUntilMs: Math.min(look.untilMs, from.atMs + REVALIDATE_FOR_MS) };
        this.keep(key, kept, nowMs, family);
        if (kept.standsUntilMs > nowMs) return { kept, stale: false };
      }
      // Another request may have started it while this one looked.
      p = this.building.get(key) ?? this.start(key, nowMs, build, family, look?.validator);
    }
    const last = own ?? (family === undefined ? undefined : this.lru.get(familyKey(family)));
    if (!last || nowMs >= last.standsUntilMs + STALE_MS) return { kept: await p, stale: false };
    const fresh = await Promise.race([p, sleep(STALE_WAIT_MS, undefined)]);
    if (fresh) return { kept: fresh, stale: false };
    this.observer.lookup('stale');
    return { kept: last, stale: true };
  }

  /** Builds and keeps the answer for `key`, an answer not final with what it was built from. */
  private start(
    key: string,
    nowMs: number,
    build: () => Promise<KeptAnswer>,
    family: string | undefined,
    validator: string | undefined,
  ): Promise<KeptAnswer> {
    const p = build().then((built) => {
      const kept =
        validator !== undefined && built.standsUntilMs !== Infinity
          ? { ...built, builtFrom: { validator, atMs: nowMs } }
          : built;
      this.keep(key, kept, nowMs, family);
      return kept;
    });
    this.building.set(key, p);
    // Settled in any case; a failure reaches whoever awaits it, never as an unhandled rejection.
    p.then(
      () => this.building.delete(key),
      () => this.building.delete(key),
    );
    return p;
  }
}

const familyKey = (family: string): string => `\u0001${family}`;
