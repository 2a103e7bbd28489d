/**
 * Accounts and their sessions: users and the refresh-token families that keep
 * them signed in. Secrets arrive here already hashed.
 */
export interface User {
  readonly id: string;
  readonly email: string;
  /** What the OpenID Connect `name` claim says; the e-mail until one is set. */
  readonly displayName: string;
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

export interface RefreshToken {
  readonly id: string;
  readonly familyId: string;
  readonly userId: string;
  readonly tokenHash: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface AccountStore {
  createUser(u: { id: string; email: string; passwordHash: string }): Promise<User>;
  userByEmail(email: string): Promise<User | undefined>;
  userById(id: string): Promise<User | undefined>;
  setPasswordHash(userId: string, hash: string): Promise<void>;
  setUserDisabled(userId: string, disabled: boolean): Promise<void>;
  /** Null puts the e-mail back in its place. */
  setDisplayName(userId: string, name: string | null): Promise<void>;

  createRefreshToken(t: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<void>;
  refreshTokenByHash(hash: string): Promise<RefreshToken | undefined>;
  /** Marks the token used; false when it was used already (a reuse). Atomic. */
  markRefreshTokenUsed(id: string, at: Date): Promise<boolean>;
  revokeFamily(familyId: string, at: Date): Promise<void>;
  revokeUserSessions(userId: string, at: Date): Promise<void>;
}
