import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OidcStore } from '../store/accounts-store.js';

/** How often expired records are swept, at most (on a write). */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * oidc-provider's persistence over the accounts store (port
 * store/ports/oidc-store.ts): one class per model name, as the library
 * wants. What the provider looks records up by besides the id — the grant
 * (revocation), the session uid, the device user code, the account — is
 * stored beside the JSON so the store can index it.
 */
export function storeAdapter(store: OidcStore, now: () => Date = () => new Date()) {
  let lastSweep = 0;
  const sweep = (): void => {
    const t = now().getTime();
    if (t - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = t;
    void store.deleteExpiredOidcRecords(now()).catch(() => undefined);
  };

  return class StoreAdapter implements Adapter {
    constructor(readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await store.saveOidcRecord({
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        userCode: payload.userCode ?? null,
        accountId: payload.accountId ?? null,
        expiresAt: expiresIn ? new Date(now().getTime() + expiresIn * 1000) : null,
      });
      sweep();
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      return payloadOf(await store.oidcRecord(this.kind, id, now()));
    }
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return payloadOf(await store.oidcRecordByUid(this.kind, uid, now()));
    }
    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return payloadOf(await store.oidcRecordByUserCode(this.kind, userCode, now()));
    }
    async consume(id: string): Promise<void> {
      await store.consumeOidcRecord(this.kind, id, now());
    }
    async destroy(id: string): Promise<void> {
      await store.deleteOidcRecord(this.kind, id);
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      await store.deleteOidcGrant(this.kind, grantId);
    }
  };
}

function payloadOf(r: { payload: string; consumedAt: Date | null } | undefined): AdapterPayload | undefined {
  if (!r) return undefined;
  const p = JSON.parse(r.payload) as AdapterPayload;
  // The provider refuses a consumed code or a rotated refresh token by this field.
  return r.consumedAt ? { ...p, consumed: Math.floor(r.consumedAt.getTime() / 1000) } : p;
}
