import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AccountsStore, NewOidcRecord } from '../../src/store/accounts-store.js';

const id = (): string => randomUUID().replaceAll('-', '').slice(0, 16);

/** The OpenID Connect provider's records (port store/ports/oidc-store.ts), for every adapter. */
export function oidcStoreContract(name: string, open: () => Promise<AccountsStore>): void {
  const withStore = (title: string, fn: (s: AccountsStore) => Promise<void>): void => {
    test(title, async () => {
      const s = await open();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });
  };
  const now = new Date();
  const later = new Date(now.getTime() + 60_000);
  const record = (o: Partial<NewOidcRecord> = {}): NewOidcRecord => ({
    kind: 'AccessToken',
    id: id(),
    payload: JSON.stringify({ jti: 'x' }),
    grantId: null,
    uid: null,
    userCode: null,
    accountId: null,
    expiresAt: later,
    ...o,
  });

  describe(`${name}: OpenID Connect records`, () => {
    withStore('a record is found by kind and id until it expires; saving again replaces it', async (s) => {
      const r = record();
      await s.saveOidcRecord(r);
      assert.equal((await s.oidcRecord('AccessToken', r.id, now))?.payload, r.payload);
      assert.equal(await s.oidcRecord('RefreshToken', r.id, now), undefined);
      assert.equal(await s.oidcRecord('AccessToken', r.id, new Date(later.getTime() + 1)), undefined);
      await s.saveOidcRecord({ ...r, payload: '{"jti":"y"}', expiresAt: null });
      const again = await s.oidcRecord('AccessToken', r.id, new Date(later.getTime() + 1));
      assert.equal(again?.payload, '{"jti":"y"}');
      assert.equal(again?.expiresAt, null);
    });

    withStore('sessions by uid, device codes by user code', async (s) => {
      const session = record({ kind: 'Session', uid: id() });
      const device = record({ kind: 'DeviceCode', userCode: id() });
      await s.saveOidcRecord(session);
      await s.saveOidcRecord(device);
      assert.equal((await s.oidcRecordByUid('Session', session.uid ?? '', now))?.id, session.id);
      assert.equal(await s.oidcRecordByUid('Grant', session.uid ?? '', now), undefined);
      assert.equal((await s.oidcRecordByUserCode('DeviceCode', device.userCode ?? '', now))?.id, device.id);
    });

    withStore('consuming marks the first time only', async (s) => {
      const r = record({ kind: 'AuthorizationCode' });
      await s.saveOidcRecord(r);
      assert.equal((await s.oidcRecord(r.kind, r.id, now))?.consumedAt, null);
      const first = new Date(now.getTime() - 1000);
      await s.consumeOidcRecord(r.kind, r.id, first);
      await s.consumeOidcRecord(r.kind, r.id, now);
      assert.equal((await s.oidcRecord(r.kind, r.id, now))?.consumedAt?.getTime(), first.getTime());
    });

    withStore('revoking a grant kind by kind deletes that kind of it and nothing else', async (s) => {
      const grantId = id();
      const tokens = [record({ grantId }), record({ grantId })];
      const refresh = record({ kind: 'RefreshToken', grantId });
      const other = record({ grantId: id() });
      for (const r of [...tokens, refresh, other]) await s.saveOidcRecord(r);
      assert.equal(await s.deleteOidcGrant('AccessToken', grantId), 2);
      for (const r of tokens) assert.equal(await s.oidcRecord(r.kind, r.id, now), undefined);
      assert.ok(await s.oidcRecord(refresh.kind, refresh.id, now));
      assert.ok(await s.oidcRecord(other.kind, other.id, now));
      assert.equal(await s.deleteOidcGrant('RefreshToken', grantId), 1);
    });

    withStore('an account’s records go with it; expired records are swept', async (s) => {
      const accountId = id();
      const a = record({ kind: 'Session', accountId });
      const old = record({ expiresAt: new Date(now.getTime() - 1000) });
      await s.saveOidcRecord(a);
      await s.saveOidcRecord(old);
      assert.equal(await s.deleteOidcAccount(accountId), 1);
      assert.equal(await s.oidcRecord('Session', a.id, now), undefined);
      assert.ok((await s.deleteExpiredOidcRecords(now)) >= 1);
      assert.equal(await s.oidcRecord(old.kind, old.id, new Date(0)), undefined);
    });

    withStore('deleting a record deletes that one', async (s) => {
      const r = record({ kind: 'Interaction' });
      await s.saveOidcRecord(r);
      await s.deleteOidcRecord(r.kind, r.id);
      assert.equal(await s.oidcRecord(r.kind, r.id, now), undefined);
    });

    withStore('a display name stands in for the e-mail once set', async (s) => {
      const user = id();
      const email = `${user}@example.com`;
      assert.equal((await s.createUser({ id: user, email, passwordHash: 'h' })).displayName, email);
      assert.equal((await s.userById(user))?.displayName, email);
      await s.setDisplayName(user, 'Ada');
      assert.equal((await s.userById(user))?.displayName, 'Ada');
      await s.setDisplayName(user, null);
      assert.equal((await s.userByEmail(email))?.displayName, email);
    });
  });
}
