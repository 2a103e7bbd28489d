import type { NewOidcRecord, OidcRecord, OidcStore } from '../ports/oidc-store.js';
import { dn, str, type Doc, type Models } from './models.js';

const sn = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toRecord(r: Doc): OidcRecord {
  return {
    kind: str(r.kind),
    id: str(r.id),
    payload: str(r.payload),
    grantId: sn(r.grantId),
    uid: sn(r.uid),
    userCode: sn(r.userCode),
    accountId: sn(r.accountId),
    expiresAt: dn(r.expiresAt),
    consumedAt: dn(r.consumedAt),
  };
}

const live = (now: Date) => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });

/** The OpenID Connect provider's records in MongoDB (collection of OidcRecord). */
export class MongoOidc implements OidcStore {
  constructor(private readonly m: Models) {}

  async saveOidcRecord(r: NewOidcRecord): Promise<void> {
    await this.m.OidcRecord.replaceOne(
      { kind: r.kind, id: r.id },
      { ...r, consumedAt: null },
      { upsert: true },
    );
  }
  async oidcRecord(kind: string, id: string, now: Date): Promise<OidcRecord | undefined> {
    const r = await this.m.OidcRecord.findOne({ kind, id, ...live(now) }).lean<Doc>();
    return r ? toRecord(r) : undefined;
  }
  async oidcRecordByUid(kind: string, uid: string, now: Date): Promise<OidcRecord | undefined> {
    const r = await this.m.OidcRecord.findOne({ kind, uid, ...live(now) }).lean<Doc>();
    return r ? toRecord(r) : undefined;
  }
  async oidcRecordByUserCode(kind: string, userCode: string, now: Date): Promise<OidcRecord | undefined> {
    const r = await this.m.OidcRecord.findOne({ kind, userCode, ...live(now) }).lean<Doc>();
    return r ? toRecord(r) : undefined;
  }
  async consumeOidcRecord(kind: string, id: string, at: Date): Promise<void> {
    await this.m.OidcRecord.updateOne({ kind, id, consumedAt: null }, { consumedAt: at });
  }
  async deleteOidcRecord(kind: string, id: string): Promise<void> {
    await this.m.OidcRecord.deleteOne({ kind, id });
  }
  async deleteOidcGrant(kind: string, grantId: string): Promise<number> {
    return (await this.m.OidcRecord.deleteMany({ kind, grantId })).deletedCount;
  }
  async deleteOidcAccount(accountId: string): Promise<number> {
    return (await this.m.OidcRecord.deleteMany({ accountId })).deletedCount;
  }
  async deleteExpiredOidcRecords(now: Date): Promise<number> {
    return (await this.m.OidcRecord.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
