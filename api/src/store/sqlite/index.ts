import type { AccountsStore, HouseholdDeletion, ProvisioningQueueStore } from '../accounts-store.js';
import { bindParts, ComposedStore } from '../composed-store.js';
import { SqliteAccounts } from './accounts.js';
import { s, SqliteDb } from './db.js';
import { SqliteDevices } from './devices.js';
import { SqliteHouseholds } from './households.js';
import { SqliteNotifications } from './notifications.js';
import { SqliteProvisioningQueue } from './provisioning-queue.js';
import { SqliteOidc } from './oidc.js';

// The queue's methods are bound in the constructor (bindParts): declared here for the type.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface SqliteStore extends ProvisioningQueueStore {}
/** The embedded default store: each record kind's store over one SQLite file. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the queue's methods are bound in the constructor
export class SqliteStore extends ComposedStore implements AccountsStore {
  readonly kind = 'sqlite' as const;
  private readonly db: SqliteDb;

  constructor(file: string) {
    const db = new SqliteDb(file);
    super([
      new SqliteAccounts(db),
      new SqliteHouseholds(db),
      new SqliteDevices(db),
      new SqliteNotifications(db),
      new SqliteOidc(db),
    ]);
    // Outside ComposedStore's fixed record kinds; bound the same way.
    bindParts(this, [new SqliteProvisioningQueue(db)]);
    this.db = db;
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
  ping(): Promise<void> {
    this.db.get('SELECT 1');
    return Promise.resolve();
  }

  /** Spans every kind, so it lives here: one transaction, all of it or nothing. */
  deleteHousehold(id: string): Promise<HouseholdDeletion> {
    const out = this.db.transaction((): HouseholdDeletion => {
      const userIds = this.db
        .all('SELECT user_id FROM memberships WHERE household_id = ?', id)
        .map((r) => s(r.user_id));
      const devices = this.db.run('DELETE FROM devices WHERE household_id = ?', id);
      const apiTokens = this.db.run('DELETE FROM api_tokens WHERE household_id = ?', id);
      for (const u of userIds) {
        this.db.run('DELETE FROM refresh_tokens WHERE user_id = ?', u);
        this.db.run('DELETE FROM oidc_records WHERE account_id = ?', u);
        this.db.run('DELETE FROM users WHERE id = ?', u);
      }
      // Memberships, invites, pairing codes and notifications go by ON DELETE CASCADE.
      this.db.run('DELETE FROM households WHERE id = ?', id);
      return { users: userIds.length, devices, apiTokens };
    });
    return Promise.resolve(out);
  }
}
