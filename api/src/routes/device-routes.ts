import type Router from '@koa/router';
import type { Context } from 'koa';
import { param } from '../http/params.js';
import { authOf, requireRole, requireUser } from '../auth/authenticate.js';
import { deviceOfRequest, requireDevice } from '../auth/require-device.js';
import { READING_BATCH_VERSION } from '@energy/lib/reading-batch';
import {
  credentialsExpireAt,
  DEFAULT_SECRET_GRACE_S,
  rotateOwnSecret,
} from '../core/devices/credential-rotation.js';
import { MAX_OFFLINE_GRACE_MINUTES, setDeviceAlerts } from '../core/devices/device-alerts.js';
import { createDevice, type DeviceCreationDeps } from '../core/devices/device-credentials.js';
import { deviceOf, listDevices, type LastSeen } from '../core/devices/device-list.js';
import { createPairingCode, pairDevice } from '../core/devices/pairing.js';
import { revokeDevice } from '../core/devices/revocation.js';
import { devicesLastSeen } from '../core/readings/last-seen.js';
import { nameSocket, parseSocketNumber, SOCKET_ROLES } from '../core/devices/sockets.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { readJson } from '../http/body.js';
import { validator } from '../http/validate.js';
import type { AccountsStore, Device, SocketRole } from '../store/accounts-store.js';

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
    role: { type: 'string', enum: [...SOCKET_ROLES], nullable: true },
  },
});
const alertsBody = validator<{ muteUntil?: string | null; offlineGraceMinutes?: number | null }>({
  type: 'object',
  additionalProperties: false,
  properties: {
    muteUntil: { type: 'string', format: 'date-time', nullable: true },
    offlineGraceMinutes: { type: 'integer', minimum: 0, maximum: MAX_OFFLINE_GRACE_MINUTES, nullable: true },
  },
});

export function deviceJson(d: Device, lastSeen: Date | null): unknown {
  return {
    id: d.id,
    name: d.name,
    sockets: d.sockets,
    lastSeen: lastSeen?.toISOString() ?? null,
    alerts: { muteUntil: d.muteUntil?.toISOString() ?? null, offlineGraceMinutes: d.offlineGraceMinutes },
  };
}

/** When each device last reported power (core/readings). */
function lastSeenFrom(deps: AppDeps): LastSeen {
  return (hh) => devicesLastSeen(deps.series, hh);
}

export function deviceRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  const d: DeviceCreationDeps & { store: AccountsStore } = {
    store: deps.store,
    brokerUrl: deps.brokerPublicUrl,
    brokerUrls: deps.brokerPublicUrls,
    brokerCa: deps.brokerCa,
    now: () => deps.now?.() ?? new Date(),
  };
  const lastSeen = lastSeenFrom(deps);

  // The device itself (its broker login as HTTP Basic); before /devices/:id, which would take "self" as an id.
  const device = requireDevice(deps);
  router.get('/api/v1/devices/self', device, (ctx: Context) => {
    const a = deviceOfRequest(ctx);
    ctx.body = {
      id: a.device.id,
      householdId: a.device.householdId,
      name: a.device.name,
      credentials: { expiresAt: credentialsExpireAt(a)?.toISOString() ?? null },
      protocol: { readingBatch: { maxVersion: READING_BATCH_VERSION } },
      // A device learns a renewed CA here before the old one's end.
      broker: { ca: deps.brokerCa ?? null },
    };
  });

  router.post('/api/v1/devices/self/credentials', device, async (ctx: Context) => {
    const r = await rotateOwnSecret(
      { ...d, graceS: deps.deviceSecretGraceS ?? DEFAULT_SECRET_GRACE_S },
      deviceOfRequest(ctx),
    );
    deps.metrics.deviceCredentialRotations.inc({ reason: 'self' });
    ctx.status = 201;
    ctx.body = {
      broker: { username: r.username, password: r.password },
      previousValidUntil: r.previousValidUntil?.toISOString() ?? null,
    };
  });

  router.post('/api/v1/devices', user, requireRole('member'), async (ctx: Context) => {
    const b = createBody(await readJson(ctx, 4096));
    // The device's own endpoints live under /devices/self.
    if (b.id === 'self') throw new ApiError('validation_failed', 'The device id "self" is reserved');
    ctx.status = 201;
    ctx.body = await createDevice(d, authOf(ctx).householdId, b.name, b.id ?? undefined);
  });

  router.get('/api/v1/devices', user, async (ctx: Context) => {
    const list = await listDevices({ ...d, lastSeen }, authOf(ctx).householdId);
    ctx.body = { devices: list.map((x) => deviceJson(x.device, x.lastSeen)) };
  });

  router.get('/api/v1/devices/:id', user, async (ctx: Context) => {
    ctx.body = deviceJson(await deviceOf(d, authOf(ctx).householdId, param(ctx, 'id')), null);
  });

  router.delete('/api/v1/devices/:id', user, requireRole('member'), async (ctx: Context) => {
    const revocation = { ...d, broker: deps.brokerAdmin, log: deps.logger };
    ctx.body = await revokeDevice(revocation, authOf(ctx).householdId, param(ctx, 'id'));
  });

  router.put('/api/v1/devices/:id/sockets/:n', user, requireRole('member'), async (ctx: Context) => {
    const n = parseSocketNumber(param(ctx, 'n'));
    const b = socketBody(await readJson(ctx, 4096));
    ctx.body = await nameSocket(d, authOf(ctx).householdId, param(ctx, 'id'), n, b);
  });

  router.put('/api/v1/devices/:id/alerts', user, requireRole('member'), async (ctx: Context) => {
    const b = alertsBody(await readJson(ctx, 4096));
    const a = await setDeviceAlerts(d, authOf(ctx).householdId, param(ctx, 'id'), {
      muteUntil: b.muteUntil ? new Date(b.muteUntil) : null,
      offlineGraceMinutes: b.offlineGraceMinutes ?? null,
    });
    ctx.body = { muteUntil: a.muteUntil?.toISOString() ?? null, offlineGraceMinutes: a.offlineGraceMinutes };
  });

  router.post('/api/v1/devices/pairing-codes', user, requireRole('member'), async (ctx: Context) => {
    const b = pairingBody(await readJson(ctx, 4096));
    const p = await createPairingCode(d, authOf(ctx).householdId, b.name ?? undefined);
    ctx.status = 201;
    ctx.body = { code: p.code, expiresAt: p.expiresAt.toISOString() };
  });

  // The Pi has no account: the short-lived, single-use code is its credential.
  router.post('/api/v1/devices/pair', async (ctx: Context) => {
    const b = pairBody(await readJson(ctx, 1024));
    const p = await pairDevice(d, b.code);
    ctx.status = 201;
    ctx.body = {
      householdId: p.householdId,
      deviceId: p.device.id,
      name: p.device.name,
      broker: p.device.broker,
    };
  });
}
