import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import type { AppDeps } from '../deps.js';
import { apiError } from '../errors.js';

/** The portal's own addresses: each answers with the app shell, which routes in the browser. */
export const PORTAL_PATHS = [
  '/',
  '/login',
  '/invite',
  '/history',
  '/devices',
  '/devices/:id',
  '/household',
  '/notifications',
] as const;

const hashed = /-[A-Z0-9]{8}\.(js|css)$/;
const etags = new WeakMap<Buffer, string>();

function etagOf(body: Buffer): string {
  let tag = etags.get(body);
  if (!tag) {
    tag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    etags.set(body, tag);
  }
  return tag;
}

/**
 * The household portal, bundled at build time (api/src/portal/build-portal.ts).
 * Hashed bundles are cached for a year; the shell is revalidated by its ETag
 * so a new build reaches every browser at its next load.
 */
export function portalRoutes(router: Router, deps: AppDeps): void {
  const serve = (ctx: Context, name: string): void => {
    const f = deps.portal?.get(name);
    if (!f) throw apiError('not_found', name === 'index.html' ? 'The portal is not built' : undefined);
    const etag = etagOf(f.body);
    ctx.set('etag', etag);
    ctx.set('cache-control', hashed.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set(
      'content-security-policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    );
    ctx.set('x-content-type-options', 'nosniff');
    ctx.type = f.type;
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = f.body;
  };
  for (const path of PORTAL_PATHS) router.get(path, (ctx: Context) => serve(ctx, 'index.html'));
  router.get('/portal/:file', (ctx: Context) => serve(ctx, param(ctx, 'file')));
}
