import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import { authOf, API_TOKEN_PREFIX, requireRole, requireUser } from '../auth/authenticate.js';
import { newId, newSecret, sha256 } from '../auth/secrets.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { validator } from '../http/validate.js';
import {
  GrafanaError,
  GrafanaNotConfiguredError,
  NoGrafana,
  type GrafanaHousehold,
} from '../grafana/grafana-provisioner.js';
import { DEFAULT_TARIFF, priceAt, tariffSchema, tariffProblem, type Tariff } from '../readings/tariff.js';
import { householdJson, userJson } from './auth-routes.js';

export const INVITE_HOURS = 72;
/** The household API token Grafana's datasource holds; one at a time. */
export const GRAFANA_TOKEN_NAME = 'grafana';

const inviteBody = validator<{ role: 'member' | 'viewer' }>({
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: { role: { type: 'string', enum: ['member', 'viewer'] } },
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
const tariffBody = validator<Tariff>(tariffSchema);

/** GrafanaErrors become a clear answer; anything else stays an internal error. */
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

  async function deleteGrafanaOrg(hh: string): Promise<string> {
    if (!grafana.configured) return 'none provisioned';
    try {
      return (await grafana.deleteHousehold(hh)).deleted ? 'organisation deleted' : 'none provisioned';
    } catch (err) {
      deps.logger.warn({ err, household: hh }, 'grafana organisation not deleted');
      throw grafanaApiError(err);
    }
  }

  router.get('/api/v1/me', user, async (ctx: Context) => {
    const a = authOf(ctx);
    const [u, h] = await Promise.all([
      deps.store.userById(a.userId),
      deps.store.householdById(a.householdId),
    ]);
    if (!u || !h) throw new ApiError('invalid_token');
    ctx.body = { user: userJson(u), household: householdJson(h), role: a.role };
  });

  router.get('/api/v1/household/members', user, async (ctx: Context) => {
    const list = await deps.store.members(authOf(ctx).householdId);
    ctx.body = { members: list.map((m) => ({ userId: m.userId, email: m.email, role: m.role })) };
  });

  router.delete('/api/v1/household/members/:userId', user, requireRole('owner'), async (ctx: Context) => {
    const a = authOf(ctx);
    const target = param(ctx, 'userId');
    if (target === a.userId)
      throw new ApiError('conflict', 'An owner cannot remove themselves; delete the household instead');
    if (!(await deps.store.removeMembership(target, a.householdId))) throw new ApiError('not_found');
    ctx.status = 204;
  });

  // Owners change a member's role or disable the account; disabling ends every session at once.
  router.put('/api/v1/household/members/:userId', user, requireRole('owner'), async (ctx: Context) => {
    const a = authOf(ctx);
    const target = param(ctx, 'userId');
    const b = memberBody(await readJson(ctx, 4096));
    if (target === a.userId)
      throw new ApiError('conflict', 'Owners cannot change their own role or disable themselves');
    const m = await deps.store.membershipOf(target);
    if (!m || m.householdId !== a.householdId) throw new ApiError('not_found');
    if (b.role) await deps.store.setRole(target, a.householdId, b.role);
    if (b.disabled !== undefined) {
      await deps.store.setUserDisabled(target, b.disabled);
      if (b.disabled) await deps.store.revokeUserSessions(target, now());
    }
    const u = await deps.store.userById(target);
    ctx.body = { userId: target, email: u?.email, role: b.role ?? m.role, disabled: u?.disabled ?? false };
  });

  router.post('/api/v1/household/invites', user, requireRole('owner'), async (ctx: Context) => {
    const b = inviteBody(await readJson(ctx, 4096));
    const token = newSecret('inv_');
    const expiresAt = new Date(now().getTime() + INVITE_HOURS * 3_600_000);
    await deps.store.createInvite({
      id: newId(),
      householdId: authOf(ctx).householdId,
      role: b.role,
      tokenHash: sha256(token),
      expiresAt,
    });
    ctx.status = 201;
    ctx.body = { token, role: b.role, expiresAt: expiresAt.toISOString() };
  });

  router.get('/api/v1/household/tokens', user, async (ctx: Context) => {
    const list = await deps.store.apiTokens(authOf(ctx).householdId);
    ctx.body = {
      tokens: list.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString() })),
    };
  });

  router.post('/api/v1/household/tokens', user, requireRole('member'), async (ctx: Context) => {
    const b = tokenBody(await readJson(ctx, 4096));
    const token = newSecret(API_TOKEN_PREFIX);
    const t = {
      id: newId(),
      householdId: authOf(ctx).householdId,
      name: b.name,
      tokenHash: sha256(token),
      createdAt: now(),
    };
    await deps.store.createApiToken(t);
    ctx.status = 201;
    // The token is shown once; only its hash is kept.
    ctx.body = { id: t.id, name: t.name, token, createdAt: t.createdAt.toISOString() };
  });

  router.delete('/api/v1/household/tokens/:id', user, requireRole('member'), async (ctx: Context) => {
    if (!(await deps.store.deleteApiToken(authOf(ctx).householdId, param(ctx, 'id'))))
      throw new ApiError('not_found');
    ctx.status = 204;
  });

  router.get('/api/v1/household/tariff', user, async (ctx: Context) => {
    const h = await deps.store.householdById(authOf(ctx).householdId);
    ctx.body = { currency: h?.currency, tariff: (h?.tariff as Tariff | null) ?? DEFAULT_TARIFF };
  });

  router.put('/api/v1/household/tariff', user, requireRole('member'), async (ctx: Context) => {
    const t = tariffBody(await readJson(ctx));
    const p = tariffProblem(t);
    if (p) throw new ApiError('validation_failed', p);
    const hh = authOf(ctx).householdId;
    await deps.store.updateHousehold(hh, { tariff: t });
    const h = await deps.store.householdById(hh);
    ctx.body = { currency: h?.currency, tariff: t };
  });

  router.delete('/api/v1/household', user, requireRole('owner'), async (ctx: Context) => {
    const hh = authOf(ctx).householdId;
    const devices = await deps.store.devices(hh);
    // Series first: if the store is down the household stays whole and the owner can retry.
    await deps.vm.deleteHousehold(hh);
    // Grafana before the store too: its datasource holds a token of this household.
    const grafanaGone = await deleteGrafanaOrg(hh);
    const deleted = await deps.store.deleteHousehold(hh);
    for (const d of devices) {
      await deps.brokerAdmin?.closeConnectionsOf(`${hh}.${d.id}`).catch(() => 0);
    }
    ctx.body = { deleted: { household: hh, ...deleted, series: true, grafana: grafanaGone } };
  });

  // A fresh read-only token for the datasource, then the organisation, datasource and board.
  // The previous grafana token is revoked only once Grafana holds the new one.
  router.post('/api/v1/household/grafana', user, requireRole('owner'), async (ctx: Context) => {
    const hh = authOf(ctx).householdId;
    if (!grafana.configured) throw grafanaApiError(new GrafanaNotConfiguredError());
    const h = await deps.store.householdById(hh);
    if (!h) throw new ApiError('invalid_token');
    const before = (await deps.store.apiTokens(hh)).filter((t) => t.name === GRAFANA_TOKEN_NAME);
    const token = newSecret(API_TOKEN_PREFIX);
    const id = newId();
    await deps.store.createApiToken({
      id,
      householdId: hh,
      name: GRAFANA_TOKEN_NAME,
      tokenHash: sha256(token),
      createdAt: now(),
    });
    let out: GrafanaHousehold;
    try {
      out = await grafana.provisionHousehold(
        {
          id: h.id,
          name: h.name,
          timeZone: h.timeZone,
          currency: h.currency,
          pricePerKwh: priceAt((h.tariff as Tariff | null) ?? DEFAULT_TARIFF, now().getTime(), h.timeZone),
        },
        token,
      );
    } catch (err) {
      deps.logger.warn({ err, household: hh }, 'grafana provisioning failed');
      await deps.store.deleteApiToken(hh, id);
      throw grafanaApiError(err);
    }
    for (const t of before) await deps.store.deleteApiToken(hh, t.id);
    ctx.body = { url: out.url, orgId: out.orgId, dashboardUid: out.dashboardUid };
  });
}
