/**
 * The accounts store: users, households, memberships, sessions, devices and
 * the rest of what the API keeps. Two adapters implement it (SQLite, the
 * embedded default; MongoDB through mongoose) and one contract suite tests
 * both. Secrets arrive here already hashed.
 */
export type Role = 'owner' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'member', 'viewer'];

export interface User {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

export interface Household {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly tariff: unknown;
  readonly createdAt: Date;
}

export interface Membership {
  readonly userId: string;
  readonly householdId: string;
  readonly role: Role;
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

export interface Invite {
  readonly id: string;
  readonly householdId: string;
  readonly role: Role;
  readonly tokenHash: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

export interface ApiToken {
  readonly id: string;
  readonly householdId: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly createdAt: Date;
}

export type SocketRole = 'socket' | 'house-meter';
export interface SocketInfo {
  readonly socket: number;
  readonly name: string;
  readonly role: SocketRole;
}

export interface Device {
  readonly id: string;
  readonly householdId: string;
  readonly name: string;
  readonly secretHash: string;
  readonly sockets: readonly SocketInfo[];
  readonly muteUntil: Date | null;
  readonly offlineGraceMinutes: number | null;
  readonly createdAt: Date;
}

export interface PairingCode {
  readonly codeHash: string;
  readonly householdId: string;
  readonly deviceName: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

export interface Gateway {
  readonly name: string;
  readonly passwordHash: string;
  /** Broker usernames `<household>.<device>` the gateway may publish for. */
  readonly devices: readonly string[];
}

export interface Notification {
  readonly id: string;
  readonly householdId: string;
  readonly deviceId: string | null;
  readonly alertname: string;
  readonly status: string;
  readonly summary: string;
  readonly startsAt: Date;
  readonly receivedAt: Date;
}

export interface HouseholdDeletion {
  readonly users: number;
  readonly devices: number;
  readonly apiTokens: number;
}

export interface AccountsStore {
  readonly kind: 'sqlite' | 'mongodb';
  close(): Promise<void>;
  ping(): Promise<void>;

  createUser(u: { id: string; email: string; passwordHash: string }): Promise<User>;
  userByEmail(email: string): Promise<User | undefined>;
  userById(id: string): Promise<User | undefined>;
  setPasswordHash(userId: string, hash: string): Promise<void>;
  setUserDisabled(userId: string, disabled: boolean): Promise<void>;

  createHousehold(h: { id: string; name: string; timeZone: string; currency: string }): Promise<Household>;
  householdById(id: string): Promise<Household | undefined>;
  updateHousehold(
    id: string,
    patch: { name?: string; timeZone?: string; currency?: string; tariff?: unknown },
  ): Promise<void>;
  /** Deletes the household and everything that belongs to it, accounts included. */
  deleteHousehold(id: string): Promise<HouseholdDeletion>;

  addMembership(m: Membership): Promise<void>;
  membershipOf(userId: string): Promise<Membership | undefined>;
  members(householdId: string): Promise<(Membership & { email: string })[]>;
  removeMembership(userId: string, householdId: string): Promise<boolean>;
  setRole(userId: string, householdId: string, role: Role): Promise<boolean>;

  createRefreshToken(t: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<void>;
  refreshTokenByHash(hash: string): Promise<RefreshToken | undefined>;
  /** Marks the token used; false when it was used already (a reuse). Atomic. */
  markRefreshTokenUsed(id: string, at: Date): Promise<boolean>;
  revokeFamily(familyId: string, at: Date): Promise<void>;
  revokeUserSessions(userId: string, at: Date): Promise<void>;

  createInvite(i: Omit<Invite, 'usedAt'>): Promise<void>;
  inviteByHash(hash: string): Promise<Invite | undefined>;
  /** Single use: false when it was used already. Atomic. */
  markInviteUsed(id: string, at: Date): Promise<boolean>;

  createApiToken(t: ApiToken): Promise<void>;
  apiTokenByHash(hash: string): Promise<ApiToken | undefined>;
  apiTokens(householdId: string): Promise<ApiToken[]>;
  deleteApiToken(householdId: string, id: string): Promise<boolean>;

  createDevice(d: Omit<Device, 'muteUntil' | 'offlineGraceMinutes'>): Promise<Device>;
  device(householdId: string, id: string): Promise<Device | undefined>;
  devices(householdId: string): Promise<Device[]>;
  deleteDevice(householdId: string, id: string): Promise<boolean>;
  setDeviceSecretHash(householdId: string, id: string, secretHash: string): Promise<void>;
  setSocket(householdId: string, deviceId: string, s: SocketInfo): Promise<boolean>;
  setSockets(householdId: string, deviceId: string, s: readonly SocketInfo[]): Promise<void>;
  setDeviceAlerts(
    householdId: string,
    deviceId: string,
    a: { muteUntil: Date | null; offlineGraceMinutes: number | null },
  ): Promise<boolean>;

  createPairingCode(p: Omit<PairingCode, 'usedAt'>): Promise<void>;
  /** Single use: returns the code and marks it used, or undefined. Atomic. */
  takePairingCode(codeHash: string, at: Date): Promise<PairingCode | undefined>;

  upsertGateway(g: Gateway): Promise<void>;
  gateway(name: string): Promise<Gateway | undefined>;

  addNotification(n: Notification): Promise<void>;
  notifications(householdId: string, limit: number): Promise<Notification[]>;
}
