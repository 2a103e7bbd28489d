import type { Notification, NotificationStore } from '../ports/notification-store.js';
import { str, type Doc, type Models } from './models.js';

/** The alerts sent to households, in MongoDB. */
export class MongoNotifications implements NotificationStore {
  constructor(private readonly m: Models) {}

  async addNotification(n: Notification): Promise<void> {
    await this.m.Notification.create({ _id: n.id, ...n });
  }
  async notifications(householdId: string, limit: number): Promise<Notification[]> {
    const rs = await this.m.Notification.find({ householdId })
      .sort({ receivedAt: -1 })
      .limit(limit)
      .lean<Doc[]>();
    return rs.map((r) => ({
      id: str(r._id),
      householdId: str(r.householdId),
      deviceId: typeof r.deviceId === 'string' ? r.deviceId : null,
      alertname: str(r.alertname),
      status: str(r.status),
      summary: str(r.summary),
      startsAt: r.startsAt as Date,
      receivedAt: r.receivedAt as Date,
    }));
  }
}
