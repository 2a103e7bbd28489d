import type Router from '@koa/router';
import type { Context } from 'koa';
import { authOf, requireReader } from '../auth/authenticate.js';
import { CompletenessCache } from '../core/readings/completeness-cache.js';
import { deviceGeneration } from '../core/readings/energy-cache.js';
import type { AppDeps } from '../deps.js';
import { readForm } from '../http/body.js';
import { param } from '../http/params.js';
import { FinalRangeCache, plainRange } from '../vm/final-range-cache.js';

const PATHS = ['query', 'query_range', 'series', 'labels', 'label/:name/values'] as const;

/**
 * A Prometheus-compatible read endpoint for Grafana and promtool, scoped to
 * the caller's household: the VM client replaces any extra_label and drops
 * any extra_filters, then adds the household's own. Every request goes with
 * nocache: VictoriaMetrics' rollup cache keeps answers that a replayed
 * outbox has made wrong. What serves the household board's range panels is
 * the API's own cache of final steps (vm/final-range-cache.ts), keyed by
 * household.
 */
export function prometheusRoutes(router: Router, deps: AppDeps): void {
  const reader = requireReader(deps);
  const nowMs = (): number => (deps.now?.() ?? new Date()).getTime();
  const completeness = new CompletenessCache(deps.series, nowMs);
  const ranges = new FinalRangeCache(undefined, {
    lookup: (result) => deps.metrics.readCacheLookups.inc({ cache: 'prometheus', result }),
    size: (entries, bytes) => {
      deps.metrics.readCacheEntries.set({ cache: 'prometheus' }, entries);
      deps.metrics.readCacheBytes.set({ cache: 'prometheus' }, bytes);
    },
  });
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
      let r: { status: number; body: string };
      if (range) {
        const devices = await deps.store.devices(household);
        const generation = deviceGeneration(devices);
        const until = await completeness.until(household, devices, generation);
        r = await ranges.answer(household, generation, range, until, (start, end) => {
          const part = new URLSearchParams(params);
          part.set('start', String(start));
          part.set('end', String(end));
          return deps.vm.raw(path, part, household);
        });
      } else {
        r = await deps.vm.raw(path, params, household);
      }
      ctx.status = r.status;
      ctx.type = 'application/json';
      ctx.body = r.body;
    };
    router.get(`/prometheus/api/v1/${p}`, reader, handler);
    router.post(`/prometheus/api/v1/${p}`, reader, handler);
  }
}
