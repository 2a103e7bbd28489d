import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../deps.js';
import { isRefusal, readFaroPayload } from '../core/rum/faro-payload.js';
import { RouteTemplates } from '../core/rum/route-template.js';
import { RUM_LIMITS } from '../core/rum/rum-limits.js';
import { TokenBuckets } from '../core/rum/token-bucket.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { openApiDocument } from '../openapi.js';

export function opsRoutes(router: Router, deps: AppDeps): void {
  router.get('/metrics', async (ctx: Context) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  router.get('/healthz', (ctx: Context) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx: Context) => {
    const [store, vm] = await Promise.all([
      deps.store.ping().then(
        () => true,
        () => false,
      ),
      deps.vm.healthy(),
    ]);
    ctx.status = store && vm ? 200 : 503;
    ctx.body = { status: store && vm ? 'ready' : 'not ready', store, victoriaMetrics: vm };
  });
  router.get('/api/v1/openapi.json', (ctx: Context) => {
    ctx.body = openApiDocument(router);
  });

  // Faro payloads from the portal's browsers: bounded per client, per
  // request and in size; web vitals, page loads and API call durations
  // become histograms (API calls by route template, never by URL).
  const clients = new TokenBuckets(RUM_LIMITS.perClient);
  let templates: RouteTemplates | undefined;
  router.post('/api/v1/rum', async (ctx: Context) => {
    const refuse = (reason: string, err: ApiError): never => {
      deps.metrics.rumRejected.inc({ reason });
      throw err;
    };
    if (!clients.take(ctx.ip)) {
      refuse(
        'rate_limited',
        new ApiError('throttled', 'Too many RUM reports from this client', {
          'retry-after': String(clients.retryAfterSeconds(ctx.ip)),
        }),
      );
    }
    let body: unknown;
    try {
      body = await readJson(ctx, RUM_LIMITS.maxBodyBytes);
    } catch (err) {
      deps.metrics.rumRejected.inc({ reason: err instanceof ApiError ? err.code : 'unreadable' });
      throw err;
    }
    const r = readFaroPayload(body, RUM_LIMITS.maxEventsPerRequest);
    if (isRefusal(r)) {
      refuse(
        r.reason,
        new ApiError(r.reason === 'too_many_events' ? 'payload_too_large' : 'validation_failed', r.message),
      );
      return;
    }
    // Every route is registered by now: the templates are read once, at the first report.
    templates ??= new RouteTemplates(
      router.stack.flatMap((layer) => (typeof layer.path === 'string' ? [layer.path] : [])),
    );
    const m = deps.metrics;
    for (const [kind, n] of r.counts) m.rumEvents.inc({ kind }, n);
    for (const v of r.vitals) m.rumWebVital.observe({ vital: v.vital }, v.seconds);
    for (const score of r.layoutShifts) m.rumLayoutShift.observe(score);
    for (const seconds of r.pageLoads) m.rumPageLoad.observe(seconds);
    for (const f of r.fetches) m.rumApiCall.observe({ route: templates.match(f.url) }, f.seconds);
    for (const [reason, n] of r.dropped) m.rumDropped.inc({ reason }, n);
    ctx.status = 202;
    ctx.body = { accepted: true };
  });
}
