/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { COMPLETENESS_SERIES, ENERGY_SERIES, POWER_SERIES } from '@energy/lib/series';
import { testVictoriaMetrics, type TestVictoriaMetrics } from '@energy/lib/testkit/index';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { buildApp } from './app.js';
import { COMPLETENESS_REUSE_MS } from './core/readings/completeness-cache.js';
import { IDLE_RECHECK_MS } from './core/readings/live-cache.js';
import type { AppDeps } from './deps.js';
import { JWT_AUDIENCE, JWT_ISSUER } from './auth/access-tokens.js';
import { hostilePromql, smuggledFilters } from './test-support/hostile-promql.js';
import { register, TEST_JWT_SECRET, testDeps, type Account } from './test-support/test-deps.js';

/**
 * The read path's caches on the real VictoriaMetrics: late data shows in
 * every view and a range is cached only once its devices are complete past
 * it; the live view follows a household's device-minutes on the API's
 * clock (a fake one: nothing here waits); no cache serves one household
 * another's answer.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
const Q = 900_000;
let vm: TestVictoriaMetrics;
let deps: AppDeps;
let app: ReturnType<typeof buildApp>;
// The API's clock: the real one unless a test moves it.
let clock: number | undefined;
const http = () => request(app.callback());
const as = (acc: Account) => ({ authorization: `Bearer ${acc.accessToken}` });
/**
 * A readings view asked again while the API sends the previous answer during
 * its rebuild (stale while revalidating: Cache-Status with a negative ttl),
 * as a client told `no-cache` would: the assertions are about the answer the
 * rebuild makes.
 */
async function settled(ask: () => request.Test): Promise<request.Response> {
  for (let i = 0; ; i++) {
    const r = await ask();
    if (!/ttl=-/.test(String(r.headers['cache-status'] ?? '')) || i >= 300) return r;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function importLines(lines: string[]): Promise<void> {
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: lines.join('\n') + '\n',
  });
  assert.equal(res.status, 204, await res.text());
  await vm.forceFlush();
}

async function cacheMetric(name: string, cache: string, result?: string): Promise<number> {
  const text = await deps.metrics.registry.metrics();
  const labels = result === undefined ? `{cache="${cache}"}` : `{cache="${cache}",result="${result}"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

async function household(tz = 'UTC'): Promise<Account> {
  const acc = await register(app, { timeZone: tz, currency: 'EUR' });
  await http().post('/api/v1/devices').set(as(acc)).send({ name: 'Pi', id: 'pi' }).expect(201);
  return acc;
}

async function apiToken(acc: Account): Promise<string> {
  const t = await http().post('/api/v1/household/tokens').set(as(acc)).send({ name: 'grafana' }).expect(201);
  return `Bearer ${t.body.token as string}`;
}

before(async () => {
  vm = await testVictoriaMetrics();
  deps = { ...testDeps({ vmUrl: vm.url }), now: () => new Date(clock ?? Date.now()) };
  app = buildApp(deps);
});

// Each test starts on the real clock.
beforeEach(() => {
  clock = undefined;
});

after(async () => {
  await deps.store.close();
});

test('late data: every view shows a replayed hour once the device’s moved watermark is read, and its day is cached only once the device is complete past it', async () => {
  const a = await household();
  // The API's clock stands still until the test moves it: kept answers stand until their next device-minute on it.
  const t0 = Date.now();
  clock = t0;
  const token = await apiToken(a);
  // A whole past UTC day; hour H = 01:00–02:00 is still in the device's outbox.
  const day0 = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
  const H = day0 + HOUR;
  const counter = (t: number) =>
    `${ENERGY_SERIES}{household="${a.householdId}",device="pi",socket="0"} ${((t - day0) / Q) * 900_000} ${t}`;
  const power = (t: number) =>
    `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="0"} 1000 ${t}`;
  const watermark = (untilMs: number) =>
    `${COMPLETENESS_SERIES}{household="${a.householdId}",device="pi"} ${untilMs / 1000} ${Date.now() - 1000}`;
  const early: string[] = [];
  for (let t = day0; t <= H; t += Q) early.push(counter(t), power(t));
  await importLines([...early, watermark(H)]);

  const range = `from=${new Date(day0).toISOString()}&to=${new Date(day0 + DAY).toISOString()}`;
  const views = async () => {
    const hours = await settled(() =>
      http().get(`/api/v1/readings/energy?bucket=hour&${range}`).set(as(a)).expect(200),
    );
    const csv = await settled(() =>
      http().get(`/api/v1/readings/export.csv?bucket=hour&${range}`).set(as(a)).expect(200),
    );
    const chart = await settled(() =>
      http()
        .get(
          `/api/v1/readings/power?from=${new Date(H).toISOString()}&to=${new Date(H + HOUR).toISOString()}&step=900`,
        )
        .set(as(a))
        .expect(200),
    );
    const prom = await http()
      .get(
        `/prometheus/api/v1/query_range?query=${encodeURIComponent(`sum(increase(${ENERGY_SERIES}[1h]))`)}&start=${(H + HOUR) / 1000}&end=${(H + HOUR) / 1000}&step=3600`,
      )
      .set('authorization', token)
      .expect(200);
    return {
      kwhH: hours.body.buckets[1].kwh as number,
      cacheControl: String(hours.headers['cache-control']),
      csvH: csv.text
        .split('\n')
        .filter((l) => l.startsWith(new Date(H).toISOString().replace('.000Z', '+00:00'))),
      chartH: (chart.body.series[0]?.watts.at(-1) as number | null | undefined) ?? null,
      promH: Number(prom.body.data.result[0]?.values[0]?.[1] ?? 0),
    };
  };

  const before = await views();
  assert.deepEqual([before.kwhH, before.csvH, before.chartH, before.promH], [0, [], null, 0]);
  assert.equal(before.cacheControl, 'private, no-cache');
  assert.equal(
    await cacheMetric('api_read_cache_entries', 'energy'),
    0,
    'nothing is cached before the replay',
  );

  // The device replays H, then states it is complete up to now.
  const replay: string[] = [];
  for (let t = H + Q; t <= day0 + DAY; t += Q) replay.push(counter(t), power(t));
  await importLines([...replay, watermark(Date.now() - 60_000)]);

  // What was answered before stands until the household's next device-minute (with nothing live, IDLE_RECHECK_MS)…
  const stood = await views();
  assert.deepEqual([stood.kwhH, stood.csvH, stood.chartH], [0, [], null]);
  // …and after it, while the device's watermark is not read again: nothing it was built from moved…
  clock = t0 + IDLE_RECHECK_MS;
  const unchanged = await views();
  assert.deepEqual([unchanged.kwhH, unchanged.csvH, unchanged.chartH], [0, [], null]);
  // …then, the watermark read again (it moved with the replay), every view shows the replayed hour.
  clock = t0 + COMPLETENESS_REUSE_MS;
  const afterReplay = await views();
  assert.equal(afterReplay.kwhH, 1);
  assert.equal(afterReplay.csvH.length, 1);
  assert.match(afterReplay.csvH[0] ?? '', /,pi,0,Socket 0,1,0.3$/);
  assert.equal(afterReplay.chartH, 1000);
  assert.equal(afterReplay.promH, 3_600_000);

  // Past the completeness reuse (10 s on the API's clock), the day is final: cached, and kept by the browser for five minutes.
  clock = t0 + IDLE_RECHECK_MS + COMPLETENESS_REUSE_MS;
  try {
    const final = await views();
    assert.equal(final.kwhH, 1);
    assert.equal(final.cacheControl, 'private, max-age=300');
    assert.ok((await cacheMetric('api_read_cache_entries', 'energy')) >= 1);
    // The same request again is the kept answer, not built again…
    const kept = await cacheMetric('api_read_cache_lookups_total', 'answers', 'hit');
    const again = await http().get(`/api/v1/readings/energy?bucket=hour&${range}`).set(as(a)).expect(200);
    assert.equal(again.body.buckets[1].kwh, 1);
    assert.ok((await cacheMetric('api_read_cache_lookups_total', 'answers', 'hit')) > kept);
    // …and another view of the final day is built from the kept energy, without the store.
    const hits = await cacheMetric('api_read_cache_lookups_total', 'energy', 'hit');
    const daily = await http().get(`/api/v1/readings/energy?bucket=day&${range}`).set(as(a)).expect(200);
    assert.equal(daily.body.buckets[0].kwh, 24);
    assert.ok((await cacheMetric('api_read_cache_lookups_total', 'energy', 'hit')) > hits);
    // The client that holds it is told so, without a body.
    const etag = String(again.headers.etag);
    await http()
      .get(`/api/v1/readings/energy?bucket=hour&${range}`)
      .set(as(a))
      .set('if-none-match', etag)
      .expect(304);
    // A compressed final body is the same answer.
    const gz = await http()
      .get(`/api/v1/readings/energy?bucket=hour&${range}`)
      .set(as(a))
      .set('accept-encoding', 'gzip')
      .expect(200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gz.body, again.body);
  } finally {
    clock = undefined;
  }
});

test('live: a new device-minute shows once it is due on the API clock, and within seconds when it comes late', async () => {
  const a = await household();
  const t1 = Math.floor((Date.now() - 200_000) / 60_000) * 60_000;
  const line = (t: number, w: number) =>
    `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="0"} ${w} ${t}`;
  const live = async () => {
    const r = await settled(() => http().get('/api/v1/readings/live').set(as(a)).expect(200));
    return { watts: r.body.sockets[0]?.watts as number, cacheControl: String(r.headers['cache-control']) };
  };
  try {
    await importLines([line(t1, 100)]);
    clock = t1 + 30_000;
    assert.deepEqual(await live(), { watts: 100, cacheControl: 'private, max-age=30' });
    // The next minute is written before it is due on the API's clock: the cached answer still stands…
    await importLines([line(t1 + 60_000, 200)]);
    assert.equal((await live()).watts, 100);
    // …and is read again once it is due.
    clock = t1 + 61_000;
    assert.equal((await live()).watts, 200);
    // The minute after comes late: just after it was due the view is read again every 2 s.
    clock = t1 + 121_000;
    const overdue = await live();
    assert.deepEqual(overdue, { watts: 200, cacheControl: 'private, max-age=2' });
    await importLines([line(t1 + 120_000, 300)]);
    clock = t1 + 123_000;
    assert.equal((await live()).watts, 300);
  } finally {
    clock = undefined;
  }
});

test('kept answers: the same bytes and ETag while they stand, a household edit shows at once, the next device-minute is read', async () => {
  const a = await household();
  const t1 = Math.floor((Date.now() - 300_000) / 60_000) * 60_000;
  const lines = (t: number, w: number) => [
    `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="0"} ${w} ${t}`,
    `${ENERGY_SERIES}{household="${a.householdId}",device="pi",socket="0"} ${w * 100} ${t}`,
  ];
  await importLines([...lines(t1 - 60_000, 100), ...lines(t1, 100)]);
  clock = t1 + 30_000;
  // Its last step ends at the next device-minute, t1 + 1 min: nothing there yet.
  const chart = `/api/v1/readings/power?from=${new Date(t1 - 3_600_000).toISOString()}&to=${new Date(t1 + 90_000).toISOString()}&step=60`;
  const bars = `/api/v1/readings/energy?bucket=hour&from=${new Date(t1 - 3_600_000).toISOString()}`;
  const get = (path: string) =>
    settled(() => http().get(path).set(as(a)).set('accept-encoding', 'gzip').expect(200));
  const first = await Promise.all([
    get(chart),
    get(bars),
    get('/api/v1/readings/live'),
    get('/api/v1/readings/standby'),
  ]);
  const hits = await cacheMetric('api_read_cache_lookups_total', 'answers', 'hit');
  // Asked again (the chart by a range a few seconds later, the same grid): the kept answers, the same ETag.
  const chartLater = chart.replace(new Date(t1 + 90_000).toISOString(), `${(t1 + 95_000) / 1000}`);
  const again = await Promise.all([
    get(chartLater),
    get(bars),
    get('/api/v1/readings/live'),
    get('/api/v1/readings/standby'),
  ]);
  assert.deepEqual(
    again.map((r) => r.headers.etag),
    first.map((r) => r.headers.etag),
  );
  assert.equal(await cacheMetric('api_read_cache_lookups_total', 'answers', 'hit'), hits + 4);
  assert.equal(again[0]?.body.series[0].name, 'Socket 0');
  assert.equal(again[0]?.body.series[0].watts.at(-1), null);

  // The household's own edits show at once: a socket's name, the tariff's currency.
  await http().put('/api/v1/devices/pi/sockets/0').set(as(a)).send({ name: 'Kettle' }).expect(200);
  await http()
    .put('/api/v1/household/tariff')
    .set(as(a))
    .send({ currency: 'CHF', periods: [{ from: '2000-01-01', pricePerKwh: 0.5 }] })
    .expect(200);
  const edited = await Promise.all([
    get(chart),
    get(bars),
    get('/api/v1/readings/live'),
    get('/api/v1/readings/standby'),
  ]);
  assert.equal(edited[0]?.body.series[0].name, 'Kettle');
  assert.equal(edited[1]?.body.currency, 'CHF');
  assert.equal(edited[2]?.body.sockets[0].name, 'Kettle');
  assert.deepEqual([edited[3]?.body.currency, edited[3]?.body.pricePerKwh], ['CHF', 0.5]);

  // A minute written before it is due stays unseen until then; once due, every view reads it.
  await importLines(lines(t1 + 60_000, 300));
  assert.equal((await get('/api/v1/readings/live')).body.sockets[0].watts, 100);
  clock = t1 + 61_000;
  const due = await Promise.all([get(chart), get('/api/v1/readings/live')]);
  assert.equal(due[1]?.body.sockets[0].watts, 300);
  assert.equal(due[0]?.body.series[0].watts.at(-1), 300);
});

test('a verified access token is remembered only until it expires, and a removed member is refused at once', async () => {
  const owner = await household();
  const exp = Math.floor(Date.now() / 1000) + 1;
  const short = jwt.sign({ hh: owner.householdId, sub: owner.userId, exp }, TEST_JWT_SECRET, {
    algorithm: 'HS256',
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
  });
  await http().get('/api/v1/readings/live').set('authorization', `Bearer ${short}`).expect(200);
  await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 10));
  await http().get('/api/v1/readings/live').set('authorization', `Bearer ${short}`).expect(401);

  await http().get('/api/v1/readings/live').set(as(owner)).expect(200);
  await deps.store.removeMembership(owner.userId, owner.householdId);
  await http().get('/api/v1/readings/live').set(as(owner)).expect(401);
});

test('two households sending identical requests never see each other’s cached answer', async () => {
  const a = await household();
  const b = await household();
  const day0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
  const now = Date.now() - 90_000;
  const lines: string[] = [];
  for (const [acc, perQ] of [
    [a, 900_000],
    [b, 9_000_000],
  ] as const) {
    for (let t = day0; t <= day0 + DAY; t += Q)
      lines.push(
        `${ENERGY_SERIES}{household="${acc.householdId}",device="pi",socket="0"} ${((t - day0) / Q) * perQ} ${t}`,
      );
    lines.push(
      `${POWER_SERIES}{household="${acc.householdId}",device="pi",socket="0"} ${perQ / 1000} ${now}`,
    );
    lines.push(`${COMPLETENESS_SERIES}{household="${acc.householdId}",device="pi"} ${now / 1000} ${now}`);
  }
  await importLines(lines);
  const energy = `/api/v1/readings/energy?bucket=day&from=${new Date(day0).toISOString()}&to=${new Date(day0 + DAY).toISOString()}`;
  const [ta, tb] = [await apiToken(a), await apiToken(b)];
  const prom = `/prometheus/api/v1/query?query=${encodeURIComponent(`sum(${POWER_SERIES})`)}&time=${Math.ceil(now / 1000)}`;
  for (let round = 0; round < 2; round++) {
    const ea = await http().get(energy).set(as(a)).expect(200);
    const eb = await http().get(energy).set(as(b)).expect(200);
    assert.deepEqual([ea.body.buckets[0].kwh, eb.body.buckets[0].kwh], [24, 240]);
    // B presenting A's ETag gets B's own answer, not a 304.
    await http().get(energy).set(as(b)).set('if-none-match', String(ea.headers.etag)).expect(200);
    const la = await http().get('/api/v1/readings/live').set(as(a)).expect(200);
    const lb = await http().get('/api/v1/readings/live').set(as(b)).expect(200);
    assert.deepEqual([la.body.sockets[0].watts, lb.body.sockets[0].watts], [900, 9000]);
    const range = `/prometheus/api/v1/query_range?query=${encodeURIComponent(`sum(increase(${ENERGY_SERIES}[1h]))`)}&start=${day0 / 1000 + 3600}&end=${(day0 + DAY) / 1000}&step=3600`;
    const ra = await http().get(range).set('authorization', ta).expect(200);
    const rb = await http().get(range).set('authorization', tb).expect(200);
    assert.deepEqual(
      [ra.body.data.result[0].values[0][1], rb.body.data.result[0].values[0][1]],
      ['3600000', '36000000'],
    );
    const pa = await http().get(prom).set('authorization', ta).expect(200);
    const pb = await http().get(prom).set('authorization', tb).expect(200);
    assert.deepEqual([pa.body.data.result[0].value[1], pb.body.data.result[0].value[1]], ['900', '9000']);
  }
  // Round two was answered from the caches (kept answers, kept final steps), each household its own.
  const hits = async () =>
    (await cacheMetric('api_read_cache_lookups_total', 'prometheus', 'hit')) +
    (await cacheMetric('api_read_cache_lookups_total', 'answers', 'hit'));
  assert.ok((await hits()) >= 2);
});

test('hostile PromQL through /prometheus: every answer holds only the caller’s household', async () => {
  const a = await household();
  const b = await household();
  const now = Date.now() - 90_000;
  // B's values all end in .4321: any of them in A's answers is a leak.
  // Readings before and after the final-step cache's horizon (completeness − 10 min), both complete.
  const lines: string[] = [];
  for (const at of [now - 25 * 60_000, now - 15 * 60_000, now]) {
    lines.push(
      `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="0"} 5 ${at}`,
      `${POWER_SERIES}{household="${b.householdId}",device="pi",socket="0"} 98765.4321 ${at}`,
      `${POWER_SERIES}{household="${b.householdId}",device="secret",socket="9"} 8765.4321 ${at}`,
    );
  }
  for (const h of [a, b])
    lines.push(
      `${COMPLETENESS_SERIES}{household="${h.householdId}",device="pi"} ${Date.now() / 1000} ${now}`,
    );
  await importLines(lines);
  const token = await apiToken(a);
  const tokenB = await apiToken(b);
  const B = JSON.stringify(b.householdId);
  const t = Math.ceil(now / 1000);
  const hostile = hostilePromql(a.householdId, b.householdId);
  // Only the data: an error message may quote the query text back.
  const leaks = (body: { data?: unknown }): boolean => {
    const s = JSON.stringify(body.data ?? null);
    return s.includes(b.householdId) || s.includes('.4321') || s.includes('secret');
  };
  const get = (path: string) => http().get(path).set('authorization', token);
  const hits = async () =>
    (await cacheMetric('api_read_cache_lookups_total', 'prometheus', 'hit')) +
    (await cacheMetric('api_read_cache_lookups_total', 'answers', 'hit'));
  const hitsBefore = await hits();
  for (const q of hostile) {
    for (const smuggle of smuggledFilters(b.householdId)) {
      for (const path of [
        `/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${t}${smuggle}`,
        // Step-aligned and plain: through the API's cache of final steps.
        `/prometheus/api/v1/query_range?query=${encodeURIComponent(q)}&start=${Math.floor(t / 60) * 60 - 1800}&end=${t}&step=60${smuggle}`,
      ]) {
        // B asks first, so B's answer and steps are kept under the same query; then A, twice (kept, then from the cache).
        await http().get(path).set('authorization', tokenB);
        for (let round = 0; round < 2; round++) {
          const r = await get(path);
          assert.ok(r.status < 500, `${path}: ${r.status}`);
          assert.ok(!leaks(r.body), `${path} leaks: ${r.text}`);
        }
      }
    }
    // The same in a form body, smuggled filters included.
    const form = await http()
      .post('/prometheus/api/v1/query')
      .set('authorization', token)
      .type('form')
      .send(
        `query=${encodeURIComponent(q)}&time=${t}&extra_label=household=${b.householdId}&extra_filters[]=${encodeURIComponent(`{household=${B}}`)}`,
      );
    assert.ok(!leaks(form.body), `form ${q} leaks: ${form.text}`);
  }
  const meta = [
    `/prometheus/api/v1/series?match[]=${encodeURIComponent(`{household=${B}}`)}`,
    `/prometheus/api/v1/series?match[]=${encodeURIComponent('{__name__=~".+"}')}&extra_filters[]=${encodeURIComponent(`{household=${B}}`)}`,
    `/prometheus/api/v1/labels?extra_label=household=${b.householdId}`,
    `/prometheus/api/v1/label/household/values?match[]=${encodeURIComponent('{household=~".*"}')}`,
    `/prometheus/api/v1/label/device/values?extra_filters[]=${encodeURIComponent(`{household=${B}}`)}`,
  ];
  for (const path of meta) {
    const r = await get(path).expect(200);
    assert.ok(!leaks(r.body), `${path} leaks: ${r.text}`);
  }
  const hh = await get('/prometheus/api/v1/label/household/values').expect(200);
  assert.deepEqual(hh.body.data, [a.householdId]);
  const devices = await get('/prometheus/api/v1/label/device/values').expect(200);
  assert.deepEqual(devices.body.data, ['pi']);
  assert.ok((await hits()) > hitsBefore);
  // And the cache holds A's own data: its kept steps come back, its household's only.
  const own = await get(
    `/prometheus/api/v1/query_range?query=${POWER_SERIES}&start=${Math.floor(t / 60) * 60 - 1800}&end=${t}&step=60`,
  ).expect(200);
  assert.deepEqual(
    own.body.data.result.map((x: { metric: Record<string, string> }) => x.metric.household),
    [a.householdId],
  );
  assert.ok(own.body.data.result[0].values.length >= 3);
});
