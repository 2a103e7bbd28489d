import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { checkCredentials } from '../core/accounts/login.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readForm } from '../http/body.js';
import { param } from '../http/params.js';
import { loginPage } from './login-page.js';
import { OIDC_PATH } from './oidc-provider.js';

const INTERACTION = `${OIDC_PATH}/interaction/`;
const DISCOVERY = '/.well-known/openid-configuration';

/**
 * Hands /oidc/* to the provider (a Koa app of its own, with its own cookies
 * and errors) on the raw request, as oidc-provider documents for a mount
 * under a path: req.url loses the prefix, req.originalUrl keeps it so the
 * URLs it writes carry it. The sign-in interaction stays with the API's
 * router (oidcInteractionRoutes); the root discovery path answers too.
 */
export function oidcMount(provider: Provider) {
  const handle = provider.callback();
  return async (ctx: Context, next: Next): Promise<void> => {
    const path = ctx.path;
    const mine =
      path === DISCOVERY ||
      path === OIDC_PATH ||
      (path.startsWith(`${OIDC_PATH}/`) && !path.startsWith(INTERACTION));
    if (!mine) {
      await next();
      return;
    }
    const req = ctx.req as typeof ctx.req & { originalUrl?: string };
    const url = req.url ?? '/';
    if (path === DISCOVERY) {
      req.originalUrl = `${OIDC_PATH}${url}`;
    } else {
      req.originalUrl = url;
      req.url = url.slice(OIDC_PATH.length) || '/';
    }
    (ctx as Context & { _matchedRoute?: string })._matchedRoute = `${OIDC_PATH}/*`;
    ctx.respond = false;
    await handle(req, ctx.res);
  };
}

/** The sign-in page of an authorization in progress, and its form's answer. */
export function oidcInteractionRoutes(router: Router, deps: AppDeps, provider: Provider): void {
  const page = (ctx: Context, uid: string, client: string, form: { email?: string; error?: string } = {}) => {
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    // No form-action: browsers hold the form's whole redirect chain to it, and the chain ends at Grafana.
    ctx.set('content-security-policy', "default-src 'self'; frame-ancestors 'none'");
    ctx.body = loginPage({ action: `${INTERACTION}${uid}/login`, client, ...form });
  };
  const details = async (ctx: Context) => {
    const d = await provider.interactionDetails(ctx.req, ctx.res).catch((err: unknown) => {
      throw new ApiError(
        'not_found',
        'This sign-in has expired; start again from Grafana',
        {},
        { cause: err },
      );
    });
    if (d.uid !== param(ctx, 'uid'))
      throw new ApiError('not_found', 'This sign-in is not the one in progress');
    const client = await provider.Client.find(String(d.params.client_id));
    return { d, clientName: client?.clientName ?? client?.clientId ?? 'the application' };
  };

  router.get(`${INTERACTION}:uid`, async (ctx: Context) => {
    const { d, clientName } = await details(ctx);
    if (d.prompt.name === 'login') return page(ctx, d.uid, clientName);
    // Consent for the first-party client is given by loadExistingGrant; any other prompt is refused.
    const to = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: `The ${d.prompt.name} step is not offered` },
      { mergeWithLastSubmission: false },
    );
    ctx.redirect(to);
  });

  router.post(`${INTERACTION}:uid/login`, async (ctx: Context) => {
    const { d, clientName } = await details(ctx);
    const form = await readForm(ctx, 4096);
    const email = form.get('email') ?? '';
    try {
      const who = await checkCredentials(
        {
          store: deps.store,
          throttle: deps.throttle,
          onFailure: (reason) => deps.metrics.loginFailures.inc({ reason }),
        },
        { email, password: form.get('password') ?? '', address: ctx.ip },
      );
      const to = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: who.userId } },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(to);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.code !== 'invalid_credentials' && err.code !== 'throttled'))
        throw err;
      page(ctx, d.uid, clientName, { email, error: err.message });
      ctx.status = err.status;
      for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
    }
  });
}
