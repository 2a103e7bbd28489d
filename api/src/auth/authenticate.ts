import type { Context, Next } from 'koa';
import { callerFromApiToken, callerFromClaims } from '../core/accounts/callers.js';
import { roleAllows } from '../core/accounts/roles.js';
import type { AppDeps, AuthState } from '../deps.js';
import { ApiError } from '../errors.js';
import type { Role } from '../store/accounts-store.js';

/** The caller of a Bearer access JWT, or undefined (core/accounts/callers.ts decides). */
export async function authFromJwt(deps: AppDeps, ctx: Context): Promise<AuthState | undefined> {
  const claims = await deps.tokens.verify(ctx.req);
  return claims && callerFromClaims(deps, claims);
}

/** A household API token as Bearer or as the password of basic auth (Grafana, promtool). */
export async function authFromApiToken(deps: AppDeps, ctx: Context): Promise<AuthState | undefined> {
  const h = ctx.get('authorization');
  let token: string | undefined;
  if (h.startsWith('Bearer ')) token = h.slice(7).trim();
  else if (h.startsWith('Basic ')) {
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    token = decoded.slice(decoded.indexOf(':') + 1);
  }
  return token === undefined ? undefined : callerFromApiToken(deps, token);
}

export function requireUser(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const auth = await authFromJwt(deps, ctx);
    if (!auth) throw new ApiError(ctx.get('authorization') ? 'invalid_token' : 'unauthenticated');
    ctx.state.auth = auth;
    await next();
  };
}

/** JWT or household API token: for read-only endpoints that Grafana and scripts use. */
export function requireReader(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const auth = (await authFromApiToken(deps, ctx)) ?? (await authFromJwt(deps, ctx));
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
