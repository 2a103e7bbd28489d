import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AccountsStore } from '../../src/store/accounts-store.js';

const id = (): string => randomUUID().replaceAll('-', '').slice(0, 16);

/**
 * One contract for every AccountsStore adapter: same cases, no special ones,
 * grouped by the record kind (port) they exercise.
 */
export function storeContract(name: string, open: () => Promise<AccountsStore>): void {
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

  async function household(s: AccountsStore): Promise<{ hh: string; user: string; email: string }> {
    const hh = id();
    const user = id();
    const email = `${user}@example.com`;
    await s.createHousehold({ id: hh, name: 'Home', timeZone: 'Europe/Berlin', currency: 'EUR' });
    await s.createUser({ id: user, email, passwordHash: 'h' });
    await s.addMembership({ userId: user, householdId: hh, role: 'owner' });
    return { hh, user, email };
  }

  describe(`${name}: accounts and sessions`, () => {
    withStore('users are found by email and id; emails are unique', async (s) => {
      const { user, email } = await household(s);
      assert.equal((await s.userByEmail(email))?.id, user);
      assert.equal((await s.userById(user))?.email, email);
      await assert.rejects(async () => s.createUser({ id: id(), email, passwordHash: 'x' }));
      await s.setPasswordHash(user, 'new');
      assert.equal((await s.userById(user))?.passwordHash, 'new');
      await s.setUserDisabled(user, true);
      assert.equal((await s.userById(user))?.disabled, true);
    });

    withStore('a refresh token is used once; revoking the family revokes all', async (s) => {
      const { user } = await household(s);
      const fam = id();
      const t = {
        id: id(),
        familyId: fam,
        userId: user,
        tokenHash: id(),
        expiresAt: new Date(Date.now() + 60_000),
      };
      await s.createRefreshToken(t);
      assert.equal((await s.refreshTokenByHash(t.tokenHash))?.usedAt, null);
      assert.equal(await s.markRefreshTokenUsed(t.id, new Date()), true);
      assert.equal(await s.markRefreshTokenUsed(t.id, new Date()), false);
      await s.revokeFamily(fam, new Date());
      assert.ok((await s.refreshTokenByHash(t.tokenHash))?.revokedAt instanceof Date);
    });
  });

  describe(`${name}: households, members, invites and tokens`, () => {
    withStore('households keep their tariff', async (s) => {
      const { hh } = await household(s);
      await s.updateHousehold(hh, { tariff: { currency: 'EUR', periods: [] }, timeZone: 'Asia/Tokyo' });
      const h = await s.householdById(hh);
      assert.deepEqual(h?.tariff, { currency: 'EUR', periods: [] });
      assert.equal(h?.timeZone, 'Asia/Tokyo');
      assert.equal(await s.householdById(id()), undefined);
    });

    withStore('a membership names the household and the role; the role changes only there', async (s) => {
      const { user, hh } = await household(s);
      assert.deepEqual(await s.membershipOf(user), { userId: user, householdId: hh, role: 'owner' });
      assert.equal(await s.setRole(user, hh, 'viewer'), true);
      assert.equal((await s.membershipOf(user))?.role, 'viewer');
      assert.equal(await s.setRole(user, id(), 'owner'), false);
    });

    withStore('invites are single use', async (s) => {
      const { hh } = await household(s);
      const inv = {
        id: id(),
        householdId: hh,
        role: 'viewer' as const,
        tokenHash: id(),
        expiresAt: new Date(Date.now() + 60_000),
      };
      await s.createInvite(inv);
      assert.equal((await s.inviteByHash(inv.tokenHash))?.role, 'viewer');
      assert.equal(await s.markInviteUsed(inv.id, new Date()), true);
      assert.equal(await s.markInviteUsed(inv.id, new Date()), false);
    });

    withStore('api tokens are found by hash and deleted only by their household', async (s) => {
      const { hh } = await household(s);
      const t = { id: id(), householdId: hh, name: 'grafana', tokenHash: id(), createdAt: new Date() };
      await s.createApiToken(t);
      assert.equal((await s.apiTokenByHash(t.tokenHash))?.householdId, hh);
      assert.equal(await s.deleteApiToken(id(), t.id), false);
      assert.equal(await s.deleteApiToken(hh, t.id), true);
    });
  });

  describe(`${name}: devices, pairing codes and gateways`, () => {
    withStore('devices belong to one household; sockets and alerts are kept', async (s) => {
      const a = await household(s);
      const b = await household(s);
      await s.createDevice({
        id: 'pi',
        householdId: a.hh,
        name: 'Pi',
        secretHash: 'x',
        sockets: [],
        createdAt: new Date(),
      });
      assert.equal(await s.device(b.hh, 'pi'), undefined);
      assert.equal(await s.deleteDevice(b.hh, 'pi'), false);
      assert.equal(await s.setSocket(a.hh, 'pi', { socket: 2, name: 'Kettle', role: 'socket' }), true);
      assert.equal(await s.setSocket(a.hh, 'pi', { socket: 1, name: 'Fridge', role: 'socket' }), true);
      assert.deepEqual(
        (await s.device(a.hh, 'pi'))?.sockets.map((x) => x.name),
        ['Fridge', 'Kettle'],
      );
      const mute = new Date(Date.now() + 3_600_000);
      assert.equal(await s.setDeviceAlerts(a.hh, 'pi', { muteUntil: mute, offlineGraceMinutes: 30 }), true);
      const d = await s.device(a.hh, 'pi');
      assert.equal(d?.muteUntil?.getTime(), mute.getTime());
      assert.equal(d?.offlineGraceMinutes, 30);
      assert.equal((await s.devices(a.hh)).length, 1);
      assert.equal(await s.deleteDevice(a.hh, 'pi'), true);
    });

    withStore(
      'a secret rotates only from the one it replaces; the previous one is kept with its time',
      async (s) => {
        const { hh } = await household(s);
        await s.createDevice({
          id: 'pi',
          householdId: hh,
          name: 'Pi',
          secretHash: 'one',
          sockets: [],
          createdAt: new Date(),
        });
        assert.equal((await s.device(hh, 'pi'))?.previousSecret, undefined);
        const until = new Date(Date.now() + 86_400_000);
        assert.equal(
          await s.rotateDeviceSecret(hh, 'pi', { from: 'one', to: 'two', previous: { hash: 'one', until } }),
          true,
        );
        const d = await s.device(hh, 'pi');
        assert.equal(d?.secretHash, 'two');
        assert.equal(d?.previousSecret?.hash, 'one');
        assert.equal(d?.previousSecret?.until.getTime(), until.getTime());
        // A second rotation from the old secret lost the race: nothing changes.
        assert.equal(
          await s.rotateDeviceSecret(hh, 'pi', { from: 'one', to: 'three', previous: null }),
          false,
        );
        assert.equal((await s.device(hh, 'pi'))?.secretHash, 'two');
        assert.equal(await s.rotateDeviceSecret(hh, 'pi', { from: 'two', to: 'four', previous: null }), true);
        assert.equal((await s.device(hh, 'pi'))?.previousSecret, undefined);
        assert.equal(await s.rotateDeviceSecret(hh, 'gone', { from: 'x', to: 'y', previous: null }), false);
      },
    );

    withStore('pairing codes are single use', async (s) => {
      const { hh } = await household(s);
      const code = id();
      await s.createPairingCode({
        codeHash: code,
        householdId: hh,
        deviceName: 'Pi',
        expiresAt: new Date(Date.now() + 60_000),
      });
      assert.equal((await s.takePairingCode(code, new Date()))?.deviceName, 'Pi');
      assert.equal(await s.takePairingCode(code, new Date()), undefined);
    });

    withStore('a gateway is replaced by name', async (s) => {
      const gw = `gw-${id()}`;
      await s.upsertGateway({ name: gw, passwordHash: 'p', devices: ['a.b'] });
      await s.upsertGateway({ name: gw, passwordHash: 'q', devices: ['a.b', 'a.c'] });
      assert.deepEqual(await s.gateway(gw), { name: gw, passwordHash: 'q', devices: ['a.b', 'a.c'] });
    });
  });

  describe(`${name}: notifications`, () => {
    withStore('notifications are listed per household', async (s) => {
      const { hh } = await household(s);
      const at = new Date();
      const n = {
        id: id(),
        householdId: hh,
        deviceId: 'pi',
        alertname: 'DeviceOffline',
        status: 'firing',
        summary: 's',
        startsAt: at,
        receivedAt: at,
        fingerprint: 'f1',
      };
      assert.equal(await s.addNotification(n), true);
      assert.equal((await s.notifications(hh, 10))[0]?.alertname, 'DeviceOffline');
      assert.equal((await s.notifications(hh, 10))[0]?.fingerprint, 'f1');
    });

    withStore('a notification is kept once per (fingerprint, startsAt, status)', async (s) => {
      const { hh } = await household(s);
      const at = new Date(Date.now() - 60_000);
      const n = (over: { status?: string; startsAt?: Date; fingerprint?: string }) => ({
        id: id(),
        householdId: hh,
        deviceId: 'pi',
        alertname: 'DeviceOffline',
        status: over.status ?? 'firing',
        summary: 's',
        startsAt: over.startsAt ?? at,
        receivedAt: new Date(),
        fingerprint: over.fingerprint ?? 'f1',
      });
      assert.equal(await s.addNotification(n({})), true);
      assert.equal(await s.addNotification(n({})), false, 'a repeat');
      assert.equal(await s.addNotification(n({ status: 'resolved' })), true);
      assert.equal(await s.addNotification(n({ status: 'resolved' })), false);
      assert.equal(
        await s.addNotification(n({ startsAt: new Date() })),
        true,
        'the same alert, firing again',
      );
      assert.equal(await s.addNotification(n({ fingerprint: 'f2' })), true, 'another alert');
      assert.equal((await s.notifications(hh, 10)).length, 4);
      assert.equal(await s.hasNotification(hh, { fingerprint: 'f1', startsAt: at, status: 'firing' }), true);
      assert.equal(await s.hasNotification(hh, { fingerprint: 'f3', startsAt: at, status: 'firing' }), false);
      const other = await household(s);
      assert.equal(
        await s.hasNotification(other.hh, { fingerprint: 'f1', startsAt: at, status: 'firing' }),
        false,
      );
    });

    withStore("read and unread are each member's own", async (s) => {
      const { hh, user } = await household(s);
      const second = id();
      await s.createUser({ id: second, email: `${second}@example.com`, passwordHash: 'h' });
      await s.addMembership({ userId: second, householdId: hh, role: 'member' });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const at = new Date(Date.now() - (3 - i) * 60_000);
        const n = {
          id: id(),
          householdId: hh,
          deviceId: 'pi',
          alertname: 'DeviceOffline',
          status: 'firing',
          summary: 's',
          startsAt: at,
          receivedAt: at,
          fingerprint: `f${i}`,
        };
        await s.addNotification(n);
        ids.push(n.id);
      }
      const other = await household(s);
      const foreign = { ...(await s.notifications(hh, 1))[0]!, id: id(), householdId: other.hh };
      await s.addNotification(foreign);
      assert.equal(await s.unreadNotifications(hh, user), 3);
      await s.markNotificationsRead(hh, user, [ids[0]!, ids[0]!, foreign.id, 'no-such-id']);
      assert.equal(await s.unreadNotifications(hh, user), 2);
      assert.equal(await s.unreadNotifications(hh, second), 3, 'another member still has it unread');
      assert.equal(await s.unreadNotifications(other.hh, other.user), 1, 'another household untouched');
      const seen = await s.memberNotifications(hh, user, 10);
      assert.deepEqual(
        seen.map((n) => [n.id, n.read]),
        [
          [ids[2], false],
          [ids[1], false],
          [ids[0], true],
        ],
      );
      await s.markNotificationsRead(hh, user);
      assert.equal(await s.unreadNotifications(hh, user), 0);
      assert.ok((await s.memberNotifications(hh, user, 10)).every((n) => n.read));
      assert.ok((await s.memberNotifications(hh, second, 10)).every((n) => !n.read));
      await s.markNotificationsRead(hh, user);
      assert.equal(await s.unreadNotifications(hh, user), 0, 'marking again changes nothing');
    });

    withStore('each member switches alert mails off and on', async (s) => {
      const { hh, user, email } = await household(s);
      const second = id();
      await s.createUser({ id: second, email: `${second}@example.com`, passwordHash: 'h' });
      await s.addMembership({ userId: second, householdId: hh, role: 'viewer' });
      assert.equal(await s.alertMails(user), true, 'on by default');
      assert.deepEqual(
        (await s.alertMailRecipients(hh)).map((r) => r.email).sort(),
        [email, `${second}@example.com`].sort(),
      );
      assert.equal(await s.setAlertMails(user, false), true);
      assert.equal(await s.alertMails(user), false);
      assert.deepEqual(await s.alertMailRecipients(hh), [{ userId: second, email: `${second}@example.com` }]);
      assert.equal(await s.setAlertMails(user, true), true);
      assert.equal((await s.alertMailRecipients(hh)).length, 2);
      assert.equal(await s.setAlertMails(id(), false), false, 'no such user');
    });
  });

  describe(`${name}: across kinds`, () => {
    withStore('deleting a household deletes its accounts and devices', async (s) => {
      const { hh, user, email } = await household(s);
      await s.createDevice({
        id: 'pi',
        householdId: hh,
        name: 'Pi',
        secretHash: 'x',
        sockets: [],
        createdAt: new Date(),
      });
      const out = await s.deleteHousehold(hh);
      assert.deepEqual(out, { users: 1, devices: 1, apiTokens: 0 });
      assert.equal(await s.userByEmail(email), undefined);
      assert.equal(await s.membershipOf(user), undefined);
      assert.equal(await s.householdById(hh), undefined);
    });
  });
}
