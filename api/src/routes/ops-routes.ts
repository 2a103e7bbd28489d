import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { openApiDocument } from '../openapi.js';

const RUM_KINDS = ['logs', 'exceptions', 'measurements', 'events', 'traces'] as const;

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

  // Faro payloads from the portal: only counted, by kind; bounded in size.
  router.post('/api/v1/rum', async (ctx: Context) => {
    let body: unknown;
    try {
      body = await readJson(ctx, 256 * 1024);
    } catch (err) {
      deps.metrics.rumRejected.inc({ reason: err instanceof ApiError ? err.code : 'unreadable' });
      throw err;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('meta' in body)) {
      deps.metrics.rumRejected.inc({ reason: 'not_faro' });
      throw new ApiError('validation_failed', 'Not a Faro payload: "meta" is missing');
    }
    const b = body as Record<string, unknown>;
    for (const k of RUM_KINDS) {
      const list = b[k];
      if (Array.isArray(list) && list.length > 0) deps.metrics.rumEvents.inc({ kind: k }, list.length);
    }
    ctx.status = 202;
    ctx.body = { accepted: true };
  });
}
