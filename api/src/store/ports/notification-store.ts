/** The alerts a household was sent, newest first. */
export interface Notification {
  readonly id: string;
  readonly householdId: string;
  readonly deviceId: string | null;
  readonly alertname: string;
  readonly status: string;
  readonly summary: string;
  readonly startsAt: Date;
  readonly receivedAt: Date;
  /**
   * Alertmanager's fingerprint of the alert's labels. With `startsAt` and
   * `status` it names one firing or one resolution: Alertmanager repeats the
   * same alert every repeat_interval, and a repeat must not become a new row.
   */
  readonly fingerprint: string;
}

/** A notification as one member sees it: read or not is each member's own. */
export interface MemberNotification extends Notification {
  readonly read: boolean;
}

/** A member who gets household alerts by mail. */
export interface AlertMailRecipient {
  readonly userId: string;
  readonly email: string;
}

export interface NotificationStore {
  /** Keeps the notification; false (and nothing kept) when its (fingerprint, startsAt, status) is kept already. */
  addNotification(n: Notification): Promise<boolean>;
  /** Whether a notification of this (fingerprint, startsAt, status) is kept. */
  hasNotification(
    householdId: string,
    key: { fingerprint: string; startsAt: Date; status: string },
  ): Promise<boolean>;
  notifications(householdId: string, limit: number): Promise<Notification[]>;
  /** The latest notifications as `userId` sees them, each marked read or not for that user alone. */
  memberNotifications(householdId: string, userId: string, limit: number): Promise<MemberNotification[]>;
  /** How many of the household's notifications `userId` has not read (all of them, not only the latest shown). */
  unreadNotifications(householdId: string, userId: string): Promise<number>;
  /**
   * Marks notifications read for `userId` only: the given ids, or every one of
   * the household's when `ids` is undefined. Ids of another household, or of no
   * notification, are ignored.
   */
  markNotificationsRead(householdId: string, userId: string, ids?: readonly string[]): Promise<void>;
  /** Switches one member's alert mails on or off; false when there is no such user. */
  setAlertMails(userId: string, on: boolean): Promise<boolean>;
  /** Whether the user gets alert mails (on unless switched off). */
  alertMails(userId: string): Promise<boolean>;
  /** The household's members who get alert mails. */
  alertMailRecipients(householdId: string): Promise<AlertMailRecipient[]>;
}
