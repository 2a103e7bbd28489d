import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import { authOf, requireRole, requireUser } from '../auth/authenticate.js';
import { createApiToken, deleteApiToken, listApiTokens } from '../core/accounts/api-tokens.js';
import { DISPLAY_NAME_MAX, setDisplayName } from '../core/accounts/display-name.js';
import { createInvite } from '../core/accounts/invites.js';
import { listMembers, removeMember, updateMember } from '../core/accounts/members.js';
import { preferences, setPreferences } from '../core/accounts/preferences.js';
import { profile } from '../core/accounts/profile.js';
import { DEFAULT_PUBLIC_URL, type MailResult } from '../core/notifications/mailer.js';
import { deleteHousehold } from '../core/households/household-deletion.js';
import { householdTariff, setHouseholdTariff } from '../core/households/household-tariff.js';
import { tariffSchema, type Tariff } from '../core/readings/tariff.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { validator, type Schema } from '../http/validate.js';
import { GrafanaError, GrafanaNotConfiguredError, NoGrafana } from '../grafana/grafana-provisioner.js';
import { householdJson, userJson } from './auth-routes.js';

const inviteBody = validator<{ role: 'member' | 'viewer'; email?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: { type: 'string', enum: ['member', 'viewer'] },
    // Optional: without it the owner passes the token on themselves.
    email: { type: 'string', format: 'email', maxLength: 254, nullable: true },
  },
});
const memberBody = validator<{ role?: 'owner' | 'member' | 'viewer'; disabled?: boolean }>({
  type: 'object',
  additionalProperties: false,
  properties: {
    role: { type: 'string', enum: ['owner', 'member', 'viewer'], nullable: true },
    disabled: { type: 'boolean', nullable: true },
  },
});
const tokenBody = validator<{ name: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
});
// The tariff's own schema, and the currency its prices are in (checked
// against the runtime's ISO 4217 list in core).
const tariffBody = validator<Tariff & { currency?: string }>({
  ...tariffSchema,
  properties: {
    ...tariffSchema.properties,
    currency: { type: 'string', nullable: true, pattern: '^[A-Z]{3}$' },
  },
} as Schema<Tariff & { currency?: string }>);
const preferencesBody = validator<{ alertMails?: boolean }>({
  type: 'object',
  additionalProperties: false,
  properties: { alertMails: { type: 'boolean', nullable: true } },
});

// Absent or null: the e-mail stands in again.
const displayNameBody = validator<{ displayName?: string | null }>({
  type: 'object',
  additionalProperties: false,
  properties: { displayName: { type: 'string', maxLength: DISPLAY_NAME_MAX, nullable: true } },
});

/** GrafanaErrors become a clear answer; anything else stays as it is (an ApiError, or an internal error). */
function grafanaApiError(err: unknown): unknown {
  if (err instanceof GrafanaNotConfiguredError)
    return new ApiError('grafana_not_configured', undefined, {}, { cause: err });
  if (err instanceof GrafanaError)
    return new ApiError(
      err.retryable ? 'grafana_unavailable' : 'grafana_refused',
      undefined,
      {},
      { cause: err },
    );
  return err;
}

export function householdRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  const now = (): Date => deps.now?.() ?? new Date();
  const grafana = deps.grafana ?? new NoGrafana();
  const d = { store: deps.store, now, log: deps.logger };
  const mailDeps = (kind: 'invite') =>
    deps.mailer && {
      mailer: deps.mailer,
      publicUrl: deps.publicUrl ?? DEFAULT_PUBLIC_URL,
      onMail: (result: MailResult, err?: unknown) => {
        deps.metrics.mails.inc({ kind, result });
        if (err) deps.logger.warn({ err }, `an ${kind} mail was not accepted by the SMTP server`);
      },
    };

  router.get('/api/v1/me', user, async (ctx: Context) => {
    const p = await profile(d, authOf(ctx));
    ctx.body = { user: userJson(p.user), household: householdJson(p.household), role: p.role };
  });

  router.get('/api/v1/me/preferences', user, async (ctx: Context) => {
    ctx.body = await preferences(d, authOf(ctx).userId);
  });

  router.put('/api/v1/me/preferences', user, async (ctx: Context) => {
    ctx.body = await setPreferences(d, authOf(ctx).userId, preferencesBody(await readJson(ctx, 4096)));
  });

  router.put('/api/v1/me/display-name', user, async (ctx: Context) => {
    const b = displayNameBody(await readJson(ctx, 4096));
    ctx.body = await setDisplayName(d, authOf(ctx).userId, b.displayName ?? null);
  });

  router.get('/api/v1/household/members', user, async (ctx: Context) => {
    ctx.body = { members: await listMembers(d, authOf(ctx).householdId) };
  });

  router.delete('/api/v1/household/members/:userId', user, requireRole('owner'), async (ctx: Context) => {
    await removeMember(d, authOf(ctx), param(ctx, 'userId'));
    ctx.status = 204;
  });

  router.put('/api/v1/household/members/:userId', user, requireRole('owner'), async (ctx: Context) => {
    const target = param(ctx, 'userId');
    const b = memberBody(await readJson(ctx, 4096));
    ctx.body = await updateMember(d, authOf(ctx), target, b);
  });

  router.post('/api/v1/household/invites', user, requireRole('owner'), async (ctx: Context) => {
    const b = inviteBody(await readJson(ctx, 4096));
    const inv = await createInvite(
      { ...d, mail: mailDeps('invite') },
      authOf(ctx).householdId,
      b.role,
      b.email,
    );
    ctx.status = 201;
    ctx.body = {
      token: inv.token,
      role: inv.role,
      expiresAt: inv.expiresAt.toISOString(),
      ...(b.email === undefined ? {} : { email: b.email.toLowerCase(), link: inv.link, mailed: inv.mailed }),
    };
  });

  router.get('/api/v1/household/tokens', user, async (ctx: Context) => {
    const list = await listApiTokens(d, authOf(ctx).householdId);
    ctx.body = {
      tokens: list.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString() })),
    };
  });

  router.post('/api/v1/household/tokens', user, requireRole('member'), async (ctx: Context) => {
    const b = tokenBody(await readJson(ctx, 4096));
    const { token, record: t } = await createApiToken(d, authOf(ctx).householdId, b.name);
    ctx.status = 201;
    // The token is shown once; only its hash is kept.
    ctx.body = { id: t.id, name: t.name, token, createdAt: t.createdAt.toISOString() };
  });

  router.delete('/api/v1/household/tokens/:id', user, requireRole('member'), async (ctx: Context) => {
    await deleteApiToken(d, authOf(ctx).householdId, param(ctx, 'id'));
    ctx.status = 204;
  });

  router.get('/api/v1/household/tariff', user, async (ctx: Context) => {
    ctx.body = await householdTariff(d, authOf(ctx).householdId);
  });

  router.put('/api/v1/household/tariff', user, requireRole('member'), async (ctx: Context) => {
    const { currency, ...t } = tariffBody(await readJson(ctx));
    ctx.body = await setHouseholdTariff(d, authOf(ctx), t, currency ?? undefined);
  });

  router.delete('/api/v1/household', user, requireRole('owner'), async (ctx: Context) => {
    const deletion = { ...d, series: deps.vm, grafana, broker: deps.brokerAdmin };
    try {
      ctx.body = { deleted: await deleteHousehold(deletion, authOf(ctx).householdId) };
    } catch (err) {
      throw grafanaApiError(err);
    }
  });

  // The board's address, for the portal's link; 409 grafana_not_configured without Grafana.
  router.get('/api/v1/household/grafana', user, (ctx: Context) => {
    if (!grafana.configured) throw new ApiError('grafana_not_configured');
    ctx.body = { url: grafana.boardUrl(authOf(ctx).householdId) };
  });

  // Provisioning starts by itself (the queue); this only re-syncs everything of the household.
  router.post('/api/v1/household/grafana', user, requireRole('owner'), async (ctx: Context) => {
    try {
      ctx.body = await grafana.resyncHousehold(authOf(ctx).householdId);
      ctx.status = 202;
    } catch (err) {
      throw grafanaApiError(err);
    }
  });
}
