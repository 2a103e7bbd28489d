import type { ApiToken, Household, HouseholdStore, Invite, Membership } from '../ports/household-store.js';
import { dn, str, type Doc, type Models } from './models.js';

function toHousehold(r: Doc): Household {
  return {
    id: str(r._id),
    name: str(r.name),
    timeZone: str(r.timeZone),
    currency: str(r.currency),
    tariff: r.tariff ?? null,
    createdAt: r.createdAt as Date,
  };
}
function toApiToken(r: Doc): ApiToken {
  return {
    id: str(r._id),
    householdId: str(r.householdId),
    name: str(r.name),
    tokenHash: str(r.tokenHash),
    createdAt: r.createdAt as Date,
  };
}

/** Households, memberships, invites and API tokens in MongoDB. */
export class MongoHouseholds implements HouseholdStore {
  constructor(private readonly m: Models) {}

  async createHousehold(h: {
    id: string;
    name: string;
    timeZone: string;
    currency: string;
  }): Promise<Household> {
    const createdAt = new Date();
    await this.m.Household.create({
      _id: h.id,
      name: h.name,
      timeZone: h.timeZone,
      currency: h.currency,
      tariff: null,
      createdAt,
    });
    return { ...h, tariff: null, createdAt };
  }
  async householdById(id: string): Promise<Household | undefined> {
    const r = await this.m.Household.findById(id).lean<Doc>();
    return r ? toHousehold(r) : undefined;
  }
  async householdIds(after: string, limit: number): Promise<string[]> {
    const rows = await this.m.Household.find({ _id: { $gt: after } }, { _id: 1 })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return rows.map((r) => r._id);
  }
  async updateHousehold(
    id: string,
    patch: { name?: string; timeZone?: string; currency?: string; tariff?: unknown },
  ): Promise<void> {
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) set[k] = v;
    await this.m.Household.updateOne({ _id: id }, { $set: set });
  }

  async addMembership(m: Membership): Promise<void> {
    await this.m.Membership.create({ ...m });
  }
  async membershipOf(userId: string): Promise<Membership | undefined> {
    const r = await this.m.Membership.findOne({ userId }).lean<Doc>();
    return r
      ? { userId: str(r.userId), householdId: str(r.householdId), role: r.role as Membership['role'] }
      : undefined;
  }
  async members(householdId: string): Promise<(Membership & { email: string })[]> {
    const ms = await this.m.Membership.find({ householdId }).lean<Doc[]>();
    const users = await this.m.User.find({ _id: { $in: ms.map((x) => str(x.userId)) } }).lean<Doc[]>();
    const email = new Map(users.map((u) => [str(u._id), str(u.email)]));
    return ms
      .map((x) => ({
        userId: str(x.userId),
        householdId,
        role: x.role as Membership['role'],
        email: email.get(str(x.userId)) ?? '',
      }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }
  async removeMembership(userId: string, householdId: string): Promise<boolean> {
    const r = await this.m.Membership.deleteOne({ userId, householdId });
    if (r.deletedCount === 0) return false;
    // An account belongs to one household: without it, the account goes too.
    await this.m.RefreshToken.deleteMany({ userId });
    await this.m.User.deleteOne({ _id: userId });
    return true;
  }
  async setRole(userId: string, householdId: string, role: Membership['role']): Promise<boolean> {
    return (await this.m.Membership.updateOne({ userId, householdId }, { role })).matchedCount === 1;
  }

  async createInvite(i: Omit<Invite, 'usedAt'>): Promise<void> {
    await this.m.Invite.create({
      _id: i.id,
      householdId: i.householdId,
      role: i.role,
      tokenHash: i.tokenHash,
      expiresAt: i.expiresAt,
      usedAt: null,
    });
  }
  async inviteByHash(hash: string): Promise<Invite | undefined> {
    const r = await this.m.Invite.findOne({ tokenHash: hash }).lean<Doc>();
    return r
      ? {
          id: str(r._id),
          householdId: str(r.householdId),
          role: r.role as Invite['role'],
          tokenHash: str(r.tokenHash),
          expiresAt: r.expiresAt as Date,
          usedAt: dn(r.usedAt),
        }
      : undefined;
  }
  async markInviteUsed(id: string, at: Date): Promise<boolean> {
    const r = await this.m.Invite.updateOne({ _id: id, usedAt: null }, { usedAt: at });
    return r.modifiedCount === 1;
  }

  async createApiToken(t: ApiToken): Promise<void> {
    await this.m.ApiToken.create({
      _id: t.id,
      householdId: t.householdId,
      name: t.name,
      tokenHash: t.tokenHash,
      createdAt: t.createdAt,
    });
  }
  async apiTokenByHash(hash: string): Promise<ApiToken | undefined> {
    const r = await this.m.ApiToken.findOne({ tokenHash: hash }).lean<Doc>();
    return r ? toApiToken(r) : undefined;
  }
  async apiTokens(householdId: string): Promise<ApiToken[]> {
    const rs = await this.m.ApiToken.find({ householdId }).sort({ createdAt: 1 }).lean<Doc[]>();
    return rs.map(toApiToken);
  }
  async deleteApiToken(householdId: string, id: string): Promise<boolean> {
    return (await this.m.ApiToken.deleteOne({ _id: id, householdId })).deletedCount === 1;
  }
}
