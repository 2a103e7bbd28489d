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
}

export interface NotificationStore {
  addNotification(n: Notification): Promise<void>;
  notifications(householdId: string, limit: number): Promise<Notification[]>;
}
