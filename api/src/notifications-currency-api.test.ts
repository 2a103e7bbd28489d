/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import request from 'supertest';
import { buildApp } from './app.js';
import { register, testDeps } from './test-support/test-deps.js';

const deps = testDeps();
const app = buildApp(deps);
const http = () => request(app.callback());
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An owner and a member of one household. */
async function household(): Promise<{ householdId: string; owner: string; member: string; viewer: string }> {
  const o = await register(app);
  const join = async (role: 'member' | 'viewer'): Promise<string> => {
    const inv = await http()
      .post('/api/v1/household/invites')
      .set(bearer(o.accessToken))
      .send({ role })
      .expect(201);
    const a = await http()
      .post('/api/v1/auth/accept-invite')
      .send({
        token: inv.body.token,
        email: `${role}-${randomUUID()}@example.com`,
        password: 'a long passphrase',
      })
      .expect(201);
    return a.body.accessToken as string;
  };
  return {
    householdId: o.householdId,
    owner: o.accessToken,
    member: await join('member'),
    viewer: await join('viewer'),
  };
}

async function alert(householdId: string, fingerprint: string, minutesAgo: number): Promise<string> {
  const at = new Date(Date.now() - minutesAgo * 60_000);
  const id = randomUUID();
  await deps.store.addNotification({
    id,
    householdId,
    deviceId: 'pi',
    alertname: 'DeviceOffline',
    status: 'firing',
    summary: 'Pi is offline',
    startsAt: at,
    receivedAt: at,
    fingerprint,
  });
  return id;
}

test("notifications: read and unread are each member's own; marking takes ids or all", async () => {
  const hh = await household();
  const first = await alert(hh.householdId, 'a', 3);
  const second = await alert(hh.householdId, 'b', 2);
  const third = await alert(hh.householdId, 'c', 1);
  type Listed = { unread: number; notifications: { id: string; read: boolean }[] };
  const list = async (token: string): Promise<Listed> =>
    (await http().get('/api/v1/notifications').set(bearer(token)).expect(200)).body as Listed;

  const before = await list(hh.owner);
  assert.equal(before.unread, 3);
  assert.deepEqual(
    before.notifications.map((n) => [n.id, n.read]),
    [
      [third, false],
      [second, false],
      [first, false],
    ],
  );

  await http()
    .post('/api/v1/notifications/read')
    .set(bearer(hh.owner))
    .send({ ids: [first] })
    .expect(204);
  const owner = await list(hh.owner);
  assert.equal(owner.unread, 2);
  assert.equal(owner.notifications.find((n) => n.id === first)?.read, true);
  assert.equal((await list(hh.member)).unread, 3, "the owner's reading leaves the member's unread");

  // A viewer reads too: marking read changes nothing but the caller's own view.
  await http().post('/api/v1/notifications/read').set(bearer(hh.viewer)).expect(204);
  assert.equal((await list(hh.viewer)).unread, 0, 'no body: all of them');
  assert.equal((await list(hh.owner)).unread, 2);

  // Another household's ids are ignored, not marked.
  const other = await household();
  await http()
    .post('/api/v1/notifications/read')
    .set(bearer(other.owner))
    .send({ ids: [second, third] })
    .expect(204);
  assert.equal((await list(hh.owner)).unread, 2);

  const refused: [unknown, string][] = [
    [{ ids: 'x' }, 'validation_failed'],
    [{ ids: [1] }, 'validation_failed'],
    [{ ids: [''] }, 'validation_failed'],
    [{ ids: Array(101).fill('x') }, 'validation_failed'],
    [{ all: true }, 'unknown_field'],
  ];
  for (const [bad, code] of refused) {
    const r = await http()
      .post('/api/v1/notifications/read')
      .set(bearer(hh.owner))
      .send(bad as object)
      .expect(400);
    assert.equal(r.body.error.code, code, JSON.stringify(bad));
  }
  const r = await http()
    .post('/api/v1/notifications/read')
    .set(bearer(hh.owner))
    .set('content-type', 'application/json')
    .send('{')
    .expect(400);
  assert.equal(r.body.error.code, 'invalid_json');
  await http().post('/api/v1/notifications/read').send({}).expect(401);
  assert.equal((await list(hh.owner)).unread, 2, 'refused requests marked nothing');
});

test('currency: the owner sets it with the tariff, validated against ISO 4217; members set prices only', async () => {
  const hh = await household();
  const periods = [{ from: '2024-01-01', pricePerKwh: 0.25 }];
  const put = (token: string, body: object) =>
    http().put('/api/v1/household/tariff').set(bearer(token)).send(body);
  const currencyNow = async (): Promise<string> =>
    (await http().get('/api/v1/me').set(bearer(hh.member)).expect(200)).body.household.currency as string;
  assert.equal(await currencyNow(), 'EUR');

  const set = await put(hh.owner, { periods, currency: 'CHF' }).expect(200);
  assert.deepEqual(set.body, { currency: 'CHF', tariff: { periods } });
  assert.equal(await currencyNow(), 'CHF');
  const got = await http().get('/api/v1/household/tariff').set(bearer(hh.member)).expect(200);
  assert.equal(got.body.currency, 'CHF');

  const refused: [object, string][] = [
    [{ periods, currency: 'chf' }, 'validation_failed'],
    [{ periods, currency: 'EURO' }, 'validation_failed'],
    [{ periods, currency: 'XYZ' }, 'validation_failed'], // three letters, but no ISO 4217 code
    [{ periods, currency: 7 }, 'validation_failed'],
    [{ periods, currency: 'GBP', locale: 'en' }, 'unknown_field'],
  ];
  for (const [body, code] of refused) {
    const r = await put(hh.owner, body).expect(400);
    assert.equal(r.body.error.code, code, JSON.stringify(body));
  }

  // A member changes prices, not the currency; the same currency again is no change.
  const forbidden = await put(hh.member, { periods, currency: 'USD' }).expect(403);
  assert.equal(forbidden.body.error.code, 'forbidden');
  await put(hh.member, { periods, currency: 'CHF' }).expect(200);
  const priced = await put(hh.member, { periods: [{ from: '2024-01-01', pricePerKwh: 0.3 }] }).expect(200);
  assert.equal(priced.body.currency, 'CHF', 'a tariff without a currency keeps it');
  await put(hh.viewer, { periods, currency: 'CHF' }).expect(403);
  assert.equal(await currencyNow(), 'CHF', 'refused requests changed nothing');
  const kept = await http().get('/api/v1/household/tariff').set(bearer(hh.owner)).expect(200);
  assert.equal(kept.body.tariff.periods[0].pricePerKwh, 0.3);
});
