import type {
  AlertMailRecipient,
  MemberNotification,
  Notification,
  NotificationStore,
} from '../ports/notification-store.js';
import { str, type Doc, type Models } from './models.js';

const notificationOf = (r: Doc): Notification => ({
  id: str(r._id),
  householdId: str(r.householdId),
  deviceId: typeof r.deviceId === 'string' ? r.deviceId : null,
  alertname: str(r.alertname),
  status: str(r.status),
  summary: str(r.summary),
  startsAt: r.startsAt as Date,
  receivedAt: r.receivedAt as Date,
  fingerprint: typeof r.fingerprint === 'string' ? r.fingerprint : '',
});

/** The alerts sent to households, and who gets them by mail, in MongoDB. */
export class MongoNotifications implements NotificationStore {
  constructor(private readonly m: Models) {}

  async addNotification(n: Notification): Promise<boolean> {
    // An upsert on the key, not an insert: a repeat finds its row and changes
    // nothing, whether or not the unique index is built yet.
    const key = {
      householdId: n.householdId,
      fingerprint: n.fingerprint,
      startsAt: n.startsAt,
      status: n.status,
    };
    try {
      const r = await this.m.Notification.updateOne(
        key,
        // The key's fields come from the filter on insert; the rest is set here.
        {
          $setOnInsert: {
            _id: n.id,
            deviceId: n.deviceId,
            alertname: n.alertname,
            summary: n.summary,
            receivedAt: n.receivedAt,
          },
        },
        { upsert: true },
      );
      return r.upsertedCount === 1;
    } catch (err) {
      // Two racing upserts of one key: the unique index lets one win.
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }
  async hasNotification(
    householdId: string,
    k: { fingerprint: string; startsAt: Date; status: string },
  ): Promise<boolean> {
    return (await this.m.Notification.exists({ householdId, ...k })) !== null;
  }
  async notifications(householdId: string, limit: number): Promise<Notification[]> {
    const rs = await this.m.Notification.find({ householdId })
      .sort({ receivedAt: -1 })
      .limit(limit)
      .lean<Doc[]>();
    return rs.map(notificationOf);
  }
  async memberNotifications(
    householdId: string,
    userId: string,
    limit: number,
  ): Promise<MemberNotification[]> {
    const rs = await this.m.Notification.find({ householdId })
      .sort({ receivedAt: -1 })
      .limit(limit)
      .lean<Doc[]>();
    return rs.map((r) => ({
      ...notificationOf(r),
      read: Array.isArray(r.readBy) && r.readBy.includes(userId),
    }));
  }
  unreadNotifications(householdId: string, userId: string): Promise<number> {
    return this.m.Notification.countDocuments({ householdId, readBy: { $ne: userId } });
  }
  async markNotificationsRead(householdId: string, userId: string, ids?: readonly string[]): Promise<void> {
    // The household in the filter keeps out ids of other households.
    const filter = ids === undefined ? { householdId } : { householdId, _id: { $in: [...ids] } };
    await this.m.Notification.updateMany(filter, { $addToSet: { readBy: userId } });
  }
  async setAlertMails(userId: string, on: boolean): Promise<boolean> {
    const r = await this.m.User.updateOne({ _id: userId }, { alertMails: on });
    return r.matchedCount === 1;
  }
  async alertMails(userId: string): Promise<boolean> {
    const u = await this.m.User.findById(userId).lean<Doc>();
    return u !== null && u.alertMails !== false;
  }
  async alertMailRecipients(householdId: string): Promise<AlertMailRecipient[]> {
    const ms = await this.m.Membership.find({ householdId }).lean<Doc[]>();
    const users = await this.m.User.find({
      _id: { $in: ms.map((x) => str(x.userId)) },
      alertMails: { $ne: false },
      disabled: { $ne: true },
    }).lean<Doc[]>();
    return users
      .map((u) => ({ userId: str(u._id), email: str(u.email) }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }
}
