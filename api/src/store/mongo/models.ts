import mongoose, { Schema, type Connection, type Model } from 'mongoose';

/*
 * The MongoDB collections of every record kind. Indexes live in the schemas;
 * single-use things (refresh tokens, invites, pairing codes) are taken with
 * one conditional update so two racing requests cannot both win.
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
      // Absent on accounts from before preferences: mails are on unless switched off.
      alertMails: Boolean,
      // Absent until set: the e-mail stands in (the OpenID Connect `name` claim).
      displayName: String,
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
      previousSecretHash: String,
      previousSecretUntil: Date,
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
  // The OpenID Connect provider's records; MongoDB's TTL monitor removes the expired ones.
  OidcRecord: new Schema(
    {
      kind: String,
      id: String,
      payload: String,
      grantId: { type: String, index: { sparse: true } },
      uid: String,
      userCode: String,
      accountId: { type: String, index: { sparse: true } },
      expiresAt: { type: Date, index: { expireAfterSeconds: 0 } },
      consumedAt: Date,
    },
    opts,
  )
    .index({ kind: 1, id: 1 }, { unique: true })
    .index({ kind: 1, uid: 1 }, { sparse: true })
    .index({ kind: 1, userCode: 1 }, { sparse: true }),
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
      fingerprint: String,
      // The members who read it: read or unread is each member's own.
      readBy: { type: [String], default: undefined },
    },
    opts,
  )
    .index({ householdId: 1, receivedAt: -1 })
    // One row per firing and per resolution, however often Alertmanager repeats it.
    .index(
      { householdId: 1, fingerprint: 1, startsAt: 1, status: 1 },
      { unique: true, partialFilterExpression: { fingerprint: { $type: 'string' } } },
    ),
};

export type Doc = Record<string, unknown> & { _id?: unknown };
export type Models = { [K in keyof typeof schemas]: Model<Doc> };

export const dn = (v: unknown): Date | null => (v instanceof Date ? v : null);
export const str = (v: unknown): string => String(v);

/** One connection with every model registered and its indexes in place. */
export async function connectModels(uri: string): Promise<{ conn: Connection; m: Models }> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const m = {} as Record<string, Model<Doc>>;
  for (const [name, schema] of Object.entries(schemas))
    m[name] = conn.model<Doc>(name, schema as Schema<Doc>);
  await Promise.all(Object.values(m).map((model) => model.syncIndexes()));
  return { conn, m: m as Models };
}
