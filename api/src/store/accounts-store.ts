/**
 * The accounts store: everything the API keeps besides readings, as one
 * handle over four ports split by record kind (`ports/`). Two adapters
 * implement it (SQLite, the embedded default, in `sqlite/`; MongoDB through
 * mongoose in `mongo/`) and one contract suite (`api/test/store/`) tests
 * both. Domain code that needs one kind imports that port alone.
 */
import type { AccountStore } from './ports/account-store.js';
import type { DeviceStore } from './ports/device-store.js';
import type { HouseholdDeletion, HouseholdStore } from './ports/household-store.js';
import type { NotificationStore } from './ports/notification-store.js';
import type { ProvisioningQueueStore } from './ports/provisioning-queue-store.js';
import type { OidcStore } from './ports/oidc-store.js';

export type { AccountStore, RefreshToken, User } from './ports/account-store.js';
export type {
  Device,
  DeviceStore,
  Gateway,
  PairingCode,
  SocketInfo,
  SocketRole,
} from './ports/device-store.js';
export type {
  ApiToken,
  Household,
  HouseholdDeletion,
  HouseholdStore,
  Invite,
  Membership,
  Role,
} from './ports/household-store.js';
export { ROLES } from './ports/household-store.js';
export type { Notification, NotificationStore } from './ports/notification-store.js';
export type {
  NewProvisioningJob,
  ProvisioningCursor,
  ProvisioningJob,
  ProvisioningJobKind,
  ProvisioningQueueStats,
  ProvisioningQueueStore,
} from './ports/provisioning-queue-store.js';
export type { NewOidcRecord, OidcRecord, OidcStore } from './ports/oidc-store.js';

/** Every record kind's store in one; what an adapter is composed into. */
export type RecordStores = AccountStore & HouseholdStore & DeviceStore & NotificationStore & OidcStore;

/** The Grafana provisioning queue rides on the accounts store: one durable place, one backup. */
export interface AccountsStore extends RecordStores, ProvisioningQueueStore {
  readonly kind: 'sqlite' | 'mongodb';
  close(): Promise<void>;
  ping(): Promise<void>;
  /** Deletes the household and everything that belongs to it, accounts included. */
  deleteHousehold(id: string): Promise<HouseholdDeletion>;
}
