import type {
  AlertMailRecipient,
  MemberNotification,
  Notification,
  NotificationStore,
} from '../ports/notification-store.js';
import { d, s, type Row, type SqliteDb } from './db.js';

const notificationOf = (r: Row): Notification => ({
  id: s(r.id),
  householdId: s(r.household_id),
  deviceId: r.device_id === null ? null : s(r.device_id),
  alertname: s(r.alertname),
  status: s(r.status),
  summary: s(r.summary),
  startsAt: d(r.starts_at),
  receivedAt: d(r.received_at),
  fingerprint: r.fingerprint === null ? '' : s(r.fingerprint),
});

/** The alerts sent to households, and who gets them by mail, in SQLite. */
export class SqliteNotifications implements NotificationStore {
  constructor(private readonly db: SqliteDb) {}

  addNotification(n: Notification): Promise<boolean> {
    // The unique index on (household, fingerprint, startsAt, status) makes a repeat a no-op.
    const changed = this.db.run(
      `INSERT OR IGNORE INTO notifications
         (id, household_id, device_id, alertname, status, summary, starts_at, received_at, fingerprint)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      n.id,
      n.householdId,
      n.deviceId,
      n.alertname,
      n.status,
      n.summary,
      n.startsAt.getTime(),
      n.receivedAt.getTime(),
      n.fingerprint,
    );
    return Promise.resolve(changed === 1);
  }
  hasNotification(
    householdId: string,
    k: { fingerprint: string; startsAt: Date; status: string },
  ): Promise<boolean> {
    const r = this.db.get(
      'SELECT 1 FROM notifications WHERE household_id = ? AND fingerprint = ? AND starts_at = ? AND status = ?',
      householdId,
      k.fingerprint,
      k.startsAt.getTime(),
      k.status,
    );
    return Promise.resolve(r !== undefined);
  }
  notifications(householdId: string, limit: number): Promise<Notification[]> {
    return Promise.resolve(
      this.db
        .all(
          'SELECT * FROM notifications WHERE household_id = ? ORDER BY received_at DESC LIMIT ?',
          householdId,
          limit,
        )
        .map(notificationOf),
    );
  }
  memberNotifications(householdId: string, userId: string, limit: number): Promise<MemberNotification[]> {
    return Promise.resolve(
      this.db
        .all(
          `SELECT n.*, r.user_id IS NOT NULL AS is_read FROM notifications n
           LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
           WHERE n.household_id = ? ORDER BY n.received_at DESC LIMIT ?`,
          userId,
          householdId,
          limit,
        )
        .map((r) => ({ ...notificationOf(r), read: Number(r.is_read) === 1 })),
    );
  }
  unreadNotifications(householdId: string, userId: string): Promise<number> {
    const r = this.db.get(
      `SELECT COUNT(*) AS n FROM notifications n
       WHERE n.household_id = ?
         AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)`,
      householdId,
      userId,
    );
    return Promise.resolve(Number(r?.n ?? 0));
  }
  markNotificationsRead(householdId: string, userId: string, ids?: readonly string[]): Promise<void> {
    // The SELECT keeps out ids of other households and ids of no notification.
    if (ids === undefined)
      this.db.run(
        `INSERT OR IGNORE INTO notification_reads (user_id, notification_id)
         SELECT ?, id FROM notifications WHERE household_id = ?`,
        userId,
        householdId,
      );
    else
      this.db.transaction(() => {
        for (const id of new Set(ids))
          this.db.run(
            `INSERT OR IGNORE INTO notification_reads (user_id, notification_id)
             SELECT ?, id FROM notifications WHERE household_id = ? AND id = ?`,
            userId,
            householdId,
            id,
          );
      });
    return Promise.resolve();
  }
  setAlertMails(userId: string, on: boolean): Promise<boolean> {
    return Promise.resolve(
      this.db.run('UPDATE users SET alert_mails = ? WHERE id = ?', on ? 1 : 0, userId) === 1,
    );
  }
  alertMails(userId: string): Promise<boolean> {
    const r = this.db.get('SELECT alert_mails FROM users WHERE id = ?', userId);
    return Promise.resolve(r !== undefined && Number(r.alert_mails) === 1);
  }
  alertMailRecipients(householdId: string): Promise<AlertMailRecipient[]> {
    return Promise.resolve(
      this.db
        .all(
          `SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.household_id = ? AND u.alert_mails = 1 AND u.disabled = 0 ORDER BY u.email`,
          householdId,
        )
        .map((r) => ({ userId: s(r.id), email: s(r.email) })),
    );
  }
}
