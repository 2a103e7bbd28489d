import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import { authOf, requireReader } from '../auth/authenticate.js';
import type { AppDeps } from '../deps.js';
import { readForm } from '../http/body.js';

const PATHS = ['query', 'query_range', 'series', 'labels', 'label/:name/values'] as const;

/**
 * A Prometheus-compatible read endpoint for Grafana and promtool, scoped to
 * the caller's household: the VM client replaces any extra_label with the
 * household's own.
 */
export function prometheusRoutes(router: Router, deps: AppDeps): void {
  const reader = requireReader(deps);
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
      const r = await deps.vm.raw(path, params, authOf(ctx).householdId);
      ctx.status = r.status;
      ctx.type = 'application/json';
      ctx.body = r.body;
    };
    router.get(`/prometheus/api/v1/${p}`, reader, handler);
    router.post(`/prometheus/api/v1/${p}`, reader, handler);
  }
}
