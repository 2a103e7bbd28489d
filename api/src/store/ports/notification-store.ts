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
  /** Switches one member's alert mails on or off; false when there is no such user. */
  setAlertMails(userId: string, on: boolean): Promise<boolean>;
  /** Whether the user gets alert mails (on unless switched off). */
  alertMails(userId: string): Promise<boolean>;
  /** The household's members who get alert mails. */
  alertMailRecipients(householdId: string): Promise<AlertMailRecipient[]>;
}
