/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testVictoriaMetrics, type TestVictoriaMetrics } from '@energy/lib/testkit/index';
import request from 'supertest';
import { buildApp } from './app.js';
import type { AppDeps } from './deps.js';
import { register, testDeps, type Account } from './test-support/test-deps.js';

let vm: TestVictoriaMetrics;
let deps: AppDeps;
let app: ReturnType<typeof buildApp>;
let a: Account;
let b: Account;
const http = () => request(app.callback());
const as = (acc: Account) => ({ authorization: `Bearer ${acc.accessToken}` });

async function importLines(lines: string[]): Promise<void> {
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: lines.join('\n') + '\n',
  });
  assert.equal(res.status, 204, await res.text());
  await vm.forceFlush();
}

// Two days ago at 00:00 UTC: a whole, past, UTC-aligned day.
const DAY0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;

before(async () => {
  vm = await testVictoriaMetrics();
  deps = testDeps({ vmUrl: vm.url });
  app = buildApp(deps);
  a = await register(app, { timeZone: 'UTC', currency: 'EUR' });
  b = await register(app, { timeZone: 'UTC', currency: 'EUR' });
  await http().post('/api/v1/devices').set(as(a)).send({ name: 'Pi', id: 'pi' }).expect(201);
  await http().put('/api/v1/devices/pi/sockets/0').set(as(a)).send({ name: 'Kettle' }).expect(200);
  const now = Date.now() - 60_000;
  const lines = [
    `energy_socket_power_watts{household="${a.householdId}",device="pi",socket="0"} 1500.5 ${now}`,
    `energy_socket_power_watts{household="${a.householdId}",device="pi",socket="1"} 42 ${now}`,
    `energy_socket_power_watts{household="${b.householdId}",device="pi",socket="0"} 999 ${now}`,
  ];
  // 0.25 kWh (900 000 J) every quarter hour from 00:00 to 02:00 on DAY0; B has ten times more.
  for (let q = 0; q <= 8; q++) {
    const t = DAY0 + q * 900_000;
    lines.push(
      `energy_socket_energy_joules_total{household="${a.householdId}",device="pi",socket="0"} ${q * 900_000} ${t}`,
    );
    lines.push(
      `energy_socket_energy_joules_total{household="${b.householdId}",device="pi",socket="0"} ${q * 9_000_000} ${t}`,
    );
  }
  await importLines(lines);
});

after(async () => {
  await deps.store.close();
});

test('live: the last watts of each socket of the caller household only, with socket names', async () => {
  const r = await http().get('/api/v1/readings/live').set(as(a)).expect(200);
  assert.deepEqual(
    r.body.sockets.map((s: { device: string; socket: number; name: string; watts: number }) => [
      s.device,
      s.socket,
      s.name,
      s.watts,
    ]),
    [
      ['pi', 0, 'Kettle', 1500.5],
      ['pi', 1, 'Socket 1', 42],
    ],
  );
  assert.match(r.body.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  const rb = await http().get('/api/v1/readings/live').set(as(b)).expect(200);
  assert.deepEqual(
    rb.body.sockets.map((s: { watts: number }) => s.watts),
    [999],
  );
});

test('energy: kWh per hour from the counter, priced by the time-of-use tariff', async () => {
  await http()
    .put('/api/v1/household/tariff')
    .set(as(a))
    .send({
      periods: [
        {
          from: '2000-01-01',
          pricePerKwh: 0.3,
          windows: [{ start: '00:00', end: '01:00', pricePerKwh: 0.1 }],
        },
      ],
    })
    .expect(200);
  const from = new Date(DAY0).toISOString();
  const to = new Date(DAY0 + 3 * 3_600_000).toISOString();
  const r = await http()
    .get(`/api/v1/readings/energy?bucket=hour&from=${from}&to=${to}`)
    .set(as(a))
    .expect(200);
  assert.equal(r.body.currency, 'EUR');
  assert.deepEqual(
    r.body.buckets.map((x: { start: string; kwh: number; cost: number }) => [x.start, x.kwh, x.cost]),
    [
      [new Date(DAY0).toISOString().replace('.000Z', '+00:00'), 1, 0.1],
      [new Date(DAY0 + 3_600_000).toISOString().replace('.000Z', '+00:00'), 1, 0.3],
      [new Date(DAY0 + 7_200_000).toISOString().replace('.000Z', '+00:00'), 0, 0],
    ],
  );
  const day = await http()
    .get(`/api/v1/readings/energy?bucket=day&from=${from}&to=${to}`)
    .set(as(a))
    .expect(200);
  assert.equal(day.body.buckets.length, 1);
  assert.equal(day.body.buckets[0].kwh, 2);
  assert.equal(day.body.buckets[0].cost, 0.4);
  assert.deepEqual(day.body.buckets[0].sockets, [{ device: 'pi', socket: 0, kwh: 2, cost: 0.4 }]);
  const csv = await http()
    .get(`/api/v1/readings/export.csv?bucket=day&from=${from}&to=${to}`)
    .set(as(a))
    .expect(200);
  assert.match(String(csv.headers['content-type']), /text\/csv/);
  assert.match(csv.text, /,pi,0,Kettle,2,0.4\n/);
  await http().get(`/api/v1/readings/energy?bucket=year`).set(as(a)).expect(400);
  await http().get(`/api/v1/readings/energy?from=yesterday`).set(as(a)).expect(400);
});

test('power: a series per socket on a fixed time grid', async () => {
  const r = await http().get('/api/v1/readings/power?step=60').set(as(a)).expect(200);
  assert.equal(r.body.stepSeconds, 60);
  assert.equal(r.body.series.length, 2);
  for (const s of r.body.series) assert.equal(s.watts.length, r.body.timestamps.length);
  assert.ok(r.body.series[0].watts.includes(1500.5));
});

test('the Prometheus endpoint is scoped to the household, with an API token as Bearer or basic password', async () => {
  const t = await http().post('/api/v1/household/tokens').set(as(a)).send({ name: 'grafana' }).expect(201);
  const q = async (auth: string, query: string) => {
    const r = await http()
      .get(`/prometheus/api/v1/query?query=${encodeURIComponent(query)}`)
      .set('authorization', auth)
      .expect(200);
    return r.body.data.result.map((x: { metric: Record<string, string> }) => x.metric.household);
  };
  assert.deepEqual(await q(`Bearer ${t.body.token}`, 'energy_socket_power_watts'), [
    a.householdId,
    a.householdId,
  ]);
  assert.deepEqual(
    await q(`Bearer ${t.body.token}`, `energy_socket_power_watts{household="${b.householdId}"}`),
    [],
  );
  const basic = `Basic ${Buffer.from(`grafana:${t.body.token}`).toString('base64')}`;
  assert.equal((await q(basic, 'energy_socket_power_watts')).length, 2);
  const post = await http()
    .post('/prometheus/api/v1/query')
    .set('authorization', basic)
    .type('form')
    .send({ query: 'energy_socket_power_watts', extra_label: `household=${b.householdId}` })
    .expect(200);
  assert.equal(post.body.data.result.length, 2);
  const labels = await http()
    .get('/prometheus/api/v1/label/household/values')
    .set('authorization', basic)
    .expect(200);
  assert.deepEqual(labels.body.data, [a.householdId]);
  // API tokens only read.
  await http().get('/api/v1/devices').set('authorization', `Bearer ${t.body.token}`).expect(401);
  await http().delete(`/api/v1/household/tokens/${t.body.id}`).set(as(a)).expect(204);
  await http().get('/prometheus/api/v1/query?query=up').set('authorization', basic).expect(401);
});

test('standby: a baseline per socket with yearly kWh and cost; devices show when last seen', async () => {
  const r = await http().get('/api/v1/readings/standby').set(as(a)).expect(200);
  assert.deepEqual(
    r.body.sockets.map((s: { socket: number; name: string; baselineWatts: number }) => [
      s.socket,
      s.name,
      s.baselineWatts,
    ]),
    [
      [0, 'Kettle', 1500.5],
      [1, 'Socket 1', 42],
    ],
  );
  assert.equal(r.body.sockets[1].kwhPerYear, 368.172);
  assert.equal(r.body.untracked, null);
  const d = await http().get('/api/v1/devices').set(as(a)).expect(200);
  assert.ok(Date.now() - Date.parse(d.body.devices[0].lastSeen) < 10 * 60_000);
});

test('another household never sees or touches this one', async () => {
  const t = await http().post('/api/v1/household/tokens').set(as(a)).send({ name: 'x' }).expect(201);
  await http().delete(`/api/v1/household/tokens/${t.body.id}`).set(as(b)).expect(404);
  await http().delete(`/api/v1/household/members/${a.userId}`).set(as(b)).expect(404);
  const tokens = await http().get('/api/v1/household/tokens').set(as(b)).expect(200);
  assert.deepEqual(tokens.body.tokens, []);
  await http().get('/api/v1/devices/pi').set(as(b)).expect(404);
  await http().delete('/api/v1/devices/pi').set(as(b)).expect(404);
  await http().put('/api/v1/devices/pi/sockets/1').set(as(b)).send({ name: 'x' }).expect(404);
  await http().put('/api/v1/devices/pi/alerts').set(as(b)).send({ offlineGraceMinutes: 5 }).expect(404);
  const list = await http().get('/api/v1/devices').set(as(b)).expect(200);
  assert.deepEqual(list.body.devices, []);
});

test('deleting a household removes its accounts, devices and series', async () => {
  const c = await register(app, { timeZone: 'UTC' });
  await importLines([
    `energy_socket_power_watts{household="${c.householdId}",device="d",socket="0"} 5 ${Date.now() - 30_000}`,
  ]);
  const r = await http().delete('/api/v1/household').set(as(c)).expect(200);
  assert.equal(r.body.deleted.users, 1);
  await vm.forceFlush();
  const left = await fetch(
    `${vm.url}/api/v1/query?nocache=1&query=${encodeURIComponent(`energy_socket_power_watts{household="${c.householdId}"}`)}`,
  );
  assert.deepEqual(((await left.json()) as { data: { result: unknown[] } }).data.result, []);
  await http().post('/api/v1/auth/login').send({ email: c.email, password: c.password }).expect(401);
  // A's data is untouched.
  const live = await http().get('/api/v1/readings/live').set(as(a)).expect(200);
  assert.equal(live.body.sockets.length, 2);
});
