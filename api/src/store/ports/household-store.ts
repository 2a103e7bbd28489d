/**
 * Households and who belongs to them: memberships, invites, API tokens and
 * the household's own settings (time zone, currency, tariff). Secrets arrive
 * here already hashed.
 */
export type Role = 'owner' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'member', 'viewer'];

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

/** What deleting a household took with it (the deletion itself spans every record kind). */
export interface HouseholdDeletion {
  readonly users: number;
  readonly devices: number;
  readonly apiTokens: number;
}

export interface HouseholdStore {
  createHousehold(h: { id: string; name: string; timeZone: string; currency: string }): Promise<Household>;
  householdById(id: string): Promise<Household | undefined>;
  /** Household ids greater than `after` ('' from the first), ascending, at most `limit`: a walk over every household in pages. */
  householdIds(after: string, limit: number): Promise<string[]>;
  updateHousehold(
    id: string,
    patch: { name?: string; timeZone?: string; currency?: string; tariff?: unknown },
  ): Promise<void>;

  addMembership(m: Membership): Promise<void>;
  membershipOf(userId: string): Promise<Membership | undefined>;
  members(householdId: string): Promise<(Membership & { email: string })[]>;
  /** An account belongs to one household: removing its membership deletes the account and its sessions. */
  removeMembership(userId: string, householdId: string): Promise<boolean>;
  setRole(userId: string, householdId: string, role: Role): Promise<boolean>;

  createInvite(i: Omit<Invite, 'usedAt'>): Promise<void>;
  inviteByHash(hash: string): Promise<Invite | undefined>;
  /** Single use: false when it was used already. Atomic. */
  markInviteUsed(id: string, at: Date): Promise<boolean>;

  createApiToken(t: ApiToken): Promise<void>;
  apiTokenByHash(hash: string): Promise<ApiToken | undefined>;
  apiTokens(householdId: string): Promise<ApiToken[]>;
  deleteApiToken(householdId: string, id: string): Promise<boolean>;
}
