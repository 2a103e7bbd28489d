import { hashPassword } from '../../auth/passwords.js';
import { newId, newSecret, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { AccountStore, HouseholdStore, Role, User } from '../../store/accounts-store.js';
import { checkNewPassword } from './new-password.js';
import { issueSession, type Session, type SessionDeps } from './sessions.js';

export const INVITE_HOURS = 72;
/** Owners are made by registering; an invite brings members and viewers. */
export type InvitedRole = Exclude<Role, 'owner'>;

export interface InviteDeps {
  readonly store: Pick<HouseholdStore, 'createInvite'>;
  readonly now: () => Date;
}

/** A single-use invite link token, shown once; only its hash is kept. */
export async function createInvite(
  deps: InviteDeps,
  householdId: string,
  role: InvitedRole,
): Promise<{ token: string; role: InvitedRole; expiresAt: Date }> {
  const token = newSecret('inv_');
  const expiresAt = new Date(deps.now().getTime() + INVITE_HOURS * 3_600_000);
  await deps.store.createInvite({ id: newId(), householdId, role, tokenHash: sha256(token), expiresAt });
  return { token, role, expiresAt };
}

export interface AcceptInviteDeps extends SessionDeps {
  readonly store: SessionDeps['store'] &
    Pick<HouseholdStore, 'inviteByHash' | 'markInviteUsed' | 'addMembership'> &
    Pick<AccountStore, 'userByEmail' | 'createUser'>;
}

const INVALID_INVITE = 'The invite is not valid or was already used';

/** A new account joins the inviting household with the invite's role, logged in. */
export async function acceptInvite(
  deps: AcceptInviteDeps,
  a: { token: string; email: string; password: string },
): Promise<{ session: Session; user: User; role: Role }> {
  const email = a.email.toLowerCase();
  checkNewPassword(a.password);
  const inv = await deps.store.inviteByHash(sha256(a.token));
  if (!inv || inv.usedAt || inv.expiresAt <= deps.now()) throw new ApiError('invalid_token', INVALID_INVITE);
  if (await deps.store.userByEmail(email)) throw new ApiError('email_taken');
  // Marked used before the account exists: two concurrent accepts cannot both join.
  if (!(await deps.store.markInviteUsed(inv.id, deps.now())))
    throw new ApiError('invalid_token', INVALID_INVITE);
  const user = await deps.store.createUser({
    id: newId(),
    email,
    passwordHash: await hashPassword(a.password),
  });
  await deps.store.addMembership({ userId: user.id, householdId: inv.householdId, role: inv.role });
  return { session: await issueSession(deps, user.id, inv.householdId), user, role: inv.role };
}
