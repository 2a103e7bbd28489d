import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Bucket } from '@energy/lib/local-time';
import { authOf, requireUser } from '../auth/authenticate.js';
import { energyBuckets, energyCsv, energyView } from '../core/readings/energy.js';
import { liveView } from '../core/readings/live.js';
import { defaultStepSeconds, powerChart, stepProblem } from '../core/readings/power.js';
import { socketNames, type SocketNames } from '../core/readings/sockets.js';
import { standbyView } from '../core/readings/standby.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { parseRange } from '../http/time-params.js';
import type { Household } from '../store/accounts-store.js';

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

/** The caller's household and the names of its sockets. */
async function context(deps: AppDeps, ctx: Context): Promise<{ hh: Household; names: SocketNames }> {
  const a = authOf(ctx);
  const [hh, devices] = await Promise.all([
    deps.store.householdById(a.householdId),
    deps.store.devices(a.householdId),
  ]);
  if (!hh) throw new ApiError('invalid_token');
  return { hh, names: socketNames(devices) };
}

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

  // The walking skeleton: last power of every socket of the caller's household.
  router.get('/api/v1/readings/live', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    ctx.body = await liveView(deps.series, hh, names, nowMs);
  });

  router.get('/api/v1/readings/power', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const { from, to } = parseRange(ctx.query, nowMs(), DAY, 31 * DAY);
    const stepQ = ctx.query.step as string | undefined;
    const stepSeconds = stepQ ? Number(stepQ) : defaultStepSeconds(from, to);
    const problem = stepProblem(from, to, stepSeconds);
    if (problem) throw new ApiError('validation_failed', problem);
    ctx.body = await powerChart(deps.series, hh, names, { fromMs: from, toMs: to, stepSeconds });
  });

  const energy = async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const bucket = bucketParam(ctx.query);
    const { from, to } = parseRange(ctx.query, nowMs(), DEFAULT_SPAN[bucket], MAX_SPAN[bucket]);
    // The real clock, not deps.now: quarters after it hold no readings yet in any store.
    const bs = await energyBuckets(deps.series, hh, { from, to, bucket, nowMs: Date.now() });
    return { hh, bucket, names, bs };
  };

  router.get('/api/v1/readings/energy', user, async (ctx: Context) => {
    const { hh, bucket, bs } = await energy(ctx);
    ctx.body = energyView(hh, bucket, bs);
  });

  router.get('/api/v1/readings/export.csv', user, async (ctx: Context) => {
    const { hh, names, bs } = await energy(ctx);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('content-disposition', 'attachment; filename="energy.csv"');
    ctx.body = energyCsv(hh, names, bs);
  });

  router.get('/api/v1/readings/standby', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    ctx.body = await standbyView(deps.series, hh, names, nowMs());
  });
}
