/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { buildApp } from '../app.js';
import { QueuedGrafana } from '../core/households/grafana-provisioning.js';
import type { AppDeps } from '../deps.js';
import { register, testDeps } from '../test-support/test-deps.js';
import { NoGrafana, type GrafanaProvisioner } from './grafana-provisioner.js';

// The routes' side of Grafana: what they answer and what they queue. What
// the queue does to Grafana: core/households/grafana-provisioning.test.ts and
// grafana-queue.test.ts (the stand-in), grafana-contract.test.ts (a real one).

function setup(grafana?: (deps: AppDeps) => GrafanaProvisioner): {
  deps: AppDeps;
  app: ReturnType<typeof buildApp>;
} {
  const base = testDeps();
  // Deleting a household deletes its series first; no VictoriaMetrics is needed for these tests.
  const deps: AppDeps = {
    ...base,
    vm: Object.assign(Object.create(base.vm) as typeof base.vm, { deleteHousehold: () => Promise.resolve() }),
  };
  const full = { ...deps, grafana: grafana?.(deps) };
  return { deps: full, app: buildApp(full) };
}
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
const queued = (deps: AppDeps): GrafanaProvisioner =>
  new QueuedGrafana({
    store: deps.store,
    grafana: { boardUrl: (id) => `https://grafana.example/d/hh-${id}?orgId=1` },
    now: () => new Date(),
    kick: () => {},
  });

test('without GRAFANA_URL: the board link and the re-sync answer grafana_not_configured; deleting finds none', async () => {
  for (const grafana of [undefined, () => new NoGrafana()]) {
    const { app } = setup(grafana);
    const a = await register(app);
    for (const method of ['get', 'post'] as const) {
      const agent = request(app.callback());
      const r = await (
        method === 'get' ? agent.get('/api/v1/household/grafana') : agent.post('/api/v1/household/grafana')
      )
        .set(bearer(a.accessToken))
        .expect(409);
      assert.equal(r.body.error.code, 'grafana_not_configured');
    }
    const del = await request(app.callback())
      .delete('/api/v1/household')
      .set(bearer(a.accessToken))
      .expect(200);
    assert.equal(del.body.deleted.grafana, 'none provisioned');
  }
});

test('an owner’s re-sync queues a sync and answers 202 with the board; members read the link; deletion is queued with the logins', async () => {
  const { app, deps } = setup(queued);
  const a = await register(app);
  const link = await request(app.callback())
    .get('/api/v1/household/grafana')
    .set(bearer(a.accessToken))
    .expect(200);
  assert.equal(link.body.url, `https://grafana.example/d/hh-${a.householdId}?orgId=1`);
  const r = await request(app.callback())
    .post('/api/v1/household/grafana')
    .set(bearer(a.accessToken))
    .expect(202);
  assert.deepEqual(r.body, { url: link.body.url, queued: true });
  const jobs = await deps.store.dueProvisioningJobs(new Date(Date.now() + 1000), 1000);
  assert.deepEqual(
    jobs.filter((j) => j.householdId === a.householdId).map((j) => [j.kind, j.reason]),
    [['sync', 're-sync asked by the owner']],
  );
  const del = await request(app.callback())
    .delete('/api/v1/household')
    .set(bearer(a.accessToken))
    .expect(200);
  assert.equal(del.body.deleted.grafana, 'queued');
  await deps.store.completeProvisioningJob(jobs[0]?.seq ?? -1);
  const [deletion] = (await deps.store.dueProvisioningJobs(new Date(Date.now() + 1000), 1000)).filter(
    (j) => j.householdId === a.householdId,
  );
  assert.equal(deletion?.kind, 'delete');
  assert.deepEqual(deletion?.payload, { logins: [a.email] });
});

test('only owners re-sync', async () => {
  const { app } = setup(queued);
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
