import type Router from '@koa/router';
import type { Context } from 'koa';
import { ACCESS_TOKEN_SECONDS } from '../auth/access-tokens.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from '../auth/passwords.js';
import { newId, newSecret, sha256 } from '../auth/secrets.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { validator } from '../http/validate.js';
import type { Household, User } from '../store/accounts-store.js';
import { isCurrency, isTimeZone } from './household-fields.js';

export const REFRESH_TOKEN_DAYS = 30;

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

/** A new session: an access JWT and the first refresh token of a new family. */
export async function issueSession(
  deps: AppDeps,
  userId: string,
  householdId: string,
  familyId = newId(),
): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const refreshToken = newSecret('rt_');
  const now = deps.now?.() ?? new Date();
  await deps.store.createRefreshToken({
    id: newId(),
    familyId,
    userId,
    tokenHash: sha256(refreshToken),
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_DAYS * 86_400_000),
  });
  return {
    accessToken: deps.tokens.sign({ sub: userId, hh: householdId }),
    refreshToken,
    expiresIn: ACCESS_TOKEN_SECONDS,
  };
}

function checkNewPassword(pw: string): void {
  const p = passwordProblem(pw);
  if (p) throw new ApiError('weak_password', p);
}

/** Creates an account owning a new household (register, the seed). */
export async function createOwner(
  deps: AppDeps['store'],
  a: {
    email: string;
    password: string;
    householdName: string;
    timeZone: string;
    currency: string;
    householdId?: string;
  },
): Promise<{ user: User; household: Household }> {
  const household = await deps.createHousehold({
    id: a.householdId ?? newId(),
    name: a.householdName,
    timeZone: a.timeZone,
    currency: a.currency,
  });
  const user = await deps.createUser({
    id: newId(),
    email: a.email,
    passwordHash: await hashPassword(a.password),
  });
  await deps.addMembership({ userId: user.id, householdId: household.id, role: 'owner' });
  return { user, household };
}

export function authRoutes(router: Router, deps: AppDeps): void {
  const now = (): Date => deps.now?.() ?? new Date();

  router.post('/api/v1/auth/register', async (ctx: Context) => {
    const b = registerBody(await readJson(ctx));
    const mail = b.email.toLowerCase();
    checkNewPassword(b.password);
    const timeZone = b.timeZone ?? 'UTC';
    const currency = b.currency ?? 'EUR';
    if (!isTimeZone(timeZone))
      throw new ApiError('validation_failed', 'Field "timeZone" is not an IANA time zone');
    if (!isCurrency(currency))
      throw new ApiError('validation_failed', 'Field "currency" is not an ISO 4217 code');
    if (await deps.store.userByEmail(mail)) throw new ApiError('email_taken');
    const { user, household } = await createOwner(deps.store, {
      email: mail,
      password: b.password,
      householdName: b.householdName,
      timeZone,
      currency,
    });
    ctx.status = 201;
    ctx.body = {
      ...(await issueSession(deps, user.id, household.id)),
      user: userJson(user),
      household: householdJson(household),
    };
  });

  router.post('/api/v1/auth/login', async (ctx: Context) => {
    const b = loginBody(await readJson(ctx, 4096));
    const mail = b.email.toLowerCase();
    const wait = deps.throttle.check(mail, ctx.ip);
    if (wait > 0) {
      deps.metrics.loginFailures.inc({ reason: 'throttled' });
      throw new ApiError('throttled', undefined, { 'retry-after': String(wait) });
    }
    const user = await deps.store.userByEmail(mail);
    // Unknown emails cost the same argon2 work, so timing does not tell either.
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), b.password);
    const m = user && ok && !user.disabled ? await deps.store.membershipOf(user.id) : undefined;
    if (!user || !ok || user.disabled || !m) {
      deps.throttle.failed(mail, ctx.ip);
      deps.metrics.loginFailures.inc({
        reason: !user ? 'unknown_email' : !ok ? 'wrong_password' : 'disabled',
      });
      throw new ApiError('invalid_credentials');
    }
    deps.throttle.succeeded(mail, ctx.ip);
    ctx.body = await issueSession(deps, user.id, m.householdId);
  });

  router.post('/api/v1/auth/refresh', async (ctx: Context) => {
    const b = refreshBody(await readJson(ctx, 4096));
    const t = await deps.store.refreshTokenByHash(sha256(b.refreshToken));
    const at = now();
    if (!t || t.revokedAt || t.expiresAt <= at) throw new ApiError('invalid_token');
    // A refresh token used twice was stolen or replayed: end the whole family.
    if (t.usedAt || !(await deps.store.markRefreshTokenUsed(t.id, at))) {
      await deps.store.revokeFamily(t.familyId, at);
      throw new ApiError('invalid_token', 'The refresh token was already used; the session has ended');
    }
    const [user, m] = await Promise.all([deps.store.userById(t.userId), deps.store.membershipOf(t.userId)]);
    if (!user || user.disabled || !m) throw new ApiError('invalid_token');
    ctx.body = await issueSession(deps, user.id, m.householdId, t.familyId);
  });

  router.post('/api/v1/auth/logout', async (ctx: Context) => {
    const b = refreshBody(await readJson(ctx, 4096));
    const t = await deps.store.refreshTokenByHash(sha256(b.refreshToken));
    if (t) await deps.store.revokeFamily(t.familyId, now());
    ctx.status = 204;
  });

  router.post('/api/v1/auth/accept-invite', async (ctx: Context) => {
    const b = acceptBody(await readJson(ctx));
    const mail = b.email.toLowerCase();
    checkNewPassword(b.password);
    const inv = await deps.store.inviteByHash(sha256(b.token));
    if (!inv || inv.usedAt || inv.expiresAt <= now())
      throw new ApiError('invalid_token', 'The invite is not valid or was already used');
    if (await deps.store.userByEmail(mail)) throw new ApiError('email_taken');
    if (!(await deps.store.markInviteUsed(inv.id, now())))
      throw new ApiError('invalid_token', 'The invite is not valid or was already used');
    const user = await deps.store.createUser({
      id: newId(),
      email: mail,
      passwordHash: await hashPassword(b.password),
    });
    await deps.store.addMembership({ userId: user.id, householdId: inv.householdId, role: inv.role });
    ctx.status = 201;
    ctx.body = {
      ...(await issueSession(deps, user.id, inv.householdId)),
      user: userJson(user),
      role: inv.role,
    };
  });
}
