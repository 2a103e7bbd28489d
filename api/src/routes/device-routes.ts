import { deviceUsername } from '@energy/lib/defaults';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import { authOf, requireRole, requireUser } from '../auth/authenticate.js';
import { newId, newPairingCode, newSecret, sha256 } from '../auth/secrets.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { validator } from '../http/validate.js';
import type { Device, SocketRole } from '../store/accounts-store.js';

export const PAIRING_CODE_MINUTES = 10;
const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

const createBody = validator<{ name: string; id?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    id: { type: 'string', pattern: ID_PATTERN, nullable: true },
  },
});
const pairingBody = validator<{ name?: string }>({
  type: 'object',
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 100, nullable: true } },
});
const pairBody = validator<{ code: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: { code: { type: 'string', minLength: 4, maxLength: 32 } },
});
const socketBody = validator<{ name: string; role?: SocketRole }>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    role: { type: 'string', enum: ['socket', 'house-meter'], nullable: true },
  },
});
const alertsBody = validator<{ muteUntil?: string | null; offlineGraceMinutes?: number | null }>({
  type: 'object',
  additionalProperties: false,
  properties: {
    muteUntil: { type: 'string', format: 'date-time', nullable: true },
    offlineGraceMinutes: { type: 'integer', minimum: 0, maximum: 10_080, nullable: true },
  },
});

export function deviceJson(d: Device, lastSeen: string | null): unknown {
  return {
    id: d.id,
    name: d.name,
    sockets: d.sockets,
    lastSeen,
    alerts: { muteUntil: d.muteUntil?.toISOString() ?? null, offlineGraceMinutes: d.offlineGraceMinutes },
  };
}

/** Creates a device with a fresh secret; the secret is returned once and only its hash is kept. */
export async function createDevice(
  deps: AppDeps,
  householdId: string,
  name: string,
  id = newId(),
): Promise<{ id: string; name: string; broker: { url: string; username: string; password: string } }> {
  if (await deps.store.device(householdId, id))
    throw new ApiError('conflict', `A device with id "${id}" exists`);
  const password = newSecret();
  await deps.store.createDevice({
    id,
    householdId,
    name,
    secretHash: sha256(password),
    sockets: [],
    createdAt: deps.now?.() ?? new Date(),
  });
  return {
    id,
    name,
    broker: { url: deps.brokerPublicUrl, username: deviceUsername(householdId, id), password },
  };
}

export function deviceRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  const now = (): Date => deps.now?.() ?? new Date();

  router.post('/api/v1/devices', user, requireRole('member'), async (ctx: Context) => {
    const b = createBody(await readJson(ctx, 4096));
    ctx.status = 201;
    ctx.body = await createDevice(deps, authOf(ctx).householdId, b.name, b.id ?? undefined);
  });

  router.get('/api/v1/devices', user, async (ctx: Context) => {
    const hh = authOf(ctx).householdId;
    const list = await deps.store.devices(hh);
    const seen = new Map<string, string>();
    try {
      for (const s of await deps.vm.query(
        hh,
        'max by (device) (tlast_over_time(energy_socket_power_watts[1d]))',
      )) {
        const dev = s.metric.device;
        if (dev) seen.set(dev, new Date(Number(s.value[1]) * 1000).toISOString());
      }
    } catch {
      // lastSeen is a nicety: a slow or absent store must not hide the device list.
    }
    ctx.body = { devices: list.map((d) => deviceJson(d, seen.get(d.id) ?? null)) };
  });

  router.get('/api/v1/devices/:id', user, async (ctx: Context) => {
    const d = await deps.store.device(authOf(ctx).householdId, param(ctx, 'id'));
    if (!d) throw new ApiError('not_found');
    ctx.body = deviceJson(d, null);
  });

  router.delete('/api/v1/devices/:id', user, requireRole('member'), async (ctx: Context) => {
    const hh = authOf(ctx).householdId;
    const id = param(ctx, 'id');
    if (!(await deps.store.deleteDevice(hh, id))) throw new ApiError('not_found');
    let closed = 0;
    try {
      closed = (await deps.brokerAdmin?.closeConnectionsOf(deviceUsername(hh, id))) ?? 0;
    } catch (err) {
      // The auth cache still refuses the device within its TTL.
      deps.logger.warn({ err, device: id }, 'could not close the revoked device connections');
    }
    ctx.body = { revoked: id, connectionsClosed: closed };
  });

  router.put('/api/v1/devices/:id/sockets/:n', user, requireRole('member'), async (ctx: Context) => {
    const n = Number(param(ctx, 'n'));
    if (!Number.isInteger(n) || n < 0 || n > 255)
      throw new ApiError('validation_failed', 'The socket number must be 0 to 255');
    const b = socketBody(await readJson(ctx, 4096));
    const s = { socket: n, name: b.name, role: b.role ?? 'socket' };
    if (!(await deps.store.setSocket(authOf(ctx).householdId, param(ctx, 'id'), s)))
      throw new ApiError('not_found');
    ctx.body = s;
  });

  router.put('/api/v1/devices/:id/alerts', user, requireRole('member'), async (ctx: Context) => {
    const b = alertsBody(await readJson(ctx, 4096));
    const a = {
      muteUntil: b.muteUntil ? new Date(b.muteUntil) : null,
      offlineGraceMinutes: b.offlineGraceMinutes ?? null,
    };
    if (!(await deps.store.setDeviceAlerts(authOf(ctx).householdId, param(ctx, 'id'), a)))
      throw new ApiError('not_found');
    ctx.body = { muteUntil: a.muteUntil?.toISOString() ?? null, offlineGraceMinutes: a.offlineGraceMinutes };
  });

  router.post('/api/v1/devices/pairing-codes', user, requireRole('member'), async (ctx: Context) => {
    const b = pairingBody(await readJson(ctx, 4096));
    const code = newPairingCode();
    const expiresAt = new Date(now().getTime() + PAIRING_CODE_MINUTES * 60_000);
    await deps.store.createPairingCode({
      codeHash: sha256(code),
      householdId: authOf(ctx).householdId,
      deviceName: b.name ?? 'Raspberry Pi',
      expiresAt,
    });
    ctx.status = 201;
    ctx.body = { code, expiresAt: expiresAt.toISOString() };
  });

  // The Pi has no account: the short-lived, single-use code is its credential.
  router.post('/api/v1/devices/pair', async (ctx: Context) => {
    const b = pairBody(await readJson(ctx, 1024));
    const code = b.code.toUpperCase().replace(/[\s-]/g, '');
    const p = await deps.store.takePairingCode(sha256(code), now());
    if (!p || p.expiresAt <= now())
      throw new ApiError('invalid_token', 'The pairing code is not valid or was already used');
    const d = await createDevice(deps, p.householdId, p.deviceName);
    ctx.status = 201;
    ctx.body = { householdId: p.householdId, deviceId: d.id, name: d.name, broker: d.broker };
  });
}
