import type Router from '@koa/router';
import type { Context } from 'koa';
import { authOf, requireUser } from '../auth/authenticate.js';
import {
  listNotifications,
  MARK_READ_MAX_IDS,
  markNotificationsRead,
} from '../core/notifications/notification-list.js';
import type { AppDeps } from '../deps.js';
import { readJson } from '../http/body.js';
import { validator } from '../http/validate.js';

const markReadBody = validator<{ ids?: string[] }>({
  type: 'object',
  additionalProperties: false,
  properties: {
    // Absent: every notification of the household ("Mark all read").
    ids: {
      type: 'array',
      nullable: true,
      maxItems: MARK_READ_MAX_IDS,
      items: { type: 'string', minLength: 1, maxLength: 64 },
    },
  },
});

/** The household's alerts as the portal lists them (the intake is on the internal listener). */
export function notificationRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  router.get('/api/v1/notifications', user, async (ctx: Context) => {
    const list = await listNotifications(deps, authOf(ctx));
    ctx.body = {
      unread: list.unread,
      notifications: list.notifications.map((n) => ({
        id: n.id,
        device: n.deviceId,
        alertname: n.alertname,
        status: n.status,
        summary: n.summary,
        startsAt: n.startsAt.toISOString(),
        receivedAt: n.receivedAt.toISOString(),
        read: n.read,
      })),
    };
  });
  // Read for the caller only: each member has their own unread notifications.
  router.post('/api/v1/notifications/read', user, async (ctx: Context) => {
    const b = markReadBody(await readJson(ctx, 16 * 1024));
    await markNotificationsRead(deps, authOf(ctx), b.ids ?? undefined);
    ctx.status = 204;
  });
}
