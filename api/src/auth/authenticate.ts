import type { Context, Next } from 'koa';
import type { AccessClaims } from './access-tokens.js';
import { callerFromApiToken, callerFromClaims } from '../core/accounts/callers.js';
import { roleAllows } from '../core/accounts/roles.js';
import type { AppDeps, AuthState } from '../deps.js';
import { ApiError } from '../errors.js';
import { callerFromOidcToken } from '../oidc/oidc-provider.js';
import type { Role } from '../store/accounts-store.js';

/** A Bearer header holding a compact JWT and nothing else: the only shape the verified-token cache reads. */
const BEARER_JWT = /^Bearer ([A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+)$/;
const MAX_VERIFIED = 100_000;

/**
 * Access tokens already verified, per verifier (its key), until they
 * expire: verifying one (base64, JSON, HMAC, the claims' checks) cost more
 * than the rest of a cached readings view, and a portal asks several views
 * a second with the same token. A token's claims cannot change; who the
 * caller is (membership, disabled) is still read on every request.
 */
const verifiedBy = new WeakMap<AppDeps['tokens'], Map<string, { claims: AccessClaims; expMs: number }>>();

async function verifiedClaims(deps: AppDeps, ctx: Context): Promise<AccessClaims | undefined> {
  const m = BEARER_JWT.exec(ctx.get('authorization'));
  let verified = verifiedBy.get(deps.tokens);
  if (!verified)
    verifiedBy.set(deps.tokens, (verified = new Map<string, { claims: AccessClaims; expMs: number }>()));
  const now = Date.now();
  const known = m && verified.get(m[1] as string);
  if (known && now < known.expMs) return known.claims;
  const claims = await deps.tokens.verify(ctx.req);
  if (claims && m) {
    const exp = (JSON.parse(Buffer.from(m[2] as string, 'base64url').toString('utf8')) as { exp?: unknown })
      .exp;
    if (typeof exp === 'number') {
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(m[1] as string, { claims, expMs: exp * 1000 });
    }
  }
  return claims;
}

/** The caller of a Bearer access JWT, or undefined (core/accounts/callers.ts decides). */
export async function authFromJwt(deps: AppDeps, ctx: Context): Promise<AuthState | undefined> {
  const claims = await verifiedClaims(deps, ctx);
  return claims && callerFromClaims(deps, claims);
}

/** The token of a Bearer header, or the password of basic auth (promtool's http://user:TOKEN@host). */
function presentedToken(ctx: Context): string | undefined {
  const h = ctx.get('authorization');
  if (h.startsWith('Bearer ')) return h.slice(7).trim();
  if (h.startsWith('Basic ')) {
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/** A household API token as Bearer or as the password of basic auth (Grafana, promtool). */
export async function authFromApiToken(deps: AppDeps, ctx: Context): Promise<AuthState | undefined> {
  const token = presentedToken(ctx);
  return token === undefined ? undefined : callerFromApiToken(deps, token);
}

/** An access token of the API's OpenID Connect provider (Grafana's forwarded identity), Bearer or basic. */
export async function authFromOidcToken(deps: AppDeps, ctx: Context): Promise<AuthState | undefined> {
  const token = deps.oidc && presentedToken(ctx);
  return token && deps.oidc ? callerFromOidcToken(deps.oidc, deps.store, token) : undefined;
}

export function requireUser(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const auth = await authFromJwt(deps, ctx);
    if (!auth) throw new ApiError(ctx.get('authorization') ? 'invalid_token' : 'unauthenticated');
    ctx.state.auth = auth;
    await next();
  };
}

/** JWT, household API token or OpenID Connect access token: for read-only endpoints that Grafana and scripts use. */
export function requireReader(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const auth =
      (await authFromApiToken(deps, ctx)) ??
      (await authFromOidcToken(deps, ctx)) ??
      (await authFromJwt(deps, ctx));
    if (!auth) throw new ApiError(ctx.get('authorization') ? 'invalid_token' : 'unauthenticated');
    ctx.state.auth = auth;
    await next();
  };
}

/** Refuses callers whose role is below `min` (core/accounts/roles.ts). */
export function requireRole(min: Role) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const auth = ctx.state.auth as AuthState | undefined;
    if (!auth || !roleAllows(auth.role, min)) throw new ApiError('forbidden');
    await next();
  };
}

export function authOf(ctx: Context): AuthState {
  return ctx.state.auth as AuthState;
}
