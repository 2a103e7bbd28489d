import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Bucket } from '@energy/lib/local-time';
import { authOf, requireUser } from '../auth/authenticate.js';
import { deviceGeneration, EnergyCache } from '../core/readings/energy-cache.js';
import { energyBuckets, energyCsv, energyExtent, energyView } from '../core/readings/energy.js';
import { ChartCache } from '../core/readings/chart-cache.js';
import { liveView } from '../core/readings/live.js';
import { chartGrid, defaultStepSeconds, powerChart, stepProblem } from '../core/readings/power.js';
import { socketNames, type SocketNames } from '../core/readings/sockets.js';
import { standbyView } from '../core/readings/standby.js';
import { householdPriceAt } from '../core/readings/tariff.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { Answer, sendAnswer } from '../http/cached-answer.js';
import type { Revalidate } from '../http/answer-cache.js';
import { cacheObserver, readCaches } from '../http/read-caches.js';
import { parseRange } from '../http/time-params.js';
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
): Promise<{ hh: Household; devices: readonly Device[]; names: SocketNames; state: string }> {
  const a = authOf(ctx);
  const [hh, devices] = await Promise.all([
    deps.store.householdById(a.householdId),
    deps.store.devices(a.householdId),
  ]);
  if (!hh) throw new ApiError('invalid_token');
  // A store that keeps its rows (SQLite) gives the same objects until they change: so do these.
  const known = derived.get(devices);
  if (known?.hh === hh) return { hh, devices, names: known.names, state: known.state };
  const made = { hh, names: socketNames(devices), state: householdState(hh, devices) };
  derived.set(devices, made);
  return { hh, devices, names: made.names, state: made.state };
}
const derived = new WeakMap<readonly Device[], { hh: Household; names: SocketNames; state: string }>();

/**
 * Everything of a household a readings answer shows or depends on — its
 * zone, currency and tariff, its devices (ids, creation: the device
 * generation) and their sockets' names and roles — hashed: part of every
 * kept answer's key, so an edit in any API process makes new keys at once.
 */
function householdState(hh: Household, devices: readonly Device[]): string {
  const s = JSON.stringify([
    hh.id,
    hh.timeZone,
    hh.currency,
    hh.tariff,
    devices.map((d) => [d.id, d.createdAt.getTime(), d.sockets]),
  ]);
  return createHash('sha1').update(s).digest('base64url');
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
  const energyCache = new EnergyCache(undefined, cacheObserver(deps.metrics, 'energy'));
  const chartCache = new ChartCache(undefined, cacheObserver(deps.metrics, 'chart'));
  const { answers, completeness, latest } = readCaches(deps);
  const householdCompleteUntil = (hh: Household, devices: readonly Device[], generation: string) =>
    completeness.until(hh.id, devices, generation);
  /**
   * What a household's answers not final are built from: its devices'
   * latest stamps (a new minute) and its completeness (a replayed hour
   * moves the device's watermark) — and until when that stands.
   */
  const builtFrom =
    (hh: Household, devices: readonly Device[]): Revalidate =>
    async () => {
      const [l, complete] = await Promise.all([
        latest(hh.id, nowMs()),
        householdCompleteUntil(hh, devices, deviceGeneration(devices)),
      ]);
      const last = new Map<string, number>();
      for (const s of l.latest) last.set(s.device, Math.max(s.atMs ?? NaN, last.get(s.device) ?? -Infinity));
      const stamps = [...last].sort(([a], [b]) => (a < b ? -1 : 1)).join(',');
      return { validator: `${stamps}|${complete}`, untilMs: l.untilMs };
    };

  /**
   * Sends the kept answer for `key` while it stands, else the one `build`
   * makes. An answer about a final range stands until the LRU forgets it;
   * any other until the household's next device-minute (a new minute, or a
   * replayed hour, shows within it — at most a minute; live's own rule
   * about due minutes that are late applies).
   */
  const serve = async (
    ctx: Context,
    household: string,
    key: string,
    build: () => Promise<{ answer: Answer; final: boolean; untilMs?: number }>,
    family?: string,
    revalidate?: Revalidate,
  ): Promise<void> => {
    const now = nowMs();
    // The household leads every key and family: no answer is ever served to another household.
    const served = await answers.answer(
      `${household}\u0000${key}`,
      now,
      async () => {
        const b = await build();
        if (b.final) return { answer: b.answer, freshness: { kind: 'final' }, standsUntilMs: Infinity };
        if (b.untilMs !== undefined)
          return {
            answer: b.answer,
            freshness: { kind: 'until', untilMs: b.untilMs },
            standsUntilMs: b.untilMs,
          };
        const { untilMs } = await latest(household, now);
        return {
          answer: b.answer,
          freshness: { kind: 'revalidate' },
          standsUntilMs: untilMs,
        };
      },
      family === undefined ? undefined : `${household}\u0000${family}`,
      revalidate,
    );
    // The previous answer while its rebuild runs: said so (RFC 9211, a negative ttl is stale), and to ask again.
    if (served.stale)
      ctx.set('Cache-Status', `energy-api; hit; ttl=${Math.floor((served.kept.standsUntilMs - now) / 1000)}`);
    const freshness = served.stale ? ({ kind: 'revalidate' } as const) : served.kept.freshness;
    sendAnswer(ctx, served.kept.answer, freshness, now);
  };

  // The live view: a household's latest readings stand until its next device-minute is due.
  router.get('/api/v1/readings/live', user, async (ctx: Context) => {
    const { hh, names, state } = await context(deps, ctx);
    await serve(ctx, hh.id, `live\u0000${state}`, async () => {
      const now = nowMs();
      const e = await latest(hh.id, now);
      // `at`: when these readings were read (the answer stands from then until its next device-minute).
      const view = await liveView(
        { latestPower: () => Promise.resolve([...e.latest]) },
        hh,
        names,
        () => now,
      );
      return { answer: new Answer(view), final: false, untilMs: e.untilMs };
    });
  });

  router.get('/api/v1/readings/power', user, async (ctx: Context) => {
    const { hh, devices, names, state } = await context(deps, ctx);
    const { from, to } = parseRange(ctx.query, nowMs(), DAY, 31 * DAY);
    const stepQ = ctx.query.step as string | undefined;
    const stepSeconds = stepQ ? Number(stepQ) : defaultStepSeconds(from, to);
    const problem = stepProblem(from, to, stepSeconds);
    if (problem) throw new ApiError('validation_failed', problem);
    const grid = chartGrid({ fromMs: from, toMs: to, stepSeconds });
    // A chart that ends now moves on a step at a time: its previous step's answer may stand in while it is rebuilt.
    const endsNow = to >= nowMs() - stepSeconds * 1000;
    await serve(
      ctx,
      hh.id,
      `power\u0000${state}\u0000${grid.start}\u0000${grid.end}\u0000${stepSeconds}`,
      async () => {
        const generation = deviceGeneration(devices);
        let untilMs: number | undefined;
        const until = async () => (untilMs ??= await householdCompleteUntil(hh, devices, generation));
        // Final chunks of steps come from the cache; only the rest is read from the store.
        const series = chartCache.reader(deps.series, generation, until);
        const chart = await powerChart(series, hh, names, { fromMs: from, toMs: to, stepSeconds });
        // The chart is its grid: final when the grid's last step is.
        const endMs = grid.end * 1000;
        const final = endMs <= Date.now() - RECENT_MS && endMs <= (await until());
        return { answer: new Answer(chart, undefined, final), final };
      },
      endsNow ? `power\u0000${state}\u0000now\u0000${grid.end - grid.start}\u0000${stepSeconds}` : undefined,
      builtFrom(hh, devices),
    );
  });

  /** The energy buckets of a request, and whether all of them are final. */
  const energy = async (
    hh: Household,
    devices: readonly Device[],
    names: SocketNames,
    o: { from: number; to: number; bucket: Bucket; nowMs: number },
  ) => {
    const generation = deviceGeneration(devices);
    let untilMs: number | undefined;
    const until = async () => (untilMs ??= await householdCompleteUntil(hh, devices, generation));
    // Final days come from the cache; only what is not final yet is read from the store.
    const series = energyCache.reader(deps.series, generation, until);
    const bs = await energyBuckets(series, hh, {
      ...o,
      // A house meter is the household's total; untracked is what it read beyond the sockets.
      names,
      onNegativeUntracked: () => deps.metrics.untrackedClamped.inc(),
    });
    const last = bs[bs.length - 1];
    const final = last !== undefined && last.end <= Date.now() - RECENT_MS && last.end <= (await until());
    return { bs, final };
  };

  /** The energy views (JSON, CSV): keyed by what the answer is made of, the buckets and how far is read. */
  const energyRoute =
    (view: 'energy' | 'csv') =>
    async (ctx: Context): Promise<void> => {
      const { hh, devices, names, state } = await context(deps, ctx);
      const bucket = bucketParam(ctx.query);
      const { from, to } = parseRange(ctx.query, nowMs(), DEFAULT_SPAN[bucket], MAX_SPAN[bucket]);
      // The real clock, not deps.now: quarters after it hold no readings yet in any store.
      const realNow = Date.now();
      const x = energyExtent(from, to, bucket, hh.timeZone, realNow);
      const key = `${view}\u0000${state}\u0000${bucket}\u0000${x?.startMs}\u0000${x?.endMs}\u0000${x?.readToMs}`;
      if (view === 'csv') ctx.set('content-disposition', 'attachment; filename="energy.csv"');
      // The same buckets read to an earlier quarter may stand in while they are read again.
      const family = `${view}\u0000${state}\u0000${bucket}\u0000${x?.startMs}\u0000${x?.endMs}`;
      await serve(
        ctx,
        hh.id,
        key,
        async () => {
          const { bs, final } = await energy(hh, devices, names, { from, to, bucket, nowMs: realNow });
          const answer =
            view === 'csv'
              ? new Answer(energyCsv(hh, names, bs), 'text/csv; charset=utf-8', final)
              : new Answer(energyView(hh, bucket, bs), undefined, final);
          return { answer, final };
        },
        family,
        builtFrom(hh, devices),
      );
    };
  router.get('/api/v1/readings/energy', user, energyRoute('energy'));
  router.get('/api/v1/readings/export.csv', user, energyRoute('csv'));

  // A 7-day quantile per socket (the store's heaviest read of the portal), as of when it was read:
  // kept until the household's next device-minute, and a new key when today's price changes.
  router.get('/api/v1/readings/standby', user, async (ctx: Context) => {
    const { hh, names, state } = await context(deps, ctx);
    const now = nowMs();
    await serve(ctx, hh.id, `standby\u0000${state}\u0000${householdPriceAt(hh, now)}`, async () => ({
      answer: new Answer(await standbyView(deps.series, hh, names, now)),
      final: false,
    }));
  });
}
