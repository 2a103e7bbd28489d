import type { Notification, NotificationStore } from '../../store/accounts-store.js';

/** The portal shows the latest notifications; older ones stay stored. */
export const NOTIFICATIONS_SHOWN = 100;

/** The household's latest notifications, newest first. */
export function listNotifications(
  deps: { readonly store: Pick<NotificationStore, 'notifications'> },
  householdId: string,
): Promise<Notification[]> {
  return deps.store.notifications(householdId, NOTIFICATIONS_SHOWN);
}
