import { hashPassword } from '../../auth/passwords.js';
import { newId } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { AccountStore, Household, HouseholdStore, User } from '../../store/accounts-store.js';
import { isCurrency, isTimeZone } from '../households/household-fields.js';
import { checkNewPassword } from './new-password.js';
import { issueSession, type Session, type SessionDeps } from './sessions.js';

export const DEFAULT_TIME_ZONE = 'UTC';
export const DEFAULT_CURRENCY = 'EUR';

export type OwnerStore = Pick<HouseholdStore, 'createHousehold' | 'addMembership'> &
  Pick<AccountStore, 'createUser'>;

export interface NewOwner {
  readonly email: string;
  readonly password: string;
  readonly householdName: string;
  readonly timeZone: string;
  readonly currency: string;
  /** The seed's fixed ids (hh0001…); otherwise a new one. */
  readonly householdId?: string;
}

/** Creates an account owning a new household (register, the demo seed). Checks nothing. */
export async function createOwner(
  store: OwnerStore,
  a: NewOwner,
): Promise<{ user: User; household: Household }> {
  const household = await store.createHousehold({
    id: a.householdId ?? newId(),
    name: a.householdName,
    timeZone: a.timeZone,
    currency: a.currency,
  });
  const user = await store.createUser({
    id: newId(),
    email: a.email,
    passwordHash: await hashPassword(a.password),
  });
  await store.addMembership({ userId: user.id, householdId: household.id, role: 'owner' });
  return { user, household };
}

export interface RegistrationDeps extends SessionDeps {
  readonly store: SessionDeps['store'] & OwnerStore & Pick<AccountStore, 'userByEmail'>;
}

/**
 * Self-service sign-up: a new account owning a new household, logged in.
 * Emails are compared in lower case; the password, zone and currency are
 * checked before anything is stored.
 */
export async function register(
  deps: RegistrationDeps,
  r: { email: string; password: string; householdName: string; timeZone?: string; currency?: string },
): Promise<{ session: Session; user: User; household: Household }> {
  const email = r.email.toLowerCase();
  checkNewPassword(r.password);
  const timeZone = r.timeZone ?? DEFAULT_TIME_ZONE;
  const currency = r.currency ?? DEFAULT_CURRENCY;
  if (!isTimeZone(timeZone))
    throw new ApiError('validation_failed', 'Field "timeZone" is not an IANA time zone');
  if (!isCurrency(currency))
    throw new ApiError('validation_failed', 'Field "currency" is not an ISO 4217 code');
  if (await deps.store.userByEmail(email)) throw new ApiError('email_taken');
  const { user, household } = await createOwner(deps.store, {
    email,
    password: r.password,
    householdName: r.householdName,
    timeZone,
    currency,
  });
  return { session: await issueSession(deps, user.id, household.id), user, household };
}
