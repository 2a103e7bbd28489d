import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { sameHash, newId, sha256 } from '../auth/secrets.js';
import type { AppDeps } from '../deps.js';
import { ApiError, errorBody } from '../errors.js';
import { readForm, readJson } from '../http/body.js';
import { BrokerAuth, type Decision } from './broker-auth.js';

interface AlertmanagerAlert {
  status?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
}

/**
 * The internal listener (loopback, BROKER_AUTH_PORT): RabbitMQ's HTTP auth
 * backend, the gateway device lists for the collector, and Alertmanager's
 * webhook. The 3.10 auth backend sends no headers, so every URL carries the
 * shared secret as `?key=`.
 */
export function buildInternalApp(deps: AppDeps, secret: string): Koa {
  const app = new Koa();
  const router = new Router();
  const auth = new BrokerAuth(deps.store);
  const secretHash = sha256(secret);

  app.use(async (ctx: Context, next: Next) => {
    try {
      if (!sameHash(sha256(String(ctx.query.key ?? '')), secretHash))
        throw new ApiError('forbidden', 'Wrong or missing key');
      await next();
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('internal');
      if (!(err instanceof ApiError)) deps.logger.error({ err }, 'internal listener error');
      ctx.status = e.status;
      ctx.body = errorBody(e.code, e.message);
    }
  });

  const answer = (check: string, ctx: Context, d: Decision): void => {
    deps.metrics.brokerAuth.inc({ check, result: d });
    ctx.type = 'text/plain';
    ctx.body = d;
  };

  router.post('/rabbitmq/user', async (ctx) => {
    const f = await readForm(ctx);
    answer('user', ctx, await auth.user(f.get('username') ?? '', f.get('password') ?? ''));
  });
  router.post('/rabbitmq/vhost', async (ctx) => {
    const f = await readForm(ctx);
    answer('vhost', ctx, await auth.vhost(f.get('username') ?? ''));
  });
  router.post('/rabbitmq/resource', async (ctx) => {
    const f = await readForm(ctx);
    answer(
      'resource',
      ctx,
      await auth.resource(
        f.get('username') ?? '',
        f.get('resource') ?? '',
        f.get('name') ?? '',
        f.get('permission') ?? '',
      ),
    );
  });
  router.post('/rabbitmq/topic', async (ctx) => {
    const f = await readForm(ctx);
    answer(
      'topic',
      ctx,
      await auth.topic(
        f.get('username') ?? '',
        f.get('name') ?? '',
        f.get('permission') ?? '',
        f.get('routing_key') ?? '',
      ),
    );
  });

  router.get('/internal/gateways/:name/devices', async (ctx) => {
    const g = await deps.store.gateway(String(ctx.params.name));
    if (!g) throw new ApiError('not_found');
    ctx.body = { devices: g.devices };
  });

  router.post('/internal/alertmanager', async (ctx) => {
    const body = (await readJson(ctx, 1024 * 1024)) as { alerts?: AlertmanagerAlert[] };
    if (!Array.isArray(body.alerts))
      throw new ApiError('validation_failed', 'Not an Alertmanager webhook body: "alerts" is missing');
    const now = deps.now?.() ?? new Date();
    let stored = 0;
    for (const a of body.alerts.slice(0, 1000)) {
      const hh = a.labels?.household;
      const alertname = a.labels?.alertname ?? 'unknown';
      if (!hh || !(await deps.store.householdById(hh))) {
        deps.metrics.alertsReceived.inc({ reason: 'no_household' });
        continue;
      }
      const deviceId = a.labels?.device ?? null;
      const startsAt = a.startsAt ? new Date(a.startsAt) : now;
      const device = deviceId ? await deps.store.device(hh, deviceId) : undefined;
      if (device?.muteUntil && device.muteUntil > now) {
        deps.metrics.alertsReceived.inc({ reason: 'muted' });
        continue;
      }
      // The household's own grace for an offline device: a short outage is no news.
      const grace = device?.offlineGraceMinutes ?? 0;
      if (
        /offline/i.test(alertname) &&
        a.status !== 'resolved' &&
        now.getTime() - startsAt.getTime() < grace * 60_000
      ) {
        deps.metrics.alertsReceived.inc({ reason: 'grace' });
        continue;
      }
      await deps.store.addNotification({
        id: newId(),
        householdId: hh,
        deviceId,
        alertname,
        status: a.status === 'resolved' ? 'resolved' : 'firing',
        summary: (a.annotations?.summary ?? a.annotations?.description ?? alertname).slice(0, 500),
        startsAt: Number.isNaN(startsAt.getTime()) ? now : startsAt,
        receivedAt: now,
      });
      deps.metrics.alertsReceived.inc({ reason: 'stored' });
      stored++;
    }
    ctx.body = { stored };
  });

  app.use(router.routes());
  app.use(() => {
    throw new ApiError('not_found');
  });
  return app;
}
