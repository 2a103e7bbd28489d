/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { buildApp } from './app.js';
import { sha256 } from './auth/secrets.js';
import { buildInternalApp } from './broker/internal-app.js';
import { register, testDeps } from './test-support/test-deps.js';

const deps = testDeps();
const app = buildApp(deps);
const internal = buildInternalApp(deps, 'internal-key');
const http = () => request(app.callback());
const rabbit = (check: string, form: Record<string, string>) =>
  request(internal.callback())
    .post(`/rabbitmq/${check}?key=internal-key`)
    .type('form')
    .send(form)
    .expect(200);

test('a device secret is shown once and stored hashed; its sockets can be named', async () => {
  const a = await register(app);
  const auth = { authorization: `Bearer ${a.accessToken}` };
  const d = await http().post('/api/v1/devices').set(auth).send({ name: 'Pi' }).expect(201);
  assert.equal(d.body.broker.username, `${a.householdId}.${d.body.id}`);
  const stored = await deps.store.device(a.householdId, d.body.id);
  assert.equal(stored?.secretHash, sha256(d.body.broker.password));
  assert.doesNotMatch(
    JSON.stringify((await http().get('/api/v1/devices').set(auth).expect(200)).body),
    new RegExp(d.body.broker.password),
  );
  await http()
    .put(`/api/v1/devices/${d.body.id}/sockets/3`)
    .set(auth)
    .send({ name: 'Fridge', role: 'socket' })
    .expect(200);
  await http()
    .put(`/api/v1/devices/${d.body.id}/sockets/3`)
    .set(auth)
    .send({ name: 'Fridge', householdId: 'x' })
    .expect(400);
  const list = await http().get('/api/v1/devices').set(auth).expect(200);
  assert.deepEqual(list.body.devices[0].sockets, [{ socket: 3, name: 'Fridge', role: 'socket' }]);
});

test('pairing: a short code is exchanged once for the credentials', async () => {
  const a = await register(app);
  const code = await http()
    .post('/api/v1/devices/pairing-codes')
    .set('authorization', `Bearer ${a.accessToken}`)
    .send({ name: 'Kitchen Pi' })
    .expect(201);
  assert.match(code.body.code, /^[A-Z2-9]{8}$/);
  const p = await http()
    .post('/api/v1/devices/pair')
    .send({ code: code.body.code.toLowerCase() })
    .expect(201);
  assert.equal(p.body.householdId, a.householdId);
  assert.equal(p.body.name, 'Kitchen Pi');
  assert.equal(
    await rabbit('user', { username: p.body.broker.username, password: p.body.broker.password }).then(
      (r) => r.text,
    ),
    'allow',
  );
  await http().post('/api/v1/devices/pair').send({ code: code.body.code }).expect(401);
  await http().post('/api/v1/devices/pair').send({ code: 'ZZZZZZZZ' }).expect(401);
});

test('broker auth: a device may write only to energy.readings with its own routing key', async () => {
  const a = await register(app);
  const d = await http()
    .post('/api/v1/devices')
    .set('authorization', `Bearer ${a.accessToken}`)
    .send({ name: 'Pi' })
    .expect(201);
  const u = d.body.broker.username as string;
  const cases: [string, Record<string, string>, string][] = [
    ['user', { username: u, password: d.body.broker.password }, 'allow'],
    ['user', { username: u, password: 'wrong' }, 'deny'],
    ['user', { username: `${a.householdId}.nope`, password: d.body.broker.password }, 'deny'],
    ['user', { username: 'guest', password: 'guest' }, 'deny'],
    ['vhost', { username: u, vhost: '/', ip: '127.0.0.1' }, 'allow'],
    [
      'resource',
      { username: u, vhost: '/', resource: 'exchange', name: 'energy.readings', permission: 'write' },
      'allow',
    ],
    [
      'resource',
      { username: u, vhost: '/', resource: 'exchange', name: 'energy.readings', permission: 'configure' },
      'deny',
    ],
    [
      'resource',
      { username: u, vhost: '/', resource: 'queue', name: 'readings', permission: 'read' },
      'deny',
    ],
    [
      'resource',
      { username: u, vhost: '/', resource: 'exchange', name: 'amq.topic', permission: 'write' },
      'deny',
    ],
    [
      'topic',
      {
        username: u,
        vhost: '/',
        resource: 'topic',
        name: 'energy.readings',
        permission: 'write',
        routing_key: u,
      },
      'allow',
    ],
    [
      'topic',
      {
        username: u,
        vhost: '/',
        resource: 'topic',
        name: 'energy.readings',
        permission: 'write',
        routing_key: `${a.householdId}.other`,
      },
      'deny',
    ],
    [
      'topic',
      {
        username: u,
        vhost: '/',
        resource: 'topic',
        name: 'energy.readings',
        permission: 'read',
        routing_key: u,
      },
      'deny',
    ],
  ];
  for (const [check, form, want] of cases)
    assert.equal((await rabbit(check, form)).text, want, `${check} ${JSON.stringify(form)}`);
  // Revoked: every check denies.
  await http()
    .delete(`/api/v1/devices/${d.body.id}`)
    .set('authorization', `Bearer ${a.accessToken}`)
    .expect(200);
  assert.equal((await rabbit('user', { username: u, password: d.body.broker.password })).text, 'deny');
  assert.equal(
    (await rabbit('topic', { username: u, name: 'energy.readings', permission: 'write', routing_key: u }))
      .text,
    'deny',
  );
});

test('broker auth: a gateway writes only for its devices; the collector can list them; the key is required', async () => {
  await deps.store.upsertGateway({
    name: 'gw-test',
    passwordHash: sha256('gw-pass'),
    devices: ['h1.d1', 'h2.d1'],
  });
  assert.equal((await rabbit('user', { username: 'gw-test', password: 'gw-pass' })).text, 'allow');
  assert.equal((await rabbit('user', { username: 'gw-test', password: 'nope' })).text, 'deny');
  const topic = (rk: string) =>
    rabbit('topic', { username: 'gw-test', name: 'energy.readings', permission: 'write', routing_key: rk });
  assert.equal((await topic('h2.d1')).text, 'allow');
  assert.equal((await topic('h3.d1')).text, 'deny');
  assert.equal((await topic('gw-test')).text, 'deny');
  const list = await request(internal.callback())
    .get('/internal/gateways/gw-test/devices?key=internal-key')
    .expect(200);
  assert.deepEqual(list.body, { devices: ['h1.d1', 'h2.d1'] });
  await request(internal.callback()).get('/internal/gateways/gw-nope/devices?key=internal-key').expect(404);
  await request(internal.callback())
    .post('/rabbitmq/user?key=wrong')
    .type('form')
    .send({ username: 'gw-test', password: 'gw-pass' })
    .expect(403);
  await request(internal.callback())
    .post('/rabbitmq/user')
    .type('form')
    .send({ username: 'gw-test', password: 'gw-pass' })
    .expect(403);
});

test('Alertmanager webhook: household notifications, muted devices and offline grace respected', async () => {
  const a = await register(app);
  const auth = { authorization: `Bearer ${a.accessToken}` };
  await http().post('/api/v1/devices').set(auth).send({ name: 'Pi', id: 'pi' }).expect(201);
  await http().post('/api/v1/devices').set(auth).send({ name: 'Pi 2', id: 'pi2' }).expect(201);
  await http()
    .put('/api/v1/devices/pi2/alerts')
    .set(auth)
    .send({ muteUntil: new Date(Date.now() + 3_600_000).toISOString() })
    .expect(200);
  await http().put('/api/v1/devices/pi/alerts').set(auth).send({ offlineGraceMinutes: 30 }).expect(200);
  const alert = (device: string, alertname: string, minutesAgo: number) => ({
    status: 'firing',
    labels: { alertname, household: a.householdId, device },
    annotations: { summary: `${alertname} on ${device}` },
    startsAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  });
  const body = {
    version: '4',
    status: 'firing',
    receiver: 'households',
    alerts: [
      alert('pi', 'HighStandby', 1),
      alert('pi2', 'HighStandby', 1),
      alert('pi', 'DeviceOffline', 5),
      alert('pi', 'DeviceOffline', 45),
      { ...alert('pi', 'HighStandby', 1), labels: { alertname: 'X', household: 'no-such-household' } },
    ],
  };
  const r = await request(internal.callback())
    .post('/internal/alertmanager?key=internal-key')
    .send(body)
    .expect(200);
  assert.equal(r.body.stored, 2);
  const n = await http().get('/api/v1/notifications').set(auth).expect(200);
  assert.deepEqual(
    n.body.notifications
      .map((x: { alertname: string; device: string }) => `${x.alertname}/${x.device}`)
      .sort(),
    ['DeviceOffline/pi', 'HighStandby/pi'],
  );
  const other = await register(app);
  const n2 = await http()
    .get('/api/v1/notifications')
    .set('authorization', `Bearer ${other.accessToken}`)
    .expect(200);
  assert.deepEqual(n2.body.notifications, []);
});

test('RUM: Faro payloads are counted by kind; others refused', async () => {
  await http()
    .post('/api/v1/rum')
    .send({ meta: { app: { name: 'energy-portal' } }, events: [{ name: 'x' }], logs: [{}, {}] })
    .expect(202);
  await http().post('/api/v1/rum').send({ hello: 1 }).expect(400);
  const m = await http().get('/metrics').expect(200);
  assert.match(m.text, /api_rum_events_total\{kind="logs"\} 2/);
  assert.match(m.text, /api_rum_rejected_total\{reason="not_faro"\} 1/);
  assert.match(m.text, /http_requests_total\{route="\/api\/v1\/rum",method="POST",status="202"\} 1/);
});
