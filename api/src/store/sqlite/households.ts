import type {
  ApiToken,
  Household,
  HouseholdStore,
  Invite,
  Membership,
  Role,
} from '../ports/household-store.js';
import { d, dn, s, type Row, type SqliteDb } from './db.js';

function toHousehold(r: Row): Household {
  return {
    id: s(r.id),
    name: s(r.name),
    timeZone: s(r.time_zone),
    currency: s(r.currency),
    tariff: r.tariff === null ? null : (JSON.parse(s(r.tariff)) as unknown),
    createdAt: d(r.created_at),
  };
}
function toApiToken(r: Row): ApiToken {
  return {
    id: s(r.id),
    householdId: s(r.household_id),
    name: s(r.name),
    tokenHash: s(r.token_hash),
    createdAt: d(r.created_at),
  };
}

/** Households, memberships, invites and API tokens in SQLite. */
export class SqliteHouseholds implements HouseholdStore {
  constructor(private readonly db: SqliteDb) {}

  createHousehold(h: { id: string; name: string; timeZone: string; currency: string }): Promise<Household> {
    const now = Date.now();
    this.db.run(
      'INSERT INTO households (id, name, time_zone, currency, created_at) VALUES (?, ?, ?, ?, ?)',
      h.id,
      h.name,
      h.timeZone,
      h.currency,
      now,
    );
    return Promise.resolve({ ...h, tariff: null, createdAt: new Date(now) });
  }
  householdById(id: string): Promise<Household | undefined> {
    return Promise.resolve(
      this.db.memo(`household\u0000${id}`, () => {
        const r = this.db.get('SELECT * FROM households WHERE id = ?', id);
        return r && toHousehold(r);
      }),
    );
  }
  householdIds(after: string, limit: number): Promise<string[]> {
    const rows = this.db.all('SELECT id FROM households WHERE id > ? ORDER BY id LIMIT ?', after, limit);
    return Promise.resolve(rows.map((r) => s(r.id)));
  }
  updateHousehold(
    id: string,
    patch: { name?: string; timeZone?: string; currency?: string; tariff?: unknown },
  ): Promise<void> {
    if (patch.name !== undefined) this.db.run('UPDATE households SET name = ? WHERE id = ?', patch.name, id);
    if (patch.timeZone !== undefined)
      this.db.run('UPDATE households SET time_zone = ? WHERE id = ?', patch.timeZone, id);
    if (patch.currency !== undefined)
      this.db.run('UPDATE households SET currency = ? WHERE id = ?', patch.currency, id);
    if (patch.tariff !== undefined)
      this.db.run('UPDATE households SET tariff = ? WHERE id = ?', JSON.stringify(patch.tariff), id);
    return Promise.resolve();
  }

  addMembership(m: Membership): Promise<void> {
    this.db.run(
      'INSERT INTO memberships (user_id, household_id, role) VALUES (?, ?, ?)',
      m.userId,
      m.householdId,
      m.role,
    );
    return Promise.resolve();
  }
  membershipOf(userId: string): Promise<Membership | undefined> {
    return Promise.resolve(
      this.db.memo(`membership\u0000${userId}`, (): Membership | undefined => {
        const r = this.db.get('SELECT * FROM memberships WHERE user_id = ? LIMIT 1', userId);
        return r && { userId: s(r.user_id), householdId: s(r.household_id), role: s(r.role) as Role };
      }),
    );
  }
  members(householdId: string): Promise<(Membership & { email: string })[]> {
    const rows = this.db.all(
      'SELECT m.*, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.household_id = ? ORDER BY u.email',
      householdId,
    );
    return Promise.resolve(
      rows.map((r) => ({
        userId: s(r.user_id),
        householdId: s(r.household_id),
        role: s(r.role) as Role,
        email: s(r.email),
      })),
    );
  }
  removeMembership(userId: string, householdId: string): Promise<boolean> {
    const n = this.db.transaction(() => {
      const c = this.db.run(
        'DELETE FROM memberships WHERE user_id = ? AND household_id = ?',
        userId,
        householdId,
      );
      // An account belongs to one household: without it, the account goes too.
      if (c > 0) {
        this.db.run('DELETE FROM refresh_tokens WHERE user_id = ?', userId);
        this.db.run('DELETE FROM users WHERE id = ?', userId);
      }
      return c;
    });
    return Promise.resolve(n > 0);
  }
  setRole(userId: string, householdId: string, role: Role): Promise<boolean> {
    return Promise.resolve(
      this.db.run(
        'UPDATE memberships SET role = ? WHERE user_id = ? AND household_id = ?',
        role,
        userId,
        householdId,
      ) === 1,
    );
  }

  createInvite(i: Omit<Invite, 'usedAt'>): Promise<void> {
    this.db.run(
      'INSERT INTO invites (id, household_id, role, token_hash, expires_at) VALUES (?, ?, ?, ?, ?)',
      i.id,
      i.householdId,
      i.role,
      i.tokenHash,
      i.expiresAt.getTime(),
    );
    return Promise.resolve();
  }
  inviteByHash(hash: string): Promise<Invite | undefined> {
    const r = this.db.get('SELECT * FROM invites WHERE token_hash = ?', hash);
    return Promise.resolve(
      r && {
        id: s(r.id),
        householdId: s(r.household_id),
        role: s(r.role) as Role,
        tokenHash: s(r.token_hash),
        expiresAt: d(r.expires_at),
        usedAt: dn(r.used_at),
      },
    );
  }
  markInviteUsed(id: string, at: Date): Promise<boolean> {
    return Promise.resolve(
      this.db.run('UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL', at.getTime(), id) === 1,
    );
  }

  createApiToken(t: ApiToken): Promise<void> {
    this.db.run(
      'INSERT INTO api_tokens (id, household_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      t.id,
      t.householdId,
      t.name,
      t.tokenHash,
      t.createdAt.getTime(),
    );
    return Promise.resolve();
  }
  apiTokenByHash(hash: string): Promise<ApiToken | undefined> {
    const r = this.db.get('SELECT * FROM api_tokens WHERE token_hash = ?', hash);
    return Promise.resolve(r && toApiToken(r));
  }
  apiTokens(householdId: string): Promise<ApiToken[]> {
    return Promise.resolve(
      this.db
        .all('SELECT * FROM api_tokens WHERE household_id = ? ORDER BY created_at', householdId)
        .map(toApiToken),
    );
  }
  deleteApiToken(householdId: string, id: string): Promise<boolean> {
    return Promise.resolve(
      this.db.run('DELETE FROM api_tokens WHERE household_id = ? AND id = ?', householdId, id) === 1,
    );
  }
}
