import { randomUUID } from 'node:crypto';
import { constants as zlibConstants } from 'node:zlib';
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import compress from 'koa-compress';
import type { AppDeps } from './deps.js';
import { ApiError, errorBody } from './errors.js';
import { traceRequests } from './http/tracing.js';
import { oidcInteractionRoutes, oidcMount } from './oidc/oidc-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { householdRoutes } from './routes/household-routes.js';
import { notificationRoutes } from './routes/notification-routes.js';
import { opsRoutes } from './routes/ops-routes.js';
import { portalRoutes } from './routes/portal-routes.js';
import { prometheusRoutes } from './routes/prometheus-routes.js';
import { readingRoutes } from './routes/reading-routes.js';

/**
 * The public API as one Koa app. Only main.ts listens; tests drive
 * `buildApp(deps).callback()` through supertest.
 */
export function buildApp(deps: AppDeps): Koa {
  // Behind the cluster's proxy only (TRUST_PROXY): the client address is the last X-Forwarded-For
  // entry, the one the proxy appended — earlier entries come from the client and prove nothing.
  const app = new Koa({ proxy: deps.trustProxy === true, maxIpsCount: 1 });
  const router = new Router();

  app.use(traceRequests());
  app.use(observe(deps));
  app.use(errors(deps));
  // The OpenID Connect provider answers /oidc/* itself (its own cookies, errors and bodies).
  if (deps.oidc) app.use(oidcMount(deps.oidc));
  // The fastest levels: readings answers are numbers that compress well at any level, and
  // compressing every non-final answer (charts, the Grafana board) was the API's largest CPU cost.
  app.use(
    compress({
      threshold: 1024,
      gzip: { level: 1 },
      br: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } },
    }),
  );

  authRoutes(router, deps);
  householdRoutes(router, deps);
  deviceRoutes(router, deps);
  readingRoutes(router, deps);
  notificationRoutes(router, deps);
  prometheusRoutes(router, deps);
  opsRoutes(router, deps);
  portalRoutes(router, deps);
  if (deps.oidc) oidcInteractionRoutes(router, deps, deps.oidc);

  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  app.use(() => {
    throw new ApiError('not_found');
  });
  return app;
}

/** Request id, one log line per request, and the request metrics by route template. */
function observe(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const id = randomUUID();
    ctx.set('x-request-id', id);
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      deps.metrics.httpRequests.inc({ route: String(route), method: ctx.method, status: String(ctx.status) });
      deps.metrics.httpDuration.observe({ route: String(route), method: ctx.method }, seconds);
      // Refusals are worth a line at info (who is probing what); successes only at debug. Never bodies.
      const line = {
        reqId: id,
        method: ctx.method,
        route,
        status: ctx.status,
        ms: Math.round(seconds * 1000),
      };
      if (ctx.status >= 400) deps.logger.info(line, 'request refused');
      else if (route !== '/metrics' && route !== '/healthz') deps.logger.debug(line, 'request');
    }
  };
}

/** The one error middleware: ApiErrors become their JSON answer; anything else a logged 500. */
function errors(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      let e: ApiError;
      if (err instanceof ApiError) e = err;
      else if (isHttpError(err) && err.status === 405)
        e = new ApiError('not_found', 'Method not allowed on this path');
      else if (isHttpError(err) && err.status < 500) e = new ApiError('bad_request');
      else {
        deps.logger.error({ err, reqId: ctx.response.get('x-request-id') }, 'unhandled error');
        e = new ApiError('internal');
      }
      ctx.status = e.status;
      for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
      ctx.body = errorBody(e.code, e.message);
    }
  };
}

function isHttpError(err: unknown): err is { status: number } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}
