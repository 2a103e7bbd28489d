/**
 * The ports to Grafana. Per household Grafana holds one team (its members),
 * one folder only that team can open, one board generated from grafana/'s
 * template, and the members' Grafana users — in one of a fixed set of
 * organisations shared by many households, each with one datasource (the
 * API's /prometheus with Forward OAuth Identity, so the API scopes every
 * query by the signed-in member's own token). docs/grafana.md says why.
 *
 * `GrafanaTenants` is Grafana's side (HttpGrafana when GRAFANA_URL is set,
 * NoGrafana otherwise); `GrafanaProvisioner` is what the routes see: it only
 * puts jobs on the durable provisioning queue that the worker applies.
 */
import type { Role } from '../store/accounts-store.js';

export interface SocketForGrafana {
  readonly device: string;
  readonly socket: number;
  readonly name: string;
}

export interface MemberForGrafana {
  /** The Grafana login: the e-mail, as generic OAuth's `login_attribute_path` gives it. */
  readonly email: string;
  readonly role: Role;
}

/** What Grafana needs to know about a household. */
export interface HouseholdForGrafana {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  /** ISO 4217, the board's `currency` constant. */
  readonly currency: string;
  /** The board's `price_per_kwh` constant for today's cost: the flat or current time-of-use price. */
  readonly pricePerKwh: number;
  readonly sockets: readonly SocketForGrafana[];
  readonly members: readonly MemberForGrafana[];
}

export interface GrafanaHousehold {
  /** Where the household opens its board (GRAFANA_PUBLIC_URL, else GRAFANA_URL). */
  readonly url: string;
  readonly orgId: number;
  readonly dashboardUid: string;
  readonly folderUid: string;
}

/** Grafana's side: every call idempotent, so the queue may repeat any of them. */
export interface GrafanaTenants {
  readonly configured: boolean;
  /** Brings the team, its members, the folder, its permissions and the board in line with `h`. */
  syncHousehold(h: HouseholdForGrafana): Promise<GrafanaHousehold>;
  /** Removes folder (with the board), team and the members' users; `deleted: false` when none was there. */
  deleteHousehold(householdId: string, logins: readonly string[]): Promise<{ deleted: boolean }>;
  /** Removes the organisation-per-household of before (`household-<id>`); false when there was none. */
  deleteLegacyOrg(householdId: string): Promise<boolean>;
  /** Where the household's board is, without asking Grafana. */
  boardUrl(householdId: string): string;
}

/** What the routes see (deps.grafana): changes become queued jobs. */
export interface GrafanaProvisioner {
  /** False for NoGrafana: the route answers that Grafana is not configured. */
  readonly configured: boolean;
  /** The owner's re-sync: queues a full sync; the board's URL. */
  resyncHousehold(householdId: string): Promise<{ url: string; queued: boolean }>;
  /** Queues the removal of the household's Grafana objects (called before the store forgets its members). */
  deleteHousehold(householdId: string): Promise<{ deleted: boolean }>;
  /** Where the household's board is (GRAFANA_PUBLIC_URL). */
  boardUrl(householdId: string): string;
}

/**
 * A failed call to Grafana. `retryable` when trying again later may succeed
 * (network error, timeout, 5xx, 429); permanent otherwise (bad credentials,
 * a body Grafana refuses). The queue retries both with backoff: a permanent
 * error becomes good once an operator fixes it, and the metrics show it.
 */
export class GrafanaError extends Error {
  override name = 'GrafanaError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by NoGrafana: there is nothing to provision into. */
export class GrafanaNotConfiguredError extends Error {
  override name = 'GrafanaNotConfiguredError';
  constructor() {
    super('GRAFANA_URL is not set: this API provisions no Grafana');
  }
}

/** The organisation of a household in the layout of before; kept to find and remove it. */
export function orgNameOf(householdId: string): string {
  return `household-${householdId}`;
}

/** Names and uids of a household's objects: how a retry finds them again. */
export const teamNameOf = (householdId: string): string => `household-${householdId}`;
export const folderUidOf = (householdId: string): string => `hhf-${householdId}`;
export const boardUidOf = (householdId: string): string => `hh-${householdId}`;

/**
 * Which of the `orgs` shared organisations holds a household: a stable hash
 * of its id, so every API process agrees without asking anybody. Shard 0 is
 * Grafana's main organisation (id 1); shard k > 0 is `energy-households-<k+1>`.
 * Changing GRAFANA_ORGS moves households: docs/grafana.md.
 */
export function shardOf(householdId: string, orgs: number): number {
  let h = 0x811c9dc5; // FNV-1a, 32 bit
  for (let i = 0; i < householdId.length; i++) {
    h ^= householdId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % Math.max(1, orgs);
}
export const shardOrgName = (shard: number): string => `energy-households-${shard + 1}`;

/** GRAFANA_URL unset: nothing is provisioned, and the queue is not worked (docs/grafana.md). */
export class NoGrafana implements GrafanaTenants, GrafanaProvisioner {
  readonly configured = false;
  syncHousehold(): Promise<GrafanaHousehold> {
    return Promise.reject(new GrafanaNotConfiguredError());
  }
  resyncHousehold(): Promise<{ url: string; queued: boolean }> {
    return Promise.reject(new GrafanaNotConfiguredError());
  }
  deleteHousehold(): Promise<{ deleted: boolean }> {
    return Promise.resolve({ deleted: false });
  }
  deleteLegacyOrg(): Promise<boolean> {
    return Promise.resolve(false);
  }
  boardUrl(): string {
    return '';
  }
}
