/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import request from 'supertest';
import { buildApp } from './app.js';
import { register, testDeps } from './test-support/test-deps.js';

const QUARTER = 900_000;
// Two days ago at 00:00 UTC: a whole, past day.
const DAY0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;

const vm = await testVictoriaMetrics();
const deps = testDeps({ vmUrl: vm.url });
const app = buildApp(deps);
after(async () => {
  await deps.store.close();
});

test('with a house meter the household total is the meter, not meter plus sockets; untracked is the rest', async () => {
  const a = await register(app, { timeZone: 'UTC', currency: 'EUR' });
  const auth = { authorization: `Bearer ${a.accessToken}` };
  await http(app).post('/api/v1/devices').set(auth).send({ name: 'Pi', id: 'pi' }).expect(201);
  await http(app)
    .put('/api/v1/devices/pi/sockets/0')
    .set(auth)
    .send({ name: 'House', role: 'house-meter' })
    .expect(200);
  await http(app)
    .put('/api/v1/household/tariff')
    .set(auth)
    .send({ periods: [{ from: '2000-01-01', pricePerKwh: 0.4 }] })
    .expect(200);
  // Two hours: the meter reads 1 kWh a quarter, socket 1 0.25 kWh; in the second hour socket 2
  // reads 1 kWh a quarter as well: more than the meter's remainder (noise), clamped to zero.
  const lines: string[] = [];
  const counter = (socket: number, joules: number, t: number) =>
    `energy_socket_energy_joules_total{household="${a.householdId}",device="pi",socket="${socket}"} ${joules} ${t}`;
  for (let q = 0; q <= 8; q++) {
    const t = DAY0 + q * QUARTER;
    lines.push(counter(0, q * 3_600_000, t), counter(1, q * 900_000, t));
    lines.push(counter(2, Math.max(0, q - 4) * 3_600_000, t));
  }
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: `${lines.join('\n')}\n`,
  });
  assert.equal(res.status, 204, await res.text());
  await vm.forceFlush();

  const before = (await deps.metrics.untrackedClamped.get()).values[0]?.value ?? 0;
  const r = await http(app)
    .get(`/api/v1/readings/energy?bucket=hour&from=${iso(DAY0)}&to=${iso(DAY0 + 2 * 3_600_000)}`)
    .set(auth)
    .expect(200);
  assert.deepEqual(
    r.body.buckets.map((b: { kwh: number; cost: number; untracked: unknown }) => [
      b.kwh,
      b.cost,
      b.untracked,
    ]),
    [
      [4, 1.6, { kwh: 3, cost: 1.2 }],
      [4, 1.6, { kwh: 0, cost: 0 }],
    ],
  );
  // The meter stays listed with its own energy beside the sockets.
  assert.deepEqual(
    r.body.buckets[0].sockets.map((s: { socket: number; kwh: number }) => [s.socket, s.kwh]),
    [
      [0, 4],
      [1, 1],
      [2, 0],
    ],
  );
  const after = (await deps.metrics.untrackedClamped.get()).values[0]?.value ?? 0;
  assert.equal(after - before, 1, 'the second hour: sockets 5 kWh against the meter 4');
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function http(a: ReturnType<typeof buildApp>) {
  return request(a.callback());
}
