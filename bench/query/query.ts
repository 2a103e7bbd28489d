/**
 * bench:query — read latency through the API on the real VictoriaMetrics
 * with a seeded day and a half of the device simulator's minute data: live watts, the portal's day
 * chart, a month of daily bars, and, beside them, the naive direct query of
 * raw minute power for the same day. N concurrent users = N closed loops,
 * each logged in once. Prints a table, and with --json one JSON line last.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import { buildApp } from '@energy/api/app';
import { register, testDeps, type Account } from '@energy/api/test-support/test-deps';

const HOUSEHOLDS = Number(process.env.BENCH_HOUSEHOLDS ?? 10);
const SOCKETS = 30;
const USERS = Number(process.env.BENCH_USERS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const MINUTES = 36 * 60;

const vm = await testVictoriaMetrics();
const deps = testDeps({ vmUrl: vm.url, throttle: { perPair: 1e9, perAccount: 1e9, perAddress: 1e9 } });
const app = buildApp(deps);
const accounts: Account[] = [];
for (let h = 0; h < HOUSEHOLDS; h++) accounts.push(await register(app, { timeZone: 'UTC' }));

// Minute data from the device simulator: each minute's mean power and the
// exact energy counter, stamped at the minute's end as the collector writes
// them, sent as Prometheus text.
const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const L = SERIES_LABELS;
for (const a of accounts) {
  const sim = new HouseholdSimulator({ seed: 1, householdId: a.householdId, deviceId: 'pi' });
  const lines: string[] = [];
  for (let s = 0; s < SOCKETS; s++) {
    let joules = 0;
    for (let m = MINUTES; m >= 0; m--) {
      const t = end - m * 60_000;
      const minute = t / 60_000 - 1;
      joules += sim.minuteEnergyJoules(s, minute);
      const l = `${L.household}="${a.householdId}",${L.device}="pi",${L.socket}="${s}"`;
      lines.push(
        `${POWER_SERIES}{${l}} ${sim.minuteDeciwatts(s, minute) / 10} ${t}`,
        `${ENERGY_SERIES}{${l}} ${joules} ${t}`,
      );
    }
  }
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: gzipSync(lines.join('\n') + '\n'),
    headers: { 'content-encoding': 'gzip' },
  });
  if (res.status !== 204) throw new Error(`import: ${res.status}`);
}
await vm.forceFlush();

const cb = app.callback();
const server = createServer((req, res) => void cb(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const midnight = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString();
const monthAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
const paths = {
  live: '/api/v1/readings/live',
  dayChart: `/api/v1/readings/power?from=${encodeURIComponent(midnight)}&step=300`,
  monthBars: `/api/v1/readings/energy?bucket=day&from=${encodeURIComponent(monthAgo)}`,
};

let dayChartBytes = 0;
async function get(a: Account, path: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${a.accessToken}`, 'accept-encoding': 'gzip' },
  });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  // Bytes on the wire: content-length of the compressed answer when compressed.
  if (path === paths.dayChart)
    dayChartBytes = Number(res.headers.get('content-length') ?? body.byteLength) || body.byteLength;
  return performance.now() - t;
}
async function naive(a: Account): Promise<number> {
  const t = performance.now();
  const q = new URLSearchParams({
    query: POWER_SERIES,
    start: String(Date.parse(midnight) / 1000),
    end: String(Math.floor(Date.now() / 1000)),
    step: '60',
    extra_label: `${SERIES_LABELS.household}=${a.householdId}`,
    nocache: '1',
  });
  const res = await fetch(`${vm.url}/api/v1/query_range?${q.toString()}`);
  await res.arrayBuffer();
  return performance.now() - t;
}

async function loops(fn: (a: Account) => Promise<number>): Promise<number> {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: USERS }, async (_x, u) => {
      const a = accounts[u % accounts.length] as Account;
      for (let i = 0; i < ROUNDS; i++) times.push(await fn(a));
    }),
  );
  times.sort((x, y) => x - y);
  return Math.round((times[Math.min(times.length - 1, Math.floor(0.99 * times.length))] ?? NaN) * 10) / 10;
}

const result = {
  liveP99Ms: await loops((a) => get(a, paths.live)),
  dayChartP99Ms: await loops((a) => get(a, paths.dayChart)),
  monthBarsP99Ms: await loops((a) => get(a, paths.monthBars)),
  naiveDirectP99Ms: await loops(naive),
  dayChartBytes,
};
console.log(
  `bench:query  (${HOUSEHOLDS} households × ${SOCKETS} sockets, ${MINUTES / 60} h of minute data; ${USERS} concurrent users × ${ROUNDS} rounds)`,
);
for (const [k, v] of Object.entries(result)) console.log(`  ${k.padEnd(20)} ${v}`);
if (process.argv.includes('--json') || process.env.npm_config_json) console.log(JSON.stringify(result));
server.closeAllConnections();
server.close();
await deps.store.close();
