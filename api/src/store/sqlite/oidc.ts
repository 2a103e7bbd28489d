import type { NewOidcRecord, OidcRecord, OidcStore } from '../ports/oidc-store.js';
import { dn, s, type Row, type SqliteDb } from './db.js';

const sn = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toRecord(r: Row): OidcRecord {
  return {
    kind: s(r.kind),
    id: s(r.id),
    payload: s(r.payload),
    grantId: sn(r.grant_id),
    uid: sn(r.uid),
    userCode: sn(r.user_code),
    accountId: sn(r.account_id),
    expiresAt: dn(r.expires_at),
    consumedAt: dn(r.consumed_at),
  };
}

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

/** The OpenID Connect provider's records in SQLite (table oidc_records). */
export class SqliteOidc implements OidcStore {
  constructor(private readonly db: SqliteDb) {}

  saveOidcRecord(r: NewOidcRecord): Promise<void> {
    this.db.run(
      `INSERT OR REPLACE INTO oidc_records
         (kind, id, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      r.kind,
      r.id,
      r.payload,
      r.grantId,
      r.uid,
      r.userCode,
      r.accountId,
      r.expiresAt?.getTime() ?? null,
    );
    return Promise.resolve();
  }
  oidcRecord(kind: string, id: string, now: Date): Promise<OidcRecord | undefined> {
    const r = this.db.get(
      `SELECT * FROM oidc_records WHERE kind = ? AND id = ? AND ${LIVE}`,
      kind,
      id,
      now.getTime(),
    );
    return Promise.resolve(r && toRecord(r));
  }
  oidcRecordByUid(kind: string, uid: string, now: Date): Promise<OidcRecord | undefined> {
    const r = this.db.get(
      `SELECT * FROM oidc_records WHERE kind = ? AND uid = ? AND ${LIVE}`,
      kind,
      uid,
      now.getTime(),
    );
    return Promise.resolve(r && toRecord(r));
  }
  oidcRecordByUserCode(kind: string, userCode: string, now: Date): Promise<OidcRecord | undefined> {
    const r = this.db.get(
      `SELECT * FROM oidc_records WHERE kind = ? AND user_code = ? AND ${LIVE}`,
      kind,
      userCode,
      now.getTime(),
    );
    return Promise.resolve(r && toRecord(r));
  }
  consumeOidcRecord(kind: string, id: string, at: Date): Promise<void> {
    this.db.run(
      'UPDATE oidc_records SET consumed_at = ? WHERE kind = ? AND id = ? AND consumed_at IS NULL',
      at.getTime(),
      kind,
      id,
    );
    return Promise.resolve();
  }
  deleteOidcRecord(kind: string, id: string): Promise<void> {
    this.db.run('DELETE FROM oidc_records WHERE kind = ? AND id = ?', kind, id);
    return Promise.resolve();
  }
  deleteOidcGrant(kind: string, grantId: string): Promise<number> {
    return Promise.resolve(
      this.db.run('DELETE FROM oidc_records WHERE kind = ? AND grant_id = ?', kind, grantId),
    );
  }
  deleteOidcAccount(accountId: string): Promise<number> {
    return Promise.resolve(this.db.run('DELETE FROM oidc_records WHERE account_id = ?', accountId));
  }
  deleteExpiredOidcRecords(now: Date): Promise<number> {
    return Promise.resolve(this.db.run('DELETE FROM oidc_records WHERE expires_at <= ?', now.getTime()));
  }
}
