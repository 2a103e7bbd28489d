import { ByteLru, NO_OBSERVER, type CacheObserver } from '../core/readings/byte-lru.js';
import type { Answer, Freshness } from './cached-answer.js';

/** A built answer, the Cache-Control it is sent with, and until when (API clock, ms) it stands. */
export interface KeptAnswer {
  readonly answer: Answer;
  readonly freshness: Freshness;
  readonly standsUntilMs: number;
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
 */
export class AnswerCache {
  private readonly lru: ByteLru<KeptAnswer>;
  private readonly building = new Map<string, Promise<KeptAnswer>>();

  constructor(maxBytes = 128 * 2 ** 20, observer: CacheObserver = NO_OBSERVER) {
    this.lru = new ByteLru(maxBytes, observer);
  }

  /** The kept answer for `key` if it stands at `nowMs`. */
  get(key: string, nowMs: number): KeptAnswer | undefined {
    const hit = this.lru.get(key);
    return hit && nowMs < hit.standsUntilMs ? hit : undefined;
  }

  /** Keeps an answer, unless it stands no longer. */
  keep(key: string, kept: KeptAnswer, nowMs: number): void {
    if (kept.standsUntilMs > nowMs) this.lru.set(key, kept, kept.answer.bytes + key.length * 2);
  }

  /** The kept answer for `key` if it stands at `nowMs`, else the one `build` makes (kept unless it stands no longer). */
  async answer(key: string, nowMs: number, build: () => Promise<KeptAnswer>): Promise<KeptAnswer> {
    const hit = this.get(key, nowMs);
    if (hit) return hit;
    const pending = this.building.get(key);
    if (pending) return pending;
    const p = build().then((kept) => {
      this.keep(key, kept, nowMs);
      return kept;
    });
    this.building.set(key, p);
    try {
      return await p;
    } finally {
      this.building.delete(key);
    }
  }
}
