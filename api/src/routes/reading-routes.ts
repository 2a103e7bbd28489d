import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Bucket } from '@energy/lib/local-time';
import { authOf, requireUser } from '../auth/authenticate.js';
import type { CacheObserver } from '../core/readings/byte-lru.js';
import { deviceGeneration, EnergyCache } from '../core/readings/energy-cache.js';
import { energyBuckets, energyCsv, energyView } from '../core/readings/energy.js';
import { ChartCache } from '../core/readings/chart-cache.js';
import { CompletenessCache } from '../core/readings/completeness-cache.js';
import { LiveCache } from '../core/readings/live-cache.js';
import { liveView } from '../core/readings/live.js';
import { defaultStepSeconds, powerChart, stepProblem } from '../core/readings/power.js';
import { socketNames, type SocketNames } from '../core/readings/sockets.js';
import { standbyView } from '../core/readings/standby.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { CompressedBodies, sendAnswer } from '../http/cached-answer.js';
import { parseRange } from '../http/time-params.js';
import type { ApiMetrics } from '../metrics.js';
import type { Device, Household } from '../store/accounts-store.js';

const DAY = 86_400_000;
const BUCKETS: readonly Bucket[] = ['hour', 'day', 'week', 'month'];
const DEFAULT_SPAN: Record<Bucket, number> = {
  hour: DAY,
  day: 31 * DAY,
  week: 12 * 7 * DAY,
  month: 365 * DAY,
};
const MAX_SPAN: Record<Bucket, number> = {
  hour: 31 * DAY,
  day: 400 * DAY,
  week: 800 * DAY,
  month: 3700 * DAY,
};

/** The caller's household, its devices and the names of its sockets. */
async function context(
  deps: AppDeps,
  ctx: Context,
): Promise<{ hh: Household; devices: Device[]; names: SocketNames }> {
  const a = authOf(ctx);
  const [hh, devices] = await Promise.all([
    deps.store.householdById(a.householdId),
    deps.store.devices(a.householdId),
  ]);
  if (!hh) throw new ApiError('invalid_token');
  return { hh, devices, names: socketNames(devices) };
}

/** A cache's look-ups and size as metrics, labelled with its name. */
function observer(metrics: ApiMetrics, cache: string): CacheObserver {
  return {
    lookup: (result) => metrics.readCacheLookups.inc({ cache, result }),
    size: (entries, bytes) => {
      metrics.readCacheEntries.set({ cache }, entries);
      metrics.readCacheBytes.set({ cache }, bytes);
    },
  };
}

/** A range ending this close to now is not asked about finality: its last minute is still on its way. */
const RECENT_MS = 60_000;

function bucketParam(q: Context['query']): Bucket {
  const b = (q.bucket as string | undefined) ?? 'day';
  if (!(BUCKETS as readonly string[]).includes(b))
    throw new ApiError('validation_failed', '"bucket" must be hour, day, week or month');
  return b as Bucket;
}

/** The household's readings (core/readings): these handlers parse, authorise, call and render. */
export function readingRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  const nowMs = (): number => (deps.now?.() ?? new Date()).getTime();
  const energyCache = new EnergyCache(undefined, observer(deps.metrics, 'energy'));
  const chartCache = new ChartCache(undefined, observer(deps.metrics, 'chart'));
  const liveCache = new LiveCache(undefined, observer(deps.metrics, 'live'));
  const bodies = new CompressedBodies(undefined, observer(deps.metrics, 'bodies'));
  const completeness = new CompletenessCache(deps.series, nowMs);
  const householdCompleteUntil = (hh: Household, devices: Device[], generation: string) =>
    completeness.until(hh.id, devices, generation);

  // The live view: a household's latest readings stand until its next device-minute is due.
  router.get('/api/v1/readings/live', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const now = nowMs();
    let untilMs = now;
    const view = await liveView(
      {
        latestPower: async (h, within) => {
          const e = await liveCache.latest(h, now, () => deps.series.latestPower(h, within));
          untilMs = e.untilMs;
          return [...e.latest];
        },
      },
      hh,
      names,
      () => now,
    );
    sendAnswer(ctx, view, { freshness: { kind: 'until', untilMs, nowMs: now }, bodies });
  });

  router.get('/api/v1/readings/power', user, async (ctx: Context) => {
    const { hh, devices, names } = await context(deps, ctx);
    const { from, to } = parseRange(ctx.query, nowMs(), DAY, 31 * DAY);
    const stepQ = ctx.query.step as string | undefined;
    const stepSeconds = stepQ ? Number(stepQ) : defaultStepSeconds(from, to);
    const problem = stepProblem(from, to, stepSeconds);
    if (problem) throw new ApiError('validation_failed', problem);
    const generation = deviceGeneration(devices);
    let untilMs: number | undefined;
    const until = async () => (untilMs ??= await householdCompleteUntil(hh, devices, generation));
    // Final chunks of steps come from the cache; only the rest is read from the store.
    const series = chartCache.reader(deps.series, generation, until);
    const chart = await powerChart(series, hh, names, { fromMs: from, toMs: to, stepSeconds });
    const final = to <= Date.now() - RECENT_MS && to <= (await until());
    sendAnswer(ctx, chart, { freshness: final ? { kind: 'final' } : { kind: 'revalidate' }, bodies });
  });

  const energy = async (ctx: Context) => {
    const { hh, devices, names } = await context(deps, ctx);
    const bucket = bucketParam(ctx.query);
    const { from, to } = parseRange(ctx.query, nowMs(), DEFAULT_SPAN[bucket], MAX_SPAN[bucket]);
    const generation = deviceGeneration(devices);
    let untilMs: number | undefined;
    const until = async () => (untilMs ??= await householdCompleteUntil(hh, devices, generation));
    // Final days come from the cache; only what is not final yet is read from the store.
    const series = energyCache.reader(deps.series, generation, until);
    // The real clock, not deps.now: quarters after it hold no readings yet in any store.
    const bs = await energyBuckets(series, hh, {
      from,
      to,
      bucket,
      nowMs: Date.now(),
      // A house meter is the household's total; untracked is what it read beyond the sockets.
      names,
      onNegativeUntracked: () => deps.metrics.untrackedClamped.inc(),
    });
    const last = bs[bs.length - 1];
    const final = last !== undefined && last.end <= Date.now() - RECENT_MS && last.end <= (await until());
    return { hh, bucket, names, bs, final };
  };

  router.get('/api/v1/readings/energy', user, async (ctx: Context) => {
    const { hh, bucket, bs, final } = await energy(ctx);
    sendAnswer(ctx, energyView(hh, bucket, bs), {
      freshness: final ? { kind: 'final' } : { kind: 'revalidate' },
      bodies,
    });
  });

  router.get('/api/v1/readings/export.csv', user, async (ctx: Context) => {
    const { hh, names, bs, final } = await energy(ctx);
    ctx.set('content-disposition', 'attachment; filename="energy.csv"');
    sendAnswer(ctx, energyCsv(hh, names, bs), {
      type: 'text/csv; charset=utf-8',
      freshness: final ? { kind: 'final' } : { kind: 'revalidate' },
      bodies,
    });
  });

  router.get('/api/v1/readings/standby', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    ctx.body = await standbyView(deps.series, hh, names, nowMs());
  });
}
