import type { Notification, NotificationStore } from '../../store/accounts-store.js';

/** The portal shows the latest notifications; older ones stay stored. */
export const NOTIFICATIONS_SHOWN = 100;

/** At most this many ids in one "mark read": the portal never shows more. */
export const MARK_READ_MAX_IDS = NOTIFICATIONS_SHOWN;

export interface MemberNotifications {
  readonly notifications: (Notification & { readonly read: boolean })[];
  /** Unread by this member among all the household's, not only those shown. */
  readonly unread: number;
}

type ListStore = Pick<NotificationStore, 'memberNotifications' | 'unreadNotifications'>;

/** The household's latest notifications, newest first, read or not for this member. */
export async function listNotifications(
  deps: { readonly store: ListStore },
  who: { readonly householdId: string; readonly userId: string },
): Promise<MemberNotifications> {
  const [notifications, unread] = await Promise.all([
    deps.store.memberNotifications(who.householdId, who.userId, NOTIFICATIONS_SHOWN),
    deps.store.unreadNotifications(who.householdId, who.userId),
  ]);
  return { notifications, unread };
}

/** Marks the given notifications read for this member alone; all of the household's when `ids` is undefined. */
export function markNotificationsRead(
  deps: { readonly store: Pick<NotificationStore, 'markNotificationsRead'> },
  who: { readonly householdId: string; readonly userId: string },
  ids?: readonly string[],
): Promise<void> {
  return deps.store.markNotificationsRead(who.householdId, who.userId, ids);
}
