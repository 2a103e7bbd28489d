import Database from 'better-sqlite3';
import type {
  AccountsStore,
  ApiToken,
  Device,
  Gateway,
  Household,
  HouseholdDeletion,
  Invite,
  Membership,
  Notification,
  PairingCode,
  RefreshToken,
  Role,
  SocketInfo,
  User,
} from './accounts-store.js';

/**
 * Schema migrations, applied in order; PRAGMA user_version records how many
 * ran. Append only: a released migration is never edited.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
   CREATE TABLE households (id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL,
     currency TEXT NOT NULL, tariff TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE memberships (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE, role TEXT NOT NULL,
     PRIMARY KEY (user_id, household_id));
   CREATE INDEX memberships_household ON memberships(household_id);
   CREATE TABLE refresh_tokens (id TEXT PRIMARY KEY, family_id TEXT NOT NULL, user_id TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL, used_at INTEGER, revoked_at INTEGER);
   CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
   CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
   CREATE TABLE invites (id TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL, used_at INTEGER);
   CREATE TABLE api_tokens (id TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
   CREATE TABLE devices (household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE, id TEXT NOT NULL,
     name TEXT NOT NULL, secret_hash TEXT NOT NULL, sockets TEXT NOT NULL, mute_until INTEGER,
     offline_grace_minutes INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (household_id, id));
   CREATE TABLE pairing_codes (code_hash TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     device_name TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
   CREATE TABLE gateways (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, devices TEXT NOT NULL);
   CREATE TABLE notifications (id TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     device_id TEXT, alertname TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL,
     starts_at INTEGER NOT NULL, received_at INTEGER NOT NULL);
   CREATE INDEX notifications_household ON notifications(household_id, received_at);`,
];

type Row = Record<string, unknown>;
const d = (v: unknown): Date => new Date(Number(v));
const dn = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));
const s = (v: unknown): string => String(v);

function toUser(r: Row): User {
  return {
    id: s(r.id),
    email: s(r.email),
    passwordHash: s(r.password_hash),
    disabled: r.disabled === 1,
    createdAt: d(r.created_at),
  };
}
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
function toDevice(r: Row): Device {
  return {
    id: s(r.id),
    householdId: s(r.household_id),
    name: s(r.name),
    secretHash: s(r.secret_hash),
    sockets: JSON.parse(s(r.sockets)) as SocketInfo[],
    muteUntil: dn(r.mute_until),
    offlineGraceMinutes: r.offline_grace_minutes === null ? null : Number(r.offline_grace_minutes),
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

/** The embedded default store: one SQLite file in WAL mode (the seed and the API share it). */
export class SqliteStore implements AccountsStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  private migrate(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] ?? '');
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  // Prepared once per SQL text: preparing costs more than most of these queries.
  private readonly statements = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
  private get(sql: string, ...p: unknown[]): Row | undefined {
    return this.stmt(sql).get(...p) as Row | undefined;
  }
  private all(sql: string, ...p: unknown[]): Row[] {
    return this.stmt(sql).all(...p) as Row[];
  }
  private run(sql: string, ...p: unknown[]): number {
    return this.stmt(sql).run(...p).changes;
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
  ping(): Promise<void> {
    this.get('SELECT 1');
    return Promise.resolve();
  }

  createUser(u: { id: string; email: string; passwordHash: string }): Promise<User> {
    const now = Date.now();
    this.run(
      'INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)',
      u.id,
      u.email,
      u.passwordHash,
      now,
    );
    return Promise.resolve({ ...u, disabled: false, createdAt: new Date(now) });
  }
  userByEmail(email: string): Promise<User | undefined> {
    const r = this.get('SELECT * FROM users WHERE email = ?', email);
    return Promise.resolve(r && toUser(r));
  }
  userById(id: string): Promise<User | undefined> {
    const r = this.get('SELECT * FROM users WHERE id = ?', id);
    return Promise.resolve(r && toUser(r));
  }
  setPasswordHash(userId: string, hash: string): Promise<void> {
    this.run('UPDATE users SET password_hash = ? WHERE id = ?', hash, userId);
    return Promise.resolve();
  }
  setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    this.run('UPDATE users SET disabled = ? WHERE id = ?', disabled ? 1 : 0, userId);
    return Promise.resolve();
  }

  createHousehold(h: { id: string; name: string; timeZone: string; currency: string }): Promise<Household> {
    const now = Date.now();
    this.run(
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
    const r = this.get('SELECT * FROM households WHERE id = ?', id);
    return Promise.resolve(r && toHousehold(r));
  }
  updateHousehold(
    id: string,
    patch: { name?: string; timeZone?: string; currency?: string; tariff?: unknown },
  ): Promise<void> {
    if (patch.name !== undefined) this.run('UPDATE households SET name = ? WHERE id = ?', patch.name, id);
    if (patch.timeZone !== undefined)
      this.run('UPDATE households SET time_zone = ? WHERE id = ?', patch.timeZone, id);
    if (patch.currency !== undefined)
      this.run('UPDATE households SET currency = ? WHERE id = ?', patch.currency, id);
    if (patch.tariff !== undefined)
      this.run('UPDATE households SET tariff = ? WHERE id = ?', JSON.stringify(patch.tariff), id);
    return Promise.resolve();
  }
  deleteHousehold(id: string): Promise<HouseholdDeletion> {
    const out = this.db.transaction((): HouseholdDeletion => {
      const userIds = this.all('SELECT user_id FROM memberships WHERE household_id = ?', id).map((r) =>
        s(r.user_id),
      );
      const devices = this.run('DELETE FROM devices WHERE household_id = ?', id);
      const apiTokens = this.run('DELETE FROM api_tokens WHERE household_id = ?', id);
      for (const u of userIds) {
        this.run('DELETE FROM refresh_tokens WHERE user_id = ?', u);
        this.run('DELETE FROM users WHERE id = ?', u);
      }
      this.run('DELETE FROM households WHERE id = ?', id);
      return { users: userIds.length, devices, apiTokens };
    })();
    return Promise.resolve(out);
  }

  addMembership(m: Membership): Promise<void> {
    this.run(
      'INSERT INTO memberships (user_id, household_id, role) VALUES (?, ?, ?)',
      m.userId,
      m.householdId,
      m.role,
    );
    return Promise.resolve();
  }
  membershipOf(userId: string): Promise<Membership | undefined> {
    const r = this.get('SELECT * FROM memberships WHERE user_id = ? LIMIT 1', userId);
    return Promise.resolve(
      r && { userId: s(r.user_id), householdId: s(r.household_id), role: s(r.role) as Role },
    );
  }
  members(householdId: string): Promise<(Membership & { email: string })[]> {
    const rows = this.all(
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
      const c = this.run(
        'DELETE FROM memberships WHERE user_id = ? AND household_id = ?',
        userId,
        householdId,
      );
      // An account belongs to one household: without it, the account goes too.
      if (c > 0) {
        this.run('DELETE FROM refresh_tokens WHERE user_id = ?', userId);
        this.run('DELETE FROM users WHERE id = ?', userId);
      }
      return c;
    })();
    return Promise.resolve(n > 0);
  }

  setRole(userId: string, householdId: string, role: Role): Promise<boolean> {
    return Promise.resolve(
      this.run(
        'UPDATE memberships SET role = ? WHERE user_id = ? AND household_id = ?',
        role,
        userId,
        householdId,
      ) === 1,
    );
  }

  createRefreshToken(t: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<void> {
    this.run(
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
    const r = this.get('SELECT * FROM refresh_tokens WHERE token_hash = ?', hash);
    return Promise.resolve(r && toRefresh(r));
  }
  markRefreshTokenUsed(id: string, at: Date): Promise<boolean> {
    return Promise.resolve(
      this.run('UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL', at.getTime(), id) ===
        1,
    );
  }
  revokeFamily(familyId: string, at: Date): Promise<void> {
    this.run(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
      at.getTime(),
      familyId,
    );
    return Promise.resolve();
  }
  revokeUserSessions(userId: string, at: Date): Promise<void> {
    this.run(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
      at.getTime(),
      userId,
    );
    return Promise.resolve();
  }

  createInvite(i: Omit<Invite, 'usedAt'>): Promise<void> {
    this.run(
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
    const r = this.get('SELECT * FROM invites WHERE token_hash = ?', hash);
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
      this.run('UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL', at.getTime(), id) === 1,
    );
  }

  createApiToken(t: ApiToken): Promise<void> {
    this.run(
      'INSERT INTO api_tokens (id, household_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      t.id,
      t.householdId,
      t.name,
      t.tokenHash,
      t.createdAt.getTime(),
    );
    return Promise.resolve();
  }
  private toApiToken(r: Row): ApiToken {
    return {
      id: s(r.id),
      householdId: s(r.household_id),
      name: s(r.name),
      tokenHash: s(r.token_hash),
      createdAt: d(r.created_at),
    };
  }
  apiTokenByHash(hash: string): Promise<ApiToken | undefined> {
    const r = this.get('SELECT * FROM api_tokens WHERE token_hash = ?', hash);
    return Promise.resolve(r && this.toApiToken(r));
  }
  apiTokens(householdId: string): Promise<ApiToken[]> {
    return Promise.resolve(
      this.all('SELECT * FROM api_tokens WHERE household_id = ? ORDER BY created_at', householdId).map((r) =>
        this.toApiToken(r),
      ),
    );
  }
  deleteApiToken(householdId: string, id: string): Promise<boolean> {
    return Promise.resolve(
      this.run('DELETE FROM api_tokens WHERE household_id = ? AND id = ?', householdId, id) === 1,
    );
  }

  createDevice(dev: Omit<Device, 'muteUntil' | 'offlineGraceMinutes'>): Promise<Device> {
    this.run(
      'INSERT INTO devices (household_id, id, name, secret_hash, sockets, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      dev.householdId,
      dev.id,
      dev.name,
      dev.secretHash,
      JSON.stringify(dev.sockets),
      dev.createdAt.getTime(),
    );
    return Promise.resolve({ ...dev, muteUntil: null, offlineGraceMinutes: null });
  }
  device(householdId: string, id: string): Promise<Device | undefined> {
    const r = this.get('SELECT * FROM devices WHERE household_id = ? AND id = ?', householdId, id);
    return Promise.resolve(r && toDevice(r));
  }
  devices(householdId: string): Promise<Device[]> {
    return Promise.resolve(
      this.all('SELECT * FROM devices WHERE household_id = ? ORDER BY created_at, id', householdId).map(
        toDevice,
      ),
    );
  }
  deleteDevice(householdId: string, id: string): Promise<boolean> {
    return Promise.resolve(
      this.run('DELETE FROM devices WHERE household_id = ? AND id = ?', householdId, id) === 1,
    );
  }
  setDeviceSecretHash(householdId: string, id: string, secretHash: string): Promise<void> {
    this.run(
      'UPDATE devices SET secret_hash = ? WHERE household_id = ? AND id = ?',
      secretHash,
      householdId,
      id,
    );
    return Promise.resolve();
  }
  setSocket(householdId: string, deviceId: string, sock: SocketInfo): Promise<boolean> {
    const ok = this.db.transaction(() => {
      const r = this.get(
        'SELECT sockets FROM devices WHERE household_id = ? AND id = ?',
        householdId,
        deviceId,
      );
      if (!r) return false;
      const list = (JSON.parse(s(r.sockets)) as SocketInfo[]).filter((x) => x.socket !== sock.socket);
      list.push(sock);
      list.sort((a, b) => a.socket - b.socket);
      this.run(
        'UPDATE devices SET sockets = ? WHERE household_id = ? AND id = ?',
        JSON.stringify(list),
        householdId,
        deviceId,
      );
      return true;
    })();
    return Promise.resolve(ok);
  }
  setSockets(householdId: string, deviceId: string, list: readonly SocketInfo[]): Promise<void> {
    this.run(
      'UPDATE devices SET sockets = ? WHERE household_id = ? AND id = ?',
      JSON.stringify(list),
      householdId,
      deviceId,
    );
    return Promise.resolve();
  }
  setDeviceAlerts(
    householdId: string,
    deviceId: string,
    a: { muteUntil: Date | null; offlineGraceMinutes: number | null },
  ): Promise<boolean> {
    return Promise.resolve(
      this.run(
        'UPDATE devices SET mute_until = ?, offline_grace_minutes = ? WHERE household_id = ? AND id = ?',
        a.muteUntil?.getTime() ?? null,
        a.offlineGraceMinutes,
        householdId,
        deviceId,
      ) === 1,
    );
  }

  createPairingCode(p: Omit<PairingCode, 'usedAt'>): Promise<void> {
    this.run(
      'INSERT INTO pairing_codes (code_hash, household_id, device_name, expires_at) VALUES (?, ?, ?, ?)',
      p.codeHash,
      p.householdId,
      p.deviceName,
      p.expiresAt.getTime(),
    );
    return Promise.resolve();
  }
  takePairingCode(codeHash: string, at: Date): Promise<PairingCode | undefined> {
    const r = this.db.transaction(() => {
      const row = this.get('SELECT * FROM pairing_codes WHERE code_hash = ? AND used_at IS NULL', codeHash);
      if (!row) return undefined;
      this.run('UPDATE pairing_codes SET used_at = ? WHERE code_hash = ?', at.getTime(), codeHash);
      return row;
    })();
    return Promise.resolve(
      r && {
        codeHash: s(r.code_hash),
        householdId: s(r.household_id),
        deviceName: s(r.device_name),
        expiresAt: d(r.expires_at),
        usedAt: at,
      },
    );
  }

  upsertGateway(g: Gateway): Promise<void> {
    this.run(
      'INSERT INTO gateways (name, password_hash, devices) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, devices = excluded.devices',
      g.name,
      g.passwordHash,
      JSON.stringify(g.devices),
    );
    return Promise.resolve();
  }
  gateway(name: string): Promise<Gateway | undefined> {
    const r = this.get('SELECT * FROM gateways WHERE name = ?', name);
    return Promise.resolve(
      r && {
        name: s(r.name),
        passwordHash: s(r.password_hash),
        devices: JSON.parse(s(r.devices)) as string[],
      },
    );
  }

  addNotification(n: Notification): Promise<void> {
    this.run(
      'INSERT INTO notifications (id, household_id, device_id, alertname, status, summary, starts_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      n.id,
      n.householdId,
      n.deviceId,
      n.alertname,
      n.status,
      n.summary,
      n.startsAt.getTime(),
      n.receivedAt.getTime(),
    );
    return Promise.resolve();
  }
  notifications(householdId: string, limit: number): Promise<Notification[]> {
    return Promise.resolve(
      this.all(
        'SELECT * FROM notifications WHERE household_id = ? ORDER BY received_at DESC LIMIT ?',
        householdId,
        limit,
      ).map((r) => ({
        id: s(r.id),
        householdId: s(r.household_id),
        deviceId: r.device_id === null ? null : s(r.device_id),
        alertname: s(r.alertname),
        status: s(r.status),
        summary: s(r.summary),
        startsAt: d(r.starts_at),
        receivedAt: d(r.received_at),
      })),
    );
  }
}
