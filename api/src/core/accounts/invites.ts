import { hashPassword } from '../../auth/passwords.js';
import { newId, newSecret, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { AccountStore, HouseholdStore, Role, User } from '../../store/accounts-store.js';
import { DEFAULT_PUBLIC_URL, type MailResult, type Mailer } from '../notifications/mailer.js';
import { inviteLink, inviteMail } from './invite-mail.js';
import { checkNewPassword } from './new-password.js';
import { issueSession, type Session, type SessionDeps } from './sessions.js';

export const INVITE_HOURS = 72;
/** Owners are made by registering; an invite brings members and viewers. */
export type InvitedRole = Exclude<Role, 'owner'>;

export interface InviteDeps {
  readonly store: Pick<HouseholdStore, 'createInvite' | 'householdById'>;
  readonly now: () => Date;
  /** Absent: no mail (SMTP_URL unset); the invite is made and its link returned all the same. */
  readonly mail?: InviteMailDeps | undefined;
}

export interface InviteMailDeps {
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly onMail: (result: MailResult, err?: unknown) => void;
}

export interface CreatedInvite {
  readonly token: string;
  readonly role: InvitedRole;
  readonly expiresAt: Date;
  /** The invite page with the token; with an address only. */
  readonly link: string | undefined;
  /** Whether the invitee was mailed the link. */
  readonly mailed: boolean;
}

/**
 * A single-use invite link token, shown once; only its hash is kept. With an
 * address and a mailer the invitee gets the link by mail; a mail the server
 * refuses leaves the invite valid (the owner can pass the link on), counted
 * and answered as `mailed: false`.
 */
export async function createInvite(
  deps: InviteDeps,
  householdId: string,
  role: InvitedRole,
  email?: string,
): Promise<CreatedInvite> {
  const token = newSecret('inv_');
  const expiresAt = new Date(deps.now().getTime() + INVITE_HOURS * 3_600_000);
  await deps.store.createInvite({ id: newId(), householdId, role, tokenHash: sha256(token), expiresAt });
  if (email === undefined) return { token, role, expiresAt, link: undefined, mailed: false };
  const to = email.toLowerCase();
  const link = inviteLink(deps.mail?.publicUrl ?? DEFAULT_PUBLIC_URL, token, to);
  if (!deps.mail) return { token, role, expiresAt, link, mailed: false };
  const household = await deps.store.householdById(householdId);
  try {
    await deps.mail.mailer.send(
      inviteMail({ to, householdName: household?.name ?? 'your household', role, link, expiresAt }),
    );
    deps.mail.onMail('sent');
    return { token, role, expiresAt, link, mailed: true };
  } catch (err) {
    deps.mail.onMail('failed', err);
    return { token, role, expiresAt, link, mailed: false };
  }
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
