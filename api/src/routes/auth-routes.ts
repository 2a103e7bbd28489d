import type Router from '@koa/router';
import type { Context } from 'koa';
import { acceptInvite } from '../core/accounts/invites.js';
import { login } from '../core/accounts/login.js';
import { register } from '../core/accounts/registration.js';
import { endSession, refreshSession, type SessionDeps } from '../core/accounts/sessions.js';
import type { AppDeps } from '../deps.js';
import { readJson } from '../http/body.js';
import { validator } from '../http/validate.js';
import type { AccountsStore, Household, User } from '../store/accounts-store.js';

const email = { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' } as const;
const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;

const registerBody = validator<{
  email: string;
  password: string;
  householdName: string;
  timeZone?: string;
  currency?: string;
}>({
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password', 'householdName'],
  properties: {
    email,
    password,
    householdName: { type: 'string', minLength: 1, maxLength: 100 },
    timeZone: { type: 'string', maxLength: 64, nullable: true },
    currency: { type: 'string', maxLength: 3, nullable: true },
  },
});
const loginBody = validator<{ email: string; password: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: { email, password },
});
const refreshBody = validator<{ refreshToken: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['refreshToken'],
  properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 200 } },
});
const acceptBody = validator<{ token: string; email: string; password: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['token', 'email', 'password'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, email, password },
});

export function userJson(u: User): { id: string; email: string } {
  return { id: u.id, email: u.email };
}
export function householdJson(h: Household): {
  id: string;
  name: string;
  timeZone: string;
  currency: string;
} {
  return { id: h.id, name: h.name, timeZone: h.timeZone, currency: h.currency };
}

/** The session domain's deps out of the app's: the store, the JWT signer and the clock. */
export function sessionDeps(deps: AppDeps): SessionDeps & { store: AccountsStore } {
  return { store: deps.store, tokens: deps.tokens, now: () => deps.now?.() ?? new Date() };
}

export function authRoutes(router: Router, deps: AppDeps): void {
  const sessions = sessionDeps(deps);

  router.post('/api/v1/auth/register', async (ctx: Context) => {
    const r = await register(sessions, registerBody(await readJson(ctx)));
    ctx.status = 201;
    ctx.body = { ...r.session, user: userJson(r.user), household: householdJson(r.household) };
  });

  router.post('/api/v1/auth/login', async (ctx: Context) => {
    const b = loginBody(await readJson(ctx, 4096));
    ctx.body = await login(
      {
        ...sessions,
        throttle: deps.throttle,
        onFailure: (reason) => deps.metrics.loginFailures.inc({ reason }),
      },
      { email: b.email, password: b.password, address: ctx.ip },
    );
  });

  router.post('/api/v1/auth/refresh', async (ctx: Context) => {
    ctx.body = await refreshSession(sessions, refreshBody(await readJson(ctx, 4096)).refreshToken);
  });

  router.post('/api/v1/auth/logout', async (ctx: Context) => {
    await endSession(sessions, refreshBody(await readJson(ctx, 4096)).refreshToken);
    ctx.status = 204;
  });

  router.post('/api/v1/auth/accept-invite', async (ctx: Context) => {
    const r = await acceptInvite(sessions, acceptBody(await readJson(ctx)));
    ctx.status = 201;
    ctx.body = { ...r.session, user: userJson(r.user), role: r.role };
  });
}
