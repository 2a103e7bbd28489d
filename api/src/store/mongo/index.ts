import type { Connection } from 'mongoose';
import type { AccountsStore, HouseholdDeletion, ProvisioningQueueStore } from '../accounts-store.js';
import { bindParts, ComposedStore } from '../composed-store.js';
import { MongoAccounts } from './accounts.js';
import { MongoDevices } from './devices.js';
import { MongoHouseholds } from './households.js';
import { connectModels, str, type Doc, type Models } from './models.js';
import { MongoNotifications } from './notifications.js';
import { MongoProvisioningQueue } from './provisioning-queue.js';
import { MongoOidc } from './oidc.js';

// The queue's methods are bound in the constructor (bindParts): declared here for the type.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface MongoStore extends ProvisioningQueueStore {}
/** The MongoDB adapter (chosen when MONGODB_URI is set): each record kind's store over one connection. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the queue's methods are bound in the constructor
export class MongoStore extends ComposedStore implements AccountsStore {
  readonly kind = 'mongodb' as const;

  private constructor(
    private readonly conn: Connection,
    private readonly m: Models,
    queue: MongoProvisioningQueue,
  ) {
    super([
      new MongoAccounts(m),
      new MongoHouseholds(m),
      new MongoDevices(m),
      new MongoNotifications(m),
      new MongoOidc(m),
    ]);
    // Outside ComposedStore's fixed record kinds; bound the same way.
    bindParts(this, [queue]);
  }

  static async connect(uri: string): Promise<MongoStore> {
    const { conn, m } = await connectModels(uri);
    return new MongoStore(conn, m, await MongoProvisioningQueue.open(conn));
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
  async ping(): Promise<void> {
    await this.conn.db?.admin().ping();
  }

  /** Spans every kind, so it lives here. */
  async deleteHousehold(id: string): Promise<HouseholdDeletion> {
    const ms = await this.m.Membership.find({ householdId: id }).lean<Doc[]>();
    const userIds = ms.map((x) => str(x.userId));
    const devices = (await this.m.Device.deleteMany({ householdId: id })).deletedCount;
    const apiTokens = (await this.m.ApiToken.deleteMany({ householdId: id })).deletedCount;
    await this.m.RefreshToken.deleteMany({ userId: { $in: userIds } });
    await this.m.OidcRecord.deleteMany({ accountId: { $in: userIds } });
    await this.m.User.deleteMany({ _id: { $in: userIds } });
    await this.m.Membership.deleteMany({ householdId: id });
    await this.m.Invite.deleteMany({ householdId: id });
    await this.m.PairingCode.deleteMany({ householdId: id });
    await this.m.Notification.deleteMany({ householdId: id });
    await this.m.Household.deleteOne({ _id: id });
    return { users: userIds.length, devices, apiTokens };
  }
}
