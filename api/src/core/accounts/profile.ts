import { ApiError } from '../../errors.js';
import type { AccountStore, Household, HouseholdStore, Role, User } from '../../store/accounts-store.js';

/** Who the caller is: their account, their household and their role in it (GET /me). */
export async function profile(
  deps: { readonly store: Pick<AccountStore, 'userById'> & Pick<HouseholdStore, 'householdById'> },
  caller: { userId: string; householdId: string; role: Role },
): Promise<{ user: User; household: Household; role: Role }> {
  const [user, household] = await Promise.all([
    deps.store.userById(caller.userId),
    deps.store.householdById(caller.householdId),
  ]);
  // Deleted between authentication and now: the token no longer names anything.
  if (!user || !household) throw new ApiError('invalid_token');
  return { user, household, role: caller.role };
}
