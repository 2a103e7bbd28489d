import type { Context, Next } from 'koa';
import { API_TOKEN_PREFIX } from '../core/accounts/api-tokens.js';
import type { AppDeps, AuthState } from '../deps.js';
import { ApiError } from '../errors.js';
import type { Role } from '../store/accounts-store.js';
import { sha256 } from './secrets.js';

/**
 * Resolves the caller from a Bearer access JWT. The membership is read on
 * every request, so a removed member or a disabled account loses access at
 * once, not when the token expires.
 */
export async function authFromJwt(deps: AppDeps, ctx: Context): Promise<AuthState | undefined> {
  const claims = await deps.tokens.verify(ctx.req);
  if (!claims) return undefined;
  const [user, m] = await Promise.all([deps.store.userById(claims.sub), deps.store.membershipOf(claims.sub)]);
  if (!user || user.disabled || !m || m.householdId !== claims.hh) return undefined;
  return { userId: user.id, householdId: m.householdId, role: m.role, apiToken: false };
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
  if (!token?.startsWith(API_TOKEN_PREFIX)) return undefined;
  const t = await deps.store.apiTokenByHash(sha256(token));
  return t && { userId: `token:${t.id}`, householdId: t.householdId, role: 'viewer', apiToken: true };
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

const RANK: Record<Role, number> = { viewer: 0, member: 1, owner: 2 };

/** Viewers only read; members change devices and settings; owners manage people and delete. */
export function requireRole(min: Role) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const auth = ctx.state.auth as AuthState | undefined;
    if (!auth || RANK[auth.role] < RANK[min]) throw new ApiError('forbidden');
    await next();
  };
}

export function authOf(ctx: Context): AuthState {
  return ctx.state.auth as AuthState;
}
