import type { AccessClaims } from '../../auth/access-tokens.js';
import { sha256 } from '../../auth/secrets.js';
import type { AccountStore, HouseholdStore, Role } from '../../store/accounts-store.js';
import { API_TOKEN_PREFIX } from './api-tokens.js';

/** Who is calling: an account in its household with its role, or a household's read-only token. */
export interface Caller {
  readonly userId: string;
  readonly householdId: string;
  readonly role: Role;
  /** True for household API tokens: read-only. */
  readonly apiToken: boolean;
}

/**
 * The caller behind verified access-token claims. The membership is read on
 * every request, so a removed member or a disabled account loses access at
 * once, not when the token expires; a token naming another household than
 * the account's is refused.
 */
export async function callerFromClaims(
  deps: { readonly store: Pick<AccountStore, 'userById'> & Pick<HouseholdStore, 'membershipOf'> },
  claims: AccessClaims,
): Promise<Caller | undefined> {
  const [user, m] = await Promise.all([deps.store.userById(claims.sub), deps.store.membershipOf(claims.sub)]);
  if (!user || user.disabled || !m || m.householdId !== claims.hh) return undefined;
  return { userId: user.id, householdId: m.householdId, role: m.role, apiToken: false };
}

/** The household behind an API token, as a viewer; anything not shaped like one is not looked up. */
export async function callerFromApiToken(
  deps: { readonly store: Pick<HouseholdStore, 'apiTokenByHash'> },
  token: string,
): Promise<Caller | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
  const t = await deps.store.apiTokenByHash(sha256(token));
  return t && { userId: `token:${t.id}`, householdId: t.householdId, role: 'viewer', apiToken: true };
}
