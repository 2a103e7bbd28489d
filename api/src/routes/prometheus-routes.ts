import type Router from '@koa/router';
import type { Context } from 'koa';
import { authOf, requireReader } from '../auth/authenticate.js';
import { deviceGeneration } from '../core/readings/energy-cache.js';
import type { AppDeps } from '../deps.js';
import { readForm } from '../http/body.js';
import { param } from '../http/params.js';
import { Answer, sendAnswer } from '../http/cached-answer.js';
import { cacheObserver, readCaches } from '../http/read-caches.js';
import { FinalRangeCache, plainInstant, plainRange } from '../vm/final-range-cache.js';

const PATHS = ['query', 'query_range', 'series', 'labels', 'label/:name/values'] as const;

/**
 * A Prometheus-compatible read endpoint for Grafana and promtool, scoped to
 * the caller's household: the VM client replaces any extra_label and drops
 * any extra_filters, then adds the household's own. Every request goes with
 * nocache: VictoriaMetrics' rollup cache keeps answers that a replayed
 * outbox has made wrong. What serves the household board's range panels is
 * the API's own cache of final steps (vm/final-range-cache.ts), keyed by
 * household; a range or instant query asked again before the household's
 * next device-minute gets the answer kept from the first (http/answer-cache.ts).
 */

/** VictoriaMetrics' answer as it came. */
function send(ctx: Context, r: { status: number; body: string }): void {
  ctx.status = r.status;
  ctx.type = 'application/json';
  ctx.body = r.body;
}

export function prometheusRoutes(router: Router, deps: AppDeps): void {
  const reader = requireReader(deps);
  const nowMs = (): number => (deps.now?.() ?? new Date()).getTime();
  const { answers, completeness, latest } = readCaches(deps);
  const ranges = new FinalRangeCache(undefined, cacheObserver(deps.metrics, 'prometheus'));
  for (const p of PATHS) {
    const handler = async (ctx: Context): Promise<void> => {
      const params = new URLSearchParams(ctx.querystring);
      if (ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
        for (const [k, v] of await readForm(ctx, 256 * 1024)) params.append(k, v);
      }
      const path =
        p === 'label/:name/values'
          ? `/api/v1/label/${encodeURIComponent(param(ctx, 'name'))}/values`
          : `/api/v1/${p}`;
      const household = authOf(ctx).householdId;
      params.set('nocache', '1');
      const range = p === 'query_range' ? plainRange(params) : undefined;
      const instant = p === 'query' ? plainInstant(params) : undefined;
      if (!range && !instant) {
        send(ctx, await deps.vm.raw(path, params, household));
        return;
      }
      // A board's query answered a moment ago stands until the household's next device-minute.
      const devices = await deps.store.devices(household);
      const generation = deviceGeneration(devices);
      const now = nowMs();
      const key = `${household}\u0000prometheus\u0000${generation}\u0000${JSON.stringify(range ?? instant)}`;
      const kept = answers.get(key, now);
      if (kept) {
        sendAnswer(ctx, kept.answer, kept.freshness, now);
        return;
      }
      const r = range
        ? await ranges.answer(
            household,
            generation,
            range,
            await completeness.until(household, devices, generation),
            (start, end) => {
              const part = new URLSearchParams(params);
              part.set('start', String(start));
              part.set('end', String(end));
              return deps.vm.raw(path, part, household);
            },
          )
        : await deps.vm.raw(path, params, household);
      if (r.status !== 200) {
        send(ctx, r);
        return;
      }
      const fresh = {
        answer: new Answer(r.body),
        freshness: { kind: 'revalidate' } as const,
        standsUntilMs: (await latest(household, now)).untilMs,
      };
      answers.keep(key, fresh, now);
      sendAnswer(ctx, fresh.answer, fresh.freshness, now);
    };
    router.get(`/prometheus/api/v1/${p}`, reader, handler);
    router.post(`/prometheus/api/v1/${p}`, reader, handler);
  }
}
