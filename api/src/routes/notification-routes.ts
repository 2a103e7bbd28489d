import type Router from '@koa/router';
import type { Context } from 'koa';
import { authOf, requireUser } from '../auth/authenticate.js';
import { listNotifications } from '../core/notifications/notification-list.js';
import type { AppDeps } from '../deps.js';

/** The household's alerts as the portal lists them (the intake is on the internal listener). */
export function notificationRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  router.get('/api/v1/notifications', user, async (ctx: Context) => {
    const list = await listNotifications(deps, authOf(ctx).householdId);
    ctx.body = {
      notifications: list.map((n) => ({
        id: n.id,
        device: n.deviceId,
        alertname: n.alertname,
        status: n.status,
        summary: n.summary,
        startsAt: n.startsAt.toISOString(),
        receivedAt: n.receivedAt.toISOString(),
      })),
    };
  });
}
