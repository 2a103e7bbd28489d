import type { Notification, NotificationStore } from '../ports/notification-store.js';
import { d, s, type SqliteDb } from './db.js';

/** The alerts sent to households, in SQLite. */
export class SqliteNotifications implements NotificationStore {
  constructor(private readonly db: SqliteDb) {}

  addNotification(n: Notification): Promise<void> {
    this.db.run(
      'INSERT INTO notifications (id, household_id, device_id, alertname, status, summary, starts_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      n.id,
      n.householdId,
      n.deviceId,
      n.alertname,
      n.status,
      n.summary,
      n.startsAt.getTime(),
      n.receivedAt.getTime(),
    );
    return Promise.resolve();
  }
  notifications(householdId: string, limit: number): Promise<Notification[]> {
    return Promise.resolve(
      this.db
        .all(
          'SELECT * FROM notifications WHERE household_id = ? ORDER BY received_at DESC LIMIT ?',
          householdId,
          limit,
        )
        .map((r) => ({
          id: s(r.id),
          householdId: s(r.household_id),
          deviceId: r.device_id === null ? null : s(r.device_id),
          alertname: s(r.alertname),
          status: s(r.status),
          summary: s(r.summary),
          startsAt: d(r.starts_at),
          receivedAt: d(r.received_at),
        })),
    );
  }
}
