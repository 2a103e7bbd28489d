import type { AccountStore, RefreshToken, User } from '../ports/account-store.js';
import { dn, str, type Doc, type Models } from './models.js';

function toUser(r: Doc): User {
  return {
    id: str(r._id),
    email: str(r.email),
    displayName: typeof r.displayName === 'string' ? r.displayName : str(r.email),
    passwordHash: str(r.passwordHash),
    disabled: r.disabled === true,
    createdAt: r.createdAt as Date,
  };
}
function toRefresh(r: Doc): RefreshToken {
  return {
    id: str(r._id),
    familyId: str(r.familyId),
    userId: str(r.userId),
    tokenHash: str(r.tokenHash),
    expiresAt: r.expiresAt as Date,
    usedAt: dn(r.usedAt),
    revokedAt: dn(r.revokedAt),
  };
}

/** Users and refresh-token sessions in MongoDB. */
export class MongoAccounts implements AccountStore {
  constructor(private readonly m: Models) {}

  async createUser(u: { id: string; email: string; passwordHash: string }): Promise<User> {
    const createdAt = new Date();
    await this.m.User.create({
      _id: u.id,
      email: u.email,
      passwordHash: u.passwordHash,
      disabled: false,
      createdAt,
    });
    return { ...u, displayName: u.email, disabled: false, createdAt };
  }
  async userByEmail(email: string): Promise<User | undefined> {
    const r = await this.m.User.findOne({ email }).lean<Doc>();
    return r ? toUser(r) : undefined;
  }
  async userById(id: string): Promise<User | undefined> {
    const r = await this.m.User.findById(id).lean<Doc>();
    return r ? toUser(r) : undefined;
  }
  async setDisplayName(userId: string, name: string | null): Promise<void> {
    if (name === null) await this.m.User.updateOne({ _id: userId }, { $unset: { displayName: 1 } });
    else await this.m.User.updateOne({ _id: userId }, { displayName: name });
  }
  async setPasswordHash(userId: string, hash: string): Promise<void> {
    await this.m.User.updateOne({ _id: userId }, { passwordHash: hash });
  }
  async setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.m.User.updateOne({ _id: userId }, { disabled });
  }

  async createRefreshToken(t: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<void> {
    await this.m.RefreshToken.create({
      _id: t.id,
      familyId: t.familyId,
      userId: t.userId,
      tokenHash: t.tokenHash,
      expiresAt: t.expiresAt,
      usedAt: null,
      revokedAt: null,
    });
  }
  async refreshTokenByHash(hash: string): Promise<RefreshToken | undefined> {
    const r = await this.m.RefreshToken.findOne({ tokenHash: hash }).lean<Doc>();
    return r ? toRefresh(r) : undefined;
  }
  async markRefreshTokenUsed(id: string, at: Date): Promise<boolean> {
    const r = await this.m.RefreshToken.updateOne({ _id: id, usedAt: null }, { usedAt: at });
    return r.modifiedCount === 1;
  }
  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.m.RefreshToken.updateMany({ familyId, revokedAt: null }, { revokedAt: at });
  }
  async revokeUserSessions(userId: string, at: Date): Promise<void> {
    await this.m.RefreshToken.updateMany({ userId, revokedAt: null }, { revokedAt: at });
  }
}
