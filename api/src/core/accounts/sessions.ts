import type { AccessClaims } from '../../auth/access-tokens.js';
import { ACCESS_TOKEN_SECONDS } from '../../auth/access-tokens.js';
import { newId, newSecret, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { AccountStore, HouseholdStore } from '../../store/accounts-store.js';

export const REFRESH_TOKEN_DAYS = 30;

/** What a client holds after register, login, refresh or accepting an invite. */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

export interface SessionDeps {
  readonly store: Pick<
    AccountStore,
    'createRefreshToken' | 'refreshTokenByHash' | 'markRefreshTokenUsed' | 'revokeFamily' | 'userById'
  > &
    Pick<HouseholdStore, 'membershipOf'>;
  /** Signs access JWTs (AccessTokens). */
  readonly tokens: { sign(claims: AccessClaims): string };
  readonly now: () => Date;
}

/**
 * A new session: an access JWT and the next refresh token of a family. A
 * family is one login; every refresh rotates within it, so a stolen token's
 * replay can end exactly that login.
 */
export async function issueSession(
  deps: SessionDeps,
  userId: string,
  householdId: string,
  familyId = newId(),
): Promise<Session> {
  const refreshToken = newSecret('rt_');
  await deps.store.createRefreshToken({
    id: newId(),
    familyId,
    userId,
    tokenHash: sha256(refreshToken),
    expiresAt: new Date(deps.now().getTime() + REFRESH_TOKEN_DAYS * 86_400_000),
  });
  return {
    accessToken: deps.tokens.sign({ sub: userId, hh: householdId }),
    refreshToken,
    expiresIn: ACCESS_TOKEN_SECONDS,
  };
}

/** Exchanges a refresh token, once, for the next session of its family. */
export async function refreshSession(deps: SessionDeps, refreshToken: string): Promise<Session> {
  const t = await deps.store.refreshTokenByHash(sha256(refreshToken));
  const at = deps.now();
  if (!t || t.revokedAt || t.expiresAt <= at) throw new ApiError('invalid_token');
  // A refresh token used twice was stolen or replayed: end the whole family.
  if (t.usedAt || !(await deps.store.markRefreshTokenUsed(t.id, at))) {
    await deps.store.revokeFamily(t.familyId, at);
    throw new ApiError('invalid_token', 'The refresh token was already used; the session has ended');
  }
  const [user, m] = await Promise.all([deps.store.userById(t.userId), deps.store.membershipOf(t.userId)]);
  if (!user || user.disabled || !m) throw new ApiError('invalid_token');
  return issueSession(deps, user.id, m.householdId, t.familyId);
}

/** Logout: ends the family of the refresh token; an unknown token is not an error (nothing to end). */
export async function endSession(
  deps: Pick<SessionDeps, 'now'> & { store: Pick<AccountStore, 'refreshTokenByHash' | 'revokeFamily'> },
  refreshToken: string,
): Promise<void> {
  const t = await deps.store.refreshTokenByHash(sha256(refreshToken));
  if (t) await deps.store.revokeFamily(t.familyId, deps.now());
}
