import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import type { AppDeps } from '../deps.js';

/** The household portal: a few static files bundled at build or start time. */
export function portalRoutes(router: Router, deps: AppDeps): void {
  const serve = (name: string) => (ctx: Context) => {
    const f = deps.portal?.get(name);
    if (!f) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'The portal is not built' } };
      return;
    }
    ctx.type = f.type;
    ctx.set('cache-control', 'no-cache');
    ctx.set(
      'content-security-policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    );
    ctx.set('x-content-type-options', 'nosniff');
    ctx.body = f.body;
  };
  router.get('/', serve('index.html'));
  router.get('/portal/:file', (ctx: Context) => serve(param(ctx, 'file'))(ctx));
}
