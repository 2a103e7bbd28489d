/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { buildApp } from '../app.js';
import { sha256 } from '../auth/secrets.js';
import type { AppDeps } from '../deps.js';
import { register, testDeps } from '../test-support/test-deps.js';
import {
  GrafanaError,
  NoGrafana,
  type GrafanaHousehold,
  type GrafanaProvisioner,
  type HouseholdForGrafana,
} from './grafana-provisioner.js';

/**
 * An in-memory stand-in for the GrafanaProvisioner port (not for Grafana):
 * it records what the route hands over, so these tests check the route's
 * side (roles, tokens, answers). HttpGrafana's side is the contract suite.
 */
class RecordingGrafana implements GrafanaProvisioner {
  readonly configured = true;
  readonly calls: { h: HouseholdForGrafana; token: string }[] = [];
  readonly orgs = new Set<string>();
  fail: GrafanaError | undefined;
  provisionHousehold(h: HouseholdForGrafana, token: string): Promise<GrafanaHousehold> {
    if (this.fail) return Promise.reject(this.fail);
    this.calls.push({ h, token });
    this.orgs.add(h.id);
    return Promise.resolve({
      url: `http://grafana.test/d/energy-household?orgId=3`,
      orgId: 3,
      dashboardUid: 'energy-household',
    });
  }
  deleteHousehold(id: string): Promise<{ deleted: boolean }> {
    if (this.fail) return Promise.reject(this.fail);
    return Promise.resolve({ deleted: this.orgs.delete(id) });
  }
}

function setup(grafana?: GrafanaProvisioner): { deps: AppDeps; app: ReturnType<typeof buildApp> } {
  const base = testDeps();
  // Deleting a household deletes its series first; no VictoriaMetrics is needed for these tests.
  const deps: AppDeps = {
    ...base,
    grafana,
    vm: Object.assign(Object.create(base.vm) as typeof base.vm, { deleteHousehold: () => Promise.resolve() }),
  };
  return { deps, app: buildApp(deps) };
}
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

test('without GRAFANA_URL: NoGrafana provisions nothing and says so; no token is left behind', async () => {
  const g = new NoGrafana();
  assert.equal(g.configured, false);
  await assert.rejects(g.provisionHousehold(), /GRAFANA_URL is not set/);
  assert.deepEqual(await g.deleteHousehold(), { deleted: false });

  for (const grafana of [undefined, g]) {
    const { app } = setup(grafana);
    const a = await register(app);
    const r = await request(app.callback())
      .post('/api/v1/household/grafana')
      .set(bearer(a.accessToken))
      .expect(409);
    assert.equal(r.body.error.code, 'grafana_not_configured');
    const tokens = await request(app.callback())
      .get('/api/v1/household/tokens')
      .set(bearer(a.accessToken))
      .expect(200);
    assert.deepEqual(tokens.body.tokens, []);
    const del = await request(app.callback())
      .delete('/api/v1/household')
      .set(bearer(a.accessToken))
      .expect(200);
    assert.equal(del.body.deleted.grafana, 'none provisioned');
  }
});

test('an owner provisions with a fresh read-only token named grafana; again replaces it', async () => {
  const g = new RecordingGrafana();
  const { app, deps } = setup(g);
  const a = await register(app, { currency: 'CHF', timeZone: 'Europe/Zurich' });
  await request(app.callback())
    .put('/api/v1/household/tariff')
    .set(bearer(a.accessToken))
    .send({ periods: [{ from: '2020-01-01', pricePerKwh: 0.25 }] })
    .expect(200);
  const r = await request(app.callback())
    .post('/api/v1/household/grafana')
    .set(bearer(a.accessToken))
    .expect(200);
  assert.deepEqual(r.body, {
    url: 'http://grafana.test/d/energy-household?orgId=3',
    orgId: 3,
    dashboardUid: 'energy-household',
  });

  const first = g.calls[0];
  assert.ok(first);
  assert.deepEqual(first.h, {
    id: a.householdId,
    name: 'Home',
    timeZone: 'Europe/Zurich',
    currency: 'CHF',
    pricePerKwh: 0.25,
  });
  const stored = await deps.store.apiTokenByHash(sha256(first.token));
  assert.equal(stored?.name, 'grafana');
  assert.equal(stored?.householdId, a.householdId);
  // Read-only: the token Grafana holds cannot change anything.
  await request(app.callback())
    .post('/api/v1/devices')
    .set(bearer(first.token))
    .send({ name: 'Pi' })
    .expect(401);

  await request(app.callback()).post('/api/v1/household/grafana').set(bearer(a.accessToken)).expect(200);
  const second = g.calls[1];
  assert.ok(second && second.token !== first.token);
  assert.equal(await deps.store.apiTokenByHash(sha256(first.token)), undefined);
  const names = (await deps.store.apiTokens(a.householdId)).map((t) => t.name);
  assert.deepEqual(names, ['grafana']);

  const del = await request(app.callback())
    .delete('/api/v1/household')
    .set(bearer(a.accessToken))
    .expect(200);
  assert.equal(del.body.deleted.grafana, 'organisation deleted');
  assert.equal(g.orgs.size, 0);
});

test('only owners provision', async () => {
  const { app } = setup(new RecordingGrafana());
  const owner = await register(app);
  const inv = await request(app.callback())
    .post('/api/v1/household/invites')
    .set(bearer(owner.accessToken))
    .send({ role: 'member' })
    .expect(201);
  const m = await request(app.callback())
    .post('/api/v1/auth/accept-invite')
    .send({ token: inv.body.token, email: `member-${Date.now()}@example.com`, password: 'member passphrase' })
    .expect(201);
  const r = await request(app.callback())
    .post('/api/v1/household/grafana')
    .set(bearer(m.body.accessToken))
    .expect(403);
  assert.equal(r.body.error.code, 'forbidden');
  await request(app.callback()).post('/api/v1/household/grafana').expect(401);
});

test('Grafana failing: 503 when it may pass later, 502 when refused; the new token is revoked; delete waits', async () => {
  const g = new RecordingGrafana();
  const { app, deps } = setup(g);
  const a = await register(app);
  for (const [fail, status, code] of [
    [new GrafanaError('Grafana answered 503', true, 503), 503, 'grafana_unavailable'],
    [new GrafanaError('Grafana refused: 400', false, 400), 502, 'grafana_refused'],
  ] as const) {
    g.fail = fail;
    const r = await request(app.callback())
      .post('/api/v1/household/grafana')
      .set(bearer(a.accessToken))
      .expect(status);
    assert.equal(r.body.error.code, code);
    assert.doesNotMatch(JSON.stringify(r.body), /Grafana answered|400/, 'internals stay internal');
    assert.deepEqual(await deps.store.apiTokens(a.householdId), []);
  }
  g.fail = new GrafanaError('down', true);
  await request(app.callback()).delete('/api/v1/household').set(bearer(a.accessToken)).expect(503);
  assert.ok(
    await deps.store.householdById(a.householdId),
    'the household stays whole so the owner can retry',
  );
});
