import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { sameHash, sha256 } from '../auth/secrets.js';
import { BrokerAuth, type Decision } from '../core/devices/broker-auth.js';
import { forceRotation } from '../core/devices/credential-rotation.js';
import { gatewayDevices } from '../core/devices/gateways.js';
import { takeAlerts, type AlertmanagerAlert } from '../core/notifications/alert-intake.js';
import { DEFAULT_PUBLIC_URL } from '../core/notifications/mailer.js';
import type { AppDeps } from '../deps.js';
import { ApiError, errorBody } from '../errors.js';
import { readForm, readJson } from '../http/body.js';

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
    ctx.body = { devices: await gatewayDevices(deps, String(ctx.params.name)) };
  });

  // An operator forces new device secrets for a household (docs/design.md, "Device credentials").
  router.post('/internal/households/:id/device-credentials/rotate', async (ctx) => {
    const body = (await readJson(ctx, 1024)) as { graceSeconds?: unknown };
    const grace = body.graceSeconds ?? 0;
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > 30 * 86_400)
      throw new ApiError('validation_failed', 'graceSeconds must be a whole number of seconds, 0 to 30 days');
    const r = await forceRotation(
      {
        store: deps.store,
        now: () => deps.now?.() ?? new Date(),
        broker: deps.brokerAdmin,
        log: deps.logger,
      },
      String(ctx.params.id),
      grace,
    );
    deps.metrics.deviceCredentialRotations.inc({ reason: 'forced' }, r.devices);
    ctx.body = {
      devices: r.devices,
      validUntil: r.validUntil.toISOString(),
      connectionsClosed: r.connectionsClosed,
    };
  });

  router.post('/internal/alertmanager', async (ctx) => {
    const body = (await readJson(ctx, 1024 * 1024)) as { alerts?: AlertmanagerAlert[] };
    if (!Array.isArray(body.alerts))
      throw new ApiError('validation_failed', 'Not an Alertmanager webhook body: "alerts" is missing');
    ctx.body = await takeAlerts(
      {
        store: deps.store,
        now: () => deps.now?.() ?? new Date(),
        onOutcome: (reason) => deps.metrics.alertsReceived.inc({ reason }),
        mail: deps.mailer && {
          mailer: deps.mailer,
          publicUrl: deps.publicUrl ?? DEFAULT_PUBLIC_URL,
          onMail: (result, err) => {
            deps.metrics.mails.inc({ kind: 'alert', result });
            if (err) deps.logger.warn({ err }, 'an alert mail was not accepted by the SMTP server');
          },
        },
      },
      body.alerts,
    );
  });

  app.use(router.routes());
  app.use(() => {
    throw new ApiError('not_found');
  });
  return app;
}
