import type { AccountStore, RefreshToken, User } from '../ports/account-store.js';
import { d, dn, s, type Row, type SqliteDb } from './db.js';

function toUser(r: Row): User {
  return {
    id: s(r.id),
    email: s(r.email),
    displayName: r.display_name === null || r.display_name === undefined ? s(r.email) : s(r.display_name),
    passwordHash: s(r.password_hash),
    disabled: r.disabled === 1,
    createdAt: d(r.created_at),
  };
}
function toRefresh(r: Row): RefreshToken {
  return {
    id: s(r.id),
    familyId: s(r.family_id),
    userId: s(r.user_id),
    tokenHash: s(r.token_hash),
    expiresAt: d(r.expires_at),
    usedAt: dn(r.used_at),
    revokedAt: dn(r.revoked_at),
  };
}

/** Users and refresh-token sessions in SQLite. */
export class SqliteAccounts implements AccountStore {
  constructor(private readonly db: SqliteDb) {}

  createUser(u: { id: string; email: string; passwordHash: string }): Promise<User> {
    const now = Date.now();
    this.db.run(
      'INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)',
      u.id,
      u.email,
      u.passwordHash,
      now,
    );
    return Promise.resolve({ ...u, displayName: u.email, disabled: false, createdAt: new Date(now) });
  }
  userByEmail(email: string): Promise<User | undefined> {
    const r = this.db.get('SELECT * FROM users WHERE email = ?', email);
    return Promise.resolve(r && toUser(r));
  }
  userById(id: string): Promise<User | undefined> {
    return Promise.resolve(
      this.db.memo(`user\u0000${id}`, () => {
        const r = this.db.get('SELECT * FROM users WHERE id = ?', id);
        return r && toUser(r);
      }),
    );
  }
  setPasswordHash(userId: string, hash: string): Promise<void> {
    this.db.run('UPDATE users SET password_hash = ? WHERE id = ?', hash, userId);
    return Promise.resolve();
  }
  setDisplayName(userId: string, name: string | null): Promise<void> {
    this.db.run('UPDATE users SET display_name = ? WHERE id = ?', name, userId);
    return Promise.resolve();
  }
  setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    this.db.run('UPDATE users SET disabled = ? WHERE id = ?', disabled ? 1 : 0, userId);
    return Promise.resolve();
  }

  createRefreshToken(t: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<void> {
    this.db.run(
      'INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at) VALUES (?, ?, ?, ?, ?)',
      t.id,
      t.familyId,
      t.userId,
      t.tokenHash,
      t.expiresAt.getTime(),
    );
    return Promise.resolve();
  }
  refreshTokenByHash(hash: string): Promise<RefreshToken | undefined> {
    const r = this.db.get('SELECT * FROM refresh_tokens WHERE token_hash = ?', hash);
    return Promise.resolve(r && toRefresh(r));
  }
  markRefreshTokenUsed(id: string, at: Date): Promise<boolean> {
    return Promise.resolve(
      this.db.run(
        'UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL',
        at.getTime(),
        id,
      ) === 1,
    );
  }
  revokeFamily(familyId: string, at: Date): Promise<void> {
    this.db.run(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
      at.getTime(),
      familyId,
    );
    return Promise.resolve();
  }
  revokeUserSessions(userId: string, at: Date): Promise<void> {
    this.db.run(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
      at.getTime(),
      userId,
    );
    return Promise.resolve();
  }
}
