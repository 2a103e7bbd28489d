import { ApiError } from '../../errors.js';
import type { AccountStore } from '../../store/accounts-store.js';

export const DISPLAY_NAME_MAX = 100;

/**
 * Sets the name others see for the account (Grafana's user name through the
 * OpenID Connect `name` claim); null or blank puts the e-mail back. The
 * name is trimmed; control characters are refused, not stripped.
 */
export async function setDisplayName(
  deps: { readonly store: Pick<AccountStore, 'userById' | 'setDisplayName'> },
  userId: string,
  name: string | null,
): Promise<{ displayName: string }> {
  const trimmed = name?.trim() ?? '';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    throw new ApiError('validation_failed', 'displayName: control characters are not allowed');
  if (trimmed.length > DISPLAY_NAME_MAX)
    throw new ApiError('validation_failed', `displayName: at most ${DISPLAY_NAME_MAX} characters`);
  if (!(await deps.store.userById(userId))) throw new ApiError('not_found', 'Your account no longer exists');
  await deps.store.setDisplayName(userId, trimmed === '' ? null : trimmed);
  const u = await deps.store.userById(userId);
  return { displayName: u?.displayName ?? '' };
}
