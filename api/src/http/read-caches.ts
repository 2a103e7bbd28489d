import type { CacheObserver } from '../core/readings/byte-lru.js';
import { CompletenessCache } from '../core/readings/completeness-cache.js';
import { LiveCache } from '../core/readings/live-cache.js';
import { LIVE_WINDOW_MS } from '../core/readings/live.js';
import type { LatestPower } from '../core/readings/series-reader.js';
import type { AppDeps } from '../deps.js';
import type { ApiMetrics } from '../metrics.js';
import { AnswerCache } from './answer-cache.js';

/** A cache's look-ups and size as metrics, labelled with its name. */
export function cacheObserver(metrics: ApiMetrics, cache: string): CacheObserver {
  return {
    lookup: (result) => metrics.readCacheLookups.inc({ cache, result }),
    size: (entries, bytes) => {
      metrics.readCacheEntries.set({ cache }, entries);
      metrics.readCacheBytes.set({ cache }, bytes);
    },
  };
}

/**
 * What the portal's readings and the Prometheus endpoint share in one
 * process: each household's completeness, its latest readings (and so its
 * next device-minute: until when an answer not final stands) and the kept
 * answers. One set per app (per deps): tests build several apps in a process.
 */
export interface ReadCaches {
  readonly completeness: CompletenessCache;
  readonly answers: AnswerCache;
  /** The household's latest readings and until when they stand (its next device-minute is due). */
  readonly latest: (
    household: string,
    nowMs: number,
  ) => Promise<{ latest: readonly LatestPower[]; untilMs: number }>;
}

const byDeps = new WeakMap<AppDeps, ReadCaches>();

export function readCaches(deps: AppDeps): ReadCaches {
  let c = byDeps.get(deps);
  if (!c) {
    const nowMs = (): number => (deps.now?.() ?? new Date()).getTime();
    const live = new LiveCache(undefined, cacheObserver(deps.metrics, 'live'));
    c = {
      completeness: new CompletenessCache(deps.series, nowMs),
      answers: new AnswerCache(undefined, cacheObserver(deps.metrics, 'answers')),
      latest: (household, now) =>
        live.latest(household, now, () => deps.series.latestPower(household, LIVE_WINDOW_MS)),
    };
    byDeps.set(deps, c);
  }
  return c;
}
