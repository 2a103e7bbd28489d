import { dummyHash, verifyPassword } from '../../auth/passwords.js';
import { ApiError } from '../../errors.js';
import type { AccountStore, HouseholdStore } from '../../store/accounts-store.js';
import { issueSession, type Session, type SessionDeps } from './sessions.js';

/** Why a login was refused: the `reason` label of api_login_failures_total. */
export type LoginFailure = 'throttled' | 'unknown_email' | 'wrong_password' | 'disabled';

/**
 * The login throttle: per account, per address and per pair. In memory
 * (LoginThrottle) for one API process, in MongoDB (MongoLoginThrottle) when
 * replicas must count the same attempts.
 */
export interface Throttle {
  /** Seconds to wait, or 0 when the attempt may go ahead. */
  check(email: string, address: string): number | Promise<number>;
  failed(email: string, address: string): void | Promise<void>;
  succeeded(email: string, address: string): void | Promise<void>;
}

export interface CredentialDeps {
  readonly store: Pick<AccountStore, 'userByEmail'> & Pick<HouseholdStore, 'membershipOf'>;
  readonly throttle: Throttle;
  readonly onFailure: (reason: LoginFailure) => void;
}

export interface LoginDeps extends SessionDeps, CredentialDeps {
  readonly store: SessionDeps['store'] & Pick<AccountStore, 'userByEmail'>;
}

/**
 * Email and password for a session. Every refusal looks the same to the
 * caller (`invalid_credentials`) except throttling, which says how long to wait.
 */
export async function login(
  deps: LoginDeps,
  l: { email: string; password: string; address: string },
): Promise<Session> {
  const who = await checkCredentials(deps, l);
  return issueSession(deps, who.userId, who.householdId);
}

/**
 * The account behind an email and password, throttled and counted like a
 * login, without a portal session: the OpenID Connect sign-in page (src/oidc/)
 * asks this and lets the provider keep the session.
 */
export async function checkCredentials(
  deps: CredentialDeps,
  l: { email: string; password: string; address: string },
): Promise<{ userId: string; householdId: string }> {
  const email = l.email.toLowerCase();
  const wait = await deps.throttle.check(email, l.address);
  if (wait > 0) {
    deps.onFailure('throttled');
    throw new ApiError('throttled', undefined, { 'retry-after': String(wait) });
  }
  const user = await deps.store.userByEmail(email);
  // Unknown emails cost the same argon2 work, so timing does not tell either.
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), l.password);
  const m = user && ok && !user.disabled ? await deps.store.membershipOf(user.id) : undefined;
  if (!user || !ok || user.disabled || !m) {
    await deps.throttle.failed(email, l.address);
    deps.onFailure(!user ? 'unknown_email' : !ok ? 'wrong_password' : 'disabled');
    throw new ApiError('invalid_credentials');
  }
  await deps.throttle.succeeded(email, l.address);
  return { userId: user.id, householdId: m.householdId };
}
