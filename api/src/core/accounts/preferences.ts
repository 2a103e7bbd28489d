import { ApiError } from '../../errors.js';
import type { NotificationStore } from '../../store/accounts-store.js';

/** What each member chooses for themself, apart from the household's settings. */
export interface Preferences {
  /** Household alert mails (a firing and its resolution); on unless switched off. */
  readonly alertMails: boolean;
}

export interface PreferencesDeps {
  readonly store: Pick<NotificationStore, 'alertMails' | 'setAlertMails'>;
}

export async function preferences(deps: PreferencesDeps, userId: string): Promise<Preferences> {
  return { alertMails: await deps.store.alertMails(userId) };
}

/** Changes the given preferences only; the caller's account must still exist. */
export async function setPreferences(
  deps: PreferencesDeps,
  userId: string,
  p: Partial<Preferences>,
): Promise<Preferences> {
  if (p.alertMails !== undefined && !(await deps.store.setAlertMails(userId, p.alertMails)))
    throw new ApiError('not_found', 'Your account no longer exists');
  return preferences(deps, userId);
}
