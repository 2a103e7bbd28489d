import mongoose, { Schema, type Connection, type Model } from 'mongoose';
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
  SocketInfo,
  User,
} from './accounts-store.js';

/*
 * The MongoDB adapter (chosen when MONGODB_URI is set). Indexes live in the
 * schemas; single-use things (refresh tokens, invites, pairing codes) are
 * taken with one conditional findOneAndUpdate so two racing requests cannot
 * both win.
 */
const opts = { versionKey: false } as const;
const socketSchema = new Schema({ socket: Number, name: String, role: String }, { _id: false });

const schemas = {
  User: new Schema(
    {
      _id: String,
      email: { type: String, unique: true, required: true },
      passwordHash: String,
      disabled: Boolean,
      createdAt: Date,
    },
    opts,
  ),
  Household: new Schema(
    {
      _id: String,
      name: String,
      timeZone: String,
      currency: String,
      tariff: Schema.Types.Mixed,
      createdAt: Date,
    },
    opts,
  ),
  Membership: new Schema(
    { userId: String, householdId: { type: String, index: true }, role: String },
    opts,
  ).index({ userId: 1, householdId: 1 }, { unique: true }),
  RefreshToken: new Schema(
    {
      _id: String,
      familyId: { type: String, index: true },
      userId: { type: String, index: true },
      tokenHash: { type: String, unique: true },
      expiresAt: Date,
      usedAt: Date,
      revokedAt: Date,
    },
    opts,
  ),
  Invite: new Schema(
    {
      _id: String,
      householdId: { type: String, index: true },
      role: String,
      tokenHash: { type: String, unique: true },
      expiresAt: Date,
      usedAt: Date,
    },
    opts,
  ),
  ApiToken: new Schema(
    {
      _id: String,
      householdId: { type: String, index: true },
      name: String,
      tokenHash: { type: String, unique: true },
      createdAt: Date,
    },
    opts,
  ),
  Device: new Schema(
    {
      householdId: String,
      id: String,
      name: String,
      secretHash: String,
      sockets: [socketSchema],
      muteUntil: Date,
      offlineGraceMinutes: Number,
      createdAt: Date,
    },
    opts,
  ).index({ householdId: 1, id: 1 }, { unique: true }),
  PairingCode: new Schema(
    {
      _id: String,
      householdId: { type: String, index: true },
      deviceName: String,
      expiresAt: Date,
      usedAt: Date,
    },
    opts,
  ),
  Gateway: new Schema({ _id: String, passwordHash: String, devices: [String] }, opts),
  Notification: new Schema(
    {
      _id: String,
      householdId: String,
      deviceId: String,
      alertname: String,
      status: String,
      summary: String,
      startsAt: Date,
      receivedAt: Date,
    },
    opts,
  ).index({ householdId: 1, receivedAt: -1 }),
};

type Doc = Record<string, unknown> & { _id?: unknown };
type Models = { [K in keyof typeof schemas]: Model<Doc> };

const dn = (v: unknown): Date | null => (v instanceof Date ? v : null);
const str = (v: unknown): string => String(v);

export class MongoStore implements AccountsStore {
  readonly kind = 'mongodb' as const;
  private constructor(
    private readonly conn: Connection,
    private readonly m: Models,
  ) {}

  static async connect(uri: string): Promise<MongoStore> {
    const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    const m = {} as Record<string, Model<Doc>>;
    for (const [name, schema] of Object.entries(schemas))
      m[name] = conn.model<Doc>(name, schema as Schema<Doc>);
    await Promise.all(Object.values(m).map((model) => model.syncIndexes()));
    return new MongoStore(conn, m as Models);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
  async ping(): Promise<void> {
    await this.conn.db?.admin().ping();
  }

  private user(r: Doc): User {
    return {
      id: str(r._id),
      email: str(r.email),
      passwordHash: str(r.passwordHash),
      disabled: r.disabled === true,
      createdAt: r.createdAt as Date,
    };
  }
  async createUser(u: { id: string; email: string; passwordHash: string }): Promise<User> {
    const createdAt = new Date();
    await this.m.User.create({
      _id: u.id,
      email: u.email,
      passwordHash: u.passwordHash,
      disabled: false,
      createdAt,
    });
    return { ...u, disabled: false, createdAt };
  }
  async userByEmail(email: string): Promise<User | undefined> {
    const r = await this.m.User.findOne({ email }).lean<Doc>();
    return r ? this.user(r) : undefined;
  }
  async userById(id: string): Promise<User | undefined> {
    const r = await this.m.User.findById(id).lean<Doc>();
    return r ? this.user(r) : undefined;
  }
  async setPasswordHash(userId: string, hash: string): Promise<void> {
    await this.m.User.updateOne({ _id: userId }, { passwordHash: hash });
  }
  async setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.m.User.updateOne({ _id: userId }, { disabled });
  }

  private household(r: Doc): Household {
    return {
      id: str(r._id),
      name: str(r.name),
      timeZone: str(r.timeZone),
      currency: str(r.currency),
      tariff: r.tariff ?? null,
      createdAt: r.createdAt as Date,
    };
  }
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
    return r ? this.household(r) : undefined;
  }
  async updateHousehold(
    id: string,
    patch: { name?: string; timeZone?: string; currency?: string; tariff?: unknown },
  ): Promise<void> {
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) set[k] = v;
    await this.m.Household.updateOne({ _id: id }, { $set: set });
  }
  async deleteHousehold(id: string): Promise<HouseholdDeletion> {
    const ms = await this.m.Membership.find({ householdId: id }).lean<Doc[]>();
    const userIds = ms.map((x) => str(x.userId));
    const devices = (await this.m.Device.deleteMany({ householdId: id })).deletedCount;
    const apiTokens = (await this.m.ApiToken.deleteMany({ householdId: id })).deletedCount;
    await this.m.RefreshToken.deleteMany({ userId: { $in: userIds } });
    await this.m.User.deleteMany({ _id: { $in: userIds } });
    await this.m.Membership.deleteMany({ householdId: id });
    await this.m.Invite.deleteMany({ householdId: id });
    await this.m.PairingCode.deleteMany({ householdId: id });
    await this.m.Notification.deleteMany({ householdId: id });
    await this.m.Household.deleteOne({ _id: id });
    return { users: userIds.length, devices, apiTokens };
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

  private refresh(r: Doc): RefreshToken {
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
    return r ? this.refresh(r) : undefined;
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

  private apiToken(r: Doc): ApiToken {
    return {
      id: str(r._id),
      householdId: str(r.householdId),
      name: str(r.name),
      tokenHash: str(r.tokenHash),
      createdAt: r.createdAt as Date,
    };
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
    return r ? this.apiToken(r) : undefined;
  }
  async apiTokens(householdId: string): Promise<ApiToken[]> {
    const rs = await this.m.ApiToken.find({ householdId }).sort({ createdAt: 1 }).lean<Doc[]>();
    return rs.map((r) => this.apiToken(r));
  }
  async deleteApiToken(householdId: string, id: string): Promise<boolean> {
    return (await this.m.ApiToken.deleteOne({ _id: id, householdId })).deletedCount === 1;
  }

  private toDevice(r: Doc): Device {
    return {
      id: str(r.id),
      householdId: str(r.householdId),
      name: str(r.name),
      secretHash: str(r.secretHash),
      sockets: ((r.sockets as SocketInfo[] | undefined) ?? []).map((x) => ({
        socket: x.socket,
        name: x.name,
        role: x.role,
      })),
      muteUntil: dn(r.muteUntil),
      offlineGraceMinutes: typeof r.offlineGraceMinutes === 'number' ? r.offlineGraceMinutes : null,
      createdAt: r.createdAt as Date,
    };
  }
  async createDevice(d: Omit<Device, 'muteUntil' | 'offlineGraceMinutes'>): Promise<Device> {
    await this.m.Device.create({ ...d, sockets: [...d.sockets], muteUntil: null, offlineGraceMinutes: null });
    return { ...d, muteUntil: null, offlineGraceMinutes: null };
  }
  async device(householdId: string, id: string): Promise<Device | undefined> {
    const r = await this.m.Device.findOne({ householdId, id }).lean<Doc>();
    return r ? this.toDevice(r) : undefined;
  }
  async devices(householdId: string): Promise<Device[]> {
    const rs = await this.m.Device.find({ householdId }).sort({ createdAt: 1, id: 1 }).lean<Doc[]>();
    return rs.map((r) => this.toDevice(r));
  }
  async deleteDevice(householdId: string, id: string): Promise<boolean> {
    return (await this.m.Device.deleteOne({ householdId, id })).deletedCount === 1;
  }
  async setDeviceSecretHash(householdId: string, id: string, secretHash: string): Promise<void> {
    await this.m.Device.updateOne({ householdId, id }, { secretHash });
  }
  async setSocket(householdId: string, deviceId: string, s: SocketInfo): Promise<boolean> {
    const d = await this.device(householdId, deviceId);
    if (!d) return false;
    const list = d.sockets
      .filter((x) => x.socket !== s.socket)
      .concat([s])
      .sort((a, b) => a.socket - b.socket);
    await this.setSockets(householdId, deviceId, list);
    return true;
  }
  async setSockets(householdId: string, deviceId: string, s: readonly SocketInfo[]): Promise<void> {
    await this.m.Device.updateOne({ householdId, id: deviceId }, { sockets: [...s] });
  }
  async setDeviceAlerts(
    householdId: string,
    deviceId: string,
    a: { muteUntil: Date | null; offlineGraceMinutes: number | null },
  ): Promise<boolean> {
    return (
      (
        await this.m.Device.updateOne(
          { householdId, id: deviceId },
          { muteUntil: a.muteUntil, offlineGraceMinutes: a.offlineGraceMinutes },
        )
      ).matchedCount === 1
    );
  }

  async createPairingCode(p: Omit<PairingCode, 'usedAt'>): Promise<void> {
    await this.m.PairingCode.create({
      _id: p.codeHash,
      householdId: p.householdId,
      deviceName: p.deviceName,
      expiresAt: p.expiresAt,
      usedAt: null,
    });
  }
  async takePairingCode(codeHash: string, at: Date): Promise<PairingCode | undefined> {
    const r = await this.m.PairingCode.findOneAndUpdate(
      { _id: codeHash, usedAt: null },
      { usedAt: at },
    ).lean<Doc>();
    return r
      ? {
          codeHash,
          householdId: str(r.householdId),
          deviceName: str(r.deviceName),
          expiresAt: r.expiresAt as Date,
          usedAt: at,
        }
      : undefined;
  }

  async upsertGateway(g: Gateway): Promise<void> {
    await this.m.Gateway.updateOne(
      { _id: g.name },
      { passwordHash: g.passwordHash, devices: [...g.devices] },
      { upsert: true },
    );
  }
  async gateway(name: string): Promise<Gateway | undefined> {
    const r = await this.m.Gateway.findById(name).lean<Doc>();
    return r
      ? { name, passwordHash: str(r.passwordHash), devices: (r.devices as string[]).map(String) }
      : undefined;
  }

  async addNotification(n: Notification): Promise<void> {
    await this.m.Notification.create({ _id: n.id, ...n });
  }
  async notifications(householdId: string, limit: number): Promise<Notification[]> {
    const rs = await this.m.Notification.find({ householdId })
      .sort({ receivedAt: -1 })
      .limit(limit)
      .lean<Doc[]>();
    return rs.map((r) => ({
      id: str(r._id),
      householdId: str(r.householdId),
      deviceId: typeof r.deviceId === 'string' ? r.deviceId : null,
      alertname: str(r.alertname),
      status: str(r.status),
      summary: str(r.summary),
      startsAt: r.startsAt as Date,
      receivedAt: r.receivedAt as Date,
    }));
  }
}
