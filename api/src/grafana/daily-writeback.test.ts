/* eslint-disable @typescript-eslint/no-unsafe-member-access -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { COMPLETENESS_SERIES, DAILY_COST_SERIES, DAILY_KWH_SERIES, ENERGY_SERIES } from '@energy/lib/series';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import request from 'supertest';
import { buildApp } from '../app.js';
import { localBuckets } from '../core/readings/energy.js';
import { register, testDeps } from '../test-support/test-deps.js';
import { VmWriter } from '../vm/vm-writer.js';
import { writeBackPass } from './daily-writeback-loop.js';

const QUARTER = 900_000;
const TZ = 'America/New_York';
// Three local days back: day 0 final (its device is complete past its end), day 1 not.
const [DAY0, DAY1] = localBuckets(Date.now() - 4 * 86_400_000, Date.now() - 2 * 86_400_000, 'day', TZ);

const vm = await testVictoriaMetrics();
const deps = testDeps({ vmUrl: vm.url });
const app = buildApp(deps);
const writer = new VmWriter(deps.vm, vm.url);
after(async () => {
  await deps.store.close();
});

test('closed local days are written back per socket equal to /energy?bucket=day to the cent; a day not final is not; a rerun writes nothing', async () => {
  assert.ok(DAY0 && DAY1);
  const a = await register(app, { timeZone: TZ, currency: 'USD' });
  const auth = { authorization: `Bearer ${a.accessToken}` };
  await request(app.callback()).post('/api/v1/devices').set(auth).send({ name: 'Pi', id: 'pi' }).expect(201);
  // Time of use: a day rate, a cheap night that runs past midnight on weekdays, a price change.
  await request(app.callback())
    .put('/api/v1/household/tariff')
    .set(auth)
    .send({
      periods: [
        {
          from: '2000-01-01',
          pricePerKwh: 0.3137,
          windows: [
            { start: '07:00', end: '22:00', pricePerKwh: 0.4571 },
            { days: [1, 2, 3, 4, 5], start: '22:00', end: '02:00', pricePerKwh: 0.1093 },
          ],
        },
      ],
    })
    .expect(200);
  const lines: string[] = [];
  const j = [0, 0];
  for (let t = DAY0.start - QUARTER; t <= DAY1.end; t += QUARTER) {
    const q = (t - DAY0.start) / QUARTER;
    j[0] = (j[0] ?? 0) + ((q * 7919) % 13) * 97_531;
    j[1] = (j[1] ?? 0) + ((q * 104_729) % 5) * 311_113;
    for (const s of [0, 1]) {
      lines.push(`${ENERGY_SERIES}{household="${a.householdId}",device="pi",socket="${s}"} ${j[s]} ${t}`);
    }
  }
  // The device states it is complete one hour into day 1.
  const wm = (DAY1.start + 3_600_000) / 1000;
  lines.push(`${COMPLETENESS_SERIES}{household="${a.householdId}",device="pi"} ${wm} ${Date.now() - 60_000}`);
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: `${lines.join('\n')}\n`,
  });
  assert.equal(res.status, 204, await res.text());
  await vm.forceFlush();

  const pass = () =>
    writeBackPass({
      store: deps.store,
      series: deps.series,
      writer,
      nowMs: Date.now,
      maxHouseholds: 1e6,
      lookbackMs: 5 * 86_400_000,
    });
  const first = await pass();
  assert.ok(first.samples >= 4, `written: ${JSON.stringify(first)}`);
  await vm.forceFlush();

  const written = await exported(a.householdId);
  // Every day the answer has up to day 1 (the quarter ending at day 0's midnight falls in the day before).
  const energy = await request(app.callback())
    .get(`/api/v1/readings/energy?bucket=day&from=${iso(DAY0.start - 86_400_000)}&to=${iso(DAY1.end - 1)}`)
    .set(auth)
    .expect(200);
  const buckets = energy.body.buckets as {
    start: string;
    kwh: number;
    cost: number;
    sockets: { socket: number; kwh: number; cost: number }[];
  }[];
  assert.equal(buckets.length, 3);
  const day1 = buckets[2];
  assert.ok(day1 && day1.kwh > 0 && (buckets[1]?.cost ?? 0) > 0);
  const want = buckets
    .slice(0, 2)
    .flatMap((b) =>
      b.sockets.flatMap((s) => [
        `${DAILY_COST_SERIES} ${s.socket} USD ${Date.parse(b.start)} ${s.cost}`,
        `${DAILY_KWH_SERIES} ${s.socket} - ${Date.parse(b.start)} ${s.kwh}`,
      ]),
    );
  // Days up to day 0, each stamped at its local midnight, equal to the answer's rounded values; not day 1.
  assert.deepEqual(written, want.sort());
  assert.ok(written.some((w) => w.endsWith(`${DAY0.start} ${buckets[1]?.sockets[0]?.cost}`)));

  // Nothing new on a rerun: the last written day is read back from the series.
  const again = await pass();
  assert.equal(again.samples, 0);
  assert.deepEqual(await exported(a.householdId), written);

  // A tariff change dated back: the written days are deleted and written again at the new prices.
  await request(app.callback())
    .put('/api/v1/household/tariff')
    .set(auth)
    .send({ periods: [{ from: '2000-01-01', pricePerKwh: 0.2 }] })
    .expect(200);
  const repriced = await pass();
  assert.ok(repriced.samples >= 4);
  await vm.forceFlush();
  const after = await request(app.callback())
    .get(`/api/v1/readings/energy?bucket=day&from=${iso(DAY0.start - 86_400_000)}&to=${iso(DAY1.end - 1)}`)
    .set(auth)
    .expect(200);
  const newBuckets = after.body.buckets as typeof buckets;
  const newWant = newBuckets
    .slice(0, 2)
    .flatMap((b) =>
      b.sockets.flatMap((s) => [
        `${DAILY_COST_SERIES} ${s.socket} USD ${Date.parse(b.start)} ${s.cost}`,
        `${DAILY_KWH_SERIES} ${s.socket} - ${Date.parse(b.start)} ${s.kwh}`,
      ]),
    );
  assert.notDeepEqual(newWant, want);
  assert.deepEqual(await exported(a.householdId), newWant.sort());
  assert.equal((await pass()).samples, 0);
});

/** The household's written daily samples: "name socket currency timestampMs value", sorted. */
async function exported(household: string): Promise<string[]> {
  const p = new URLSearchParams({
    'match[]': `{__name__=~"${DAILY_KWH_SERIES}|${DAILY_COST_SERIES}",household="${household}"}`,
  });
  const text = await (await fetch(`${vm.url}/api/v1/export?${p}`)).text();
  const out: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    r.timestamps.forEach((t, i) =>
      out.push(`${r.metric.__name__} ${r.metric.socket} ${r.metric.currency ?? '-'} ${t} ${r.values[i]}`),
    );
  }
  return out.sort();
}

const iso = (ms: number): string => new Date(ms).toISOString();
