/**
 * The OpenID Connect provider's records (api/src/oidc/): sessions, grants,
 * interactions, authorization codes, access and refresh tokens, kept in the
 * accounts store so a restart or a second API process sees every one of
 * them. The payload is the provider's own JSON, stored as text: the store
 * indexes only what the provider looks records up by.
 */
export interface OidcRecord {
  /** The provider's model name: Session, Grant, AccessToken, RefreshToken, ... */
  readonly kind: string;
  readonly id: string;
  readonly payload: string;
  readonly grantId: string | null;
  readonly uid: string | null;
  readonly userCode: string | null;
  readonly accountId: string | null;
  /** Null: kept until deleted. */
  readonly expiresAt: Date | null;
  readonly consumedAt: Date | null;
}

export type NewOidcRecord = Omit<OidcRecord, 'consumedAt'>;

export interface OidcStore {
  /** Inserts or replaces the record (kind, id); a replaced record is no longer consumed. */
  saveOidcRecord(r: NewOidcRecord): Promise<void>;
  /** The record unless it expired at `now`. */
  oidcRecord(kind: string, id: string, now: Date): Promise<OidcRecord | undefined>;
  oidcRecordByUid(kind: string, uid: string, now: Date): Promise<OidcRecord | undefined>;
  oidcRecordByUserCode(kind: string, userCode: string, now: Date): Promise<OidcRecord | undefined>;
  /** Marks it consumed (a code exchanged, a refresh token rotated); the first time only. */
  consumeOidcRecord(kind: string, id: string, at: Date): Promise<void>;
  deleteOidcRecord(kind: string, id: string): Promise<void>;
  /** The grant's records of one kind (the provider revokes a grant kind by kind). The count deleted. */
  deleteOidcGrant(kind: string, grantId: string): Promise<number>;
  /** Every record naming the account (its sessions, grants, tokens). The count deleted. */
  deleteOidcAccount(accountId: string): Promise<number>;
  /** Records that expired before `now`; the count deleted. */
  deleteExpiredOidcRecords(now: Date): Promise<number>;
}
