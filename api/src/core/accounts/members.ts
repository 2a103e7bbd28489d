import { ApiError } from '../../errors.js';
import type { AccountStore, HouseholdStore, Role } from '../../store/accounts-store.js';

export interface MemberView {
  readonly userId: string;
  readonly email: string | undefined;
  readonly role: Role;
  readonly disabled: boolean;
}

export interface MemberDeps {
  readonly store: Pick<HouseholdStore, 'members' | 'removeMembership' | 'membershipOf' | 'setRole'> &
    Pick<AccountStore, 'setUserDisabled' | 'revokeUserSessions' | 'userById'>;
  readonly now: () => Date;
}

export async function listMembers(
  deps: Pick<MemberDeps, 'store'>,
  householdId: string,
): Promise<{ userId: string; email: string; role: Role }[]> {
  const list = await deps.store.members(householdId);
  return list.map((m) => ({ userId: m.userId, email: m.email, role: m.role }));
}

/** An owner removes someone else; removing oneself would orphan the household. */
export async function removeMember(
  deps: Pick<MemberDeps, 'store'>,
  owner: { userId: string; householdId: string },
  target: string,
): Promise<void> {
  if (target === owner.userId)
    throw new ApiError('conflict', 'An owner cannot remove themselves; delete the household instead');
  if (!(await deps.store.removeMembership(target, owner.householdId))) throw new ApiError('not_found');
}

/** An owner changes a member's role or disables the account; disabling ends every session at once. */
export async function updateMember(
  deps: MemberDeps,
  owner: { userId: string; householdId: string },
  target: string,
  change: { role?: Role; disabled?: boolean },
): Promise<MemberView> {
  if (target === owner.userId)
    throw new ApiError('conflict', 'Owners cannot change their own role or disable themselves');
  const m = await deps.store.membershipOf(target);
  if (!m || m.householdId !== owner.householdId) throw new ApiError('not_found');
  if (change.role) await deps.store.setRole(target, owner.householdId, change.role);
  if (change.disabled !== undefined) {
    await deps.store.setUserDisabled(target, change.disabled);
    if (change.disabled) await deps.store.revokeUserSessions(target, deps.now());
  }
  const u = await deps.store.userById(target);
  return { userId: target, email: u?.email, role: change.role ?? m.role, disabled: u?.disabled ?? false };
}
