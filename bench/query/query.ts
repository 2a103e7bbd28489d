/**
 * `npm run bench:query [-- --json] [-- --rebuild]`: what households looking
 * at their data cost, on the real VictoriaMetrics and the API in processes
 * of its own. BENCH_HOUSEHOLDS households × 30 sockets with BENCH_HOURS of
 * the device simulator's minute data (power, energy counter, and each
 * device's completeness watermark), kept on and appended to each minute
 * while the bench runs, as devices would. BENCH_USERS closed loops (each
 * user logged in once, one household each), in one run:
 * (1) the portal: live → day chart → month bars, over and over;
 * (2) the household Grafana board: one refresh = every panel query at once,
 *     through /prometheus with the household's Grafana token — as Grafana
 *     runs it (every user's board open, refreshed at the board's own
 *     `refresh`, 1 min, from a random phase, for BENCH_BOARD_SECONDS,
 *     default 120: grafanaBoardP99Ms), then back to back (every user
 *     refreshing again as soon as a refresh is answered: what one API
 *     process carries, grafanaRefreshesPerSec and the CPU per refresh);
 * (3) naive: the day chart's raw query straight to VictoriaMetrics with the
 *     household's label (what a proxy without the API would cost).
 * BENCH_PHASES (default portal,board,grafana,naive) picks phases; BENCH_LIVE=0 appends no
 * minutes while the bench runs. Each phase runs BENCH_SECONDS (default 20) or BENCH_ROUNDS cycles per
 * user, after one untimed cycle per user. Prints a table; with --json one
 * JSON line last. The loaded VictoriaMetrics data dir and the seeded
 * accounts are kept under $BENCH_DIR (default /tmp/energy-bench-query),
 * keyed by their shape; --rebuild (or BENCH_REBUILD=1) loads them afresh.
 * BENCH_API_ROOT runs the API from another checkout (a worktree of the
 * commit to measure); the result names the commit.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { freePort, startVictoriaMetrics, type VictoriaMetricsHandle } from '@energy/lib/services/index';
import {
  API_ROOT,
  apiRevision,
  login,
  seedAccounts,
  startApi,
  type ApiProcess,
  type SeededHousehold,
} from './api-fleet.js';
import { FleetData } from './fleet-data.js';
import { startLiveWriter } from './live-writer.js';
import { measureCpu } from '../shared/proc-cpu.js';
import {
  BROWSER_ENCODING,
  GRAFANA_ENCODING,
  BOARD_REFRESH_MS,
  boardRefreshRequests,
  PORTAL_CYCLE,
  portalPath,
  type PortalView,
} from './views.js';
import { bodyText, WireClient, type WireAnswer } from './wire-client.js';
import { checkAnswers } from './answer-check.js';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${v}`);
  return n;
};
const USERS = env('BENCH_USERS', 100);
const HOUSEHOLDS = env('BENCH_HOUSEHOLDS', 1000);
const HOURS = env('BENCH_HOURS', 36);
const API_PROCESSES = env('BENCH_API_PROCESSES', 1);
const ROUNDS = process.env.BENCH_ROUNDS ? env('BENCH_ROUNDS', 1) : undefined;
const SECONDS = env('BENCH_SECONDS', 20);
const SOCKETS = 30;
const PHASES = new Set((process.env.BENCH_PHASES ?? 'portal,board,grafana,naive').split(','));
const BOARD_SECONDS = env('BENCH_BOARD_SECONDS', 120);
const BASE = process.env.BENCH_DIR ?? '/tmp/energy-bench-query';
const json = process.argv.includes('--json') || process.env.npm_config_json === 'true';
const rebuild = process.argv.includes('--rebuild') || process.env.BENCH_REBUILD === '1';
const log = (s: string) => process.stderr.write(`${s}\n`);

const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(0.99 * s.length))] ?? NaN) * 10) / 10;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const nowMinute = () => Math.floor(Date.now() / 60_000);

function ok(a: WireAnswer, what: string): WireAnswer {
  if (a.status !== 200) throw new Error(`${what}: ${a.status} ${bodyText(a).slice(0, 300)}`);
  return a;
}

/** Runs every user's loop until the phase ends; `cycle` is one round of a user. */
async function closedLoops(users: number, cycle: (u: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: users }, async (_x, u) => {
      for (let i = 0; ROUNDS !== undefined ? i < ROUNDS : performance.now() < deadline; i++) await cycle(u);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** One board phase's record: each refresh's time and bytes, each panel query's time, by panel too. */
interface BoardStats {
  readonly refreshMs: number[];
  readonly panelMs: number[];
  readonly wire: number[];
  readonly byPanel: Map<string, number[]>;
}
const boardStats = (): BoardStats => ({ refreshMs: [], panelMs: [], wire: [], byPanel: new Map() });

/** Each user's cycle every `intervalMs` from a random phase, for `seconds`: boards left open, refreshed by Grafana. */
async function periodicLoops(
  users: number,
  intervalMs: number,
  seconds: number,
  cycle: (u: number) => Promise<void>,
): Promise<number> {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: users }, async (_x, u) => {
      for (let next = t0 + Math.random() * intervalMs; next < end; next += intervalMs) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
        await cycle(u);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function loadFleet(
  households: readonly SeededHousehold[],
  vmDir: string,
): Promise<{
  vm: VictoriaMetricsHandle;
  stateFile: string;
  shape: string;
  loadSeconds: number;
  samples: number;
}> {
  const stateFile = join(vmDir, 'fleet-state.json');
  const shape = `${households.length}x${SOCKETS}x${HOURS}h`;
  let opened = FleetData.open(households, SOCKETS, stateFile, shape);
  // Appending more than half the window would be a different shape of data: load afresh.
  const stale = opened.reused && nowMinute() - opened.fleet.lastMinute > (HOURS * 60) / 2;
  if (rebuild || stale || !opened.reused) {
    rmSync(vmDir, { recursive: true, force: true });
    mkdirSync(vmDir, { recursive: true });
    opened = FleetData.open(households, SOCKETS, stateFile, shape);
  }
  const vm = await startVictoriaMetrics({
    port: await freePort(),
    dataDir: join(vmDir, 'data'),
    logFile: join(vmDir, 'victoria-metrics.log'),
    name: 'bench-query-vm',
    loggerLevel: 'WARN',
  });
  const to = nowMinute() - 1;
  const minutes = to - (opened.reused ? opened.fleet.lastMinute : to - HOURS * 60);
  log(
    opened.reused
      ? `reusing ${vmDir}: appending ${minutes} minutes`
      : `loading ${households.length} households × ${SOCKETS} sockets × ${HOURS} h into ${vmDir}…`,
  );
  const t0 = performance.now();
  const samples = await opened.fleet.writeUpTo(vm.url, to, to - HOURS * 60 + 1);
  await vm.forceFlush();
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`  ${samples.toLocaleString('en')} samples in ${loadSeconds.toFixed(1)} s`);
  return { vm, stateFile, shape, loadSeconds, samples };
}

async function main(): Promise<void> {
  const vmDir = join(BASE, `vm-${HOUSEHOLDS}x${SOCKETS}x${HOURS}h`);
  const stateDir = join(BASE, `accounts-${HOUSEHOLDS}`);
  const logDir = join(BASE, 'logs');
  mkdirSync(logDir, { recursive: true });
  if (rebuild) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  log(`seeding ${HOUSEHOLDS} households into ${stateDir}…`);
  const t0 = performance.now();
  const households = await seedAccounts(stateDir, HOUSEHOLDS);
  log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const { vm, stateFile: fleetState, shape, loadSeconds, samples } = await loadFleet(households, vmDir);
  const apis: ApiProcess[] = [];
  let stopWriting = async () => {};
  try {
    for (let i = 0; i < API_PROCESSES; i++) apis.push(await startApi(i, { stateDir, vmUrl: vm.url, logDir }));
    log(`API: ${apis.map((a) => `${a.url} (pid ${a.process.pid})`).join(', ')}`);
    // Devices keep writing while the bench runs: each minute's readings and watermarks as it ends
    // (BENCH_LIVE=0: not, to tell the writing's and ingest's share of the minute's end from the API's).
    if (process.env.BENCH_LIVE !== '0')
      stopWriting = startLiveWriter(
        { households, sockets: SOCKETS, stateFile: fleetState, shape, vmUrl: vm.url },
        log,
      );

    // User u looks at household ⌊u·H/U⌋ through API process u mod P.
    const users = Array.from({ length: USERS }, (_x, u) => {
      const hh = households[Math.floor((u * households.length) / USERS)] as SeededHousehold;
      const api = apis[u % apis.length] as ApiProcess;
      return { hh, api, client: new WireClient(api.url), token: '' };
    });
    for (const u of users) u.token = await login(u.api.url, u.hh.email);
    const pids = { api: apis.map((a) => a.process.pid), vm: [vm.process.pid] };
    /** One untimed cycle per user, then the timed loops; a phase left out of BENCH_PHASES measures nothing. */
    const phase = async (
      name: string,
      cycle: (u: number, timed: boolean) => Promise<void>,
      loops: (timed: (u: number) => Promise<void>) => Promise<number> = (timed) => closedLoops(USERS, timed),
    ) => {
      if (!PHASES.has(name)) return { result: NaN, cpuMs: {} as Record<string, number> };
      await Promise.all(users.map((_x, u) => cycle(u, false)));
      return measureCpu(pids, () => loops((u) => cycle(u, true)));
    };

    // (1) the portal
    const times: Record<PortalView, number[]> = { live: [], dayChart: [], monthBars: [] };
    // Every view's latency, split by when it was asked: in the 10 s after a minute ends (when the
    // devices' minute is written and every household's answers stop standing) or not.
    const atMinute: number[] = [];
    const between: number[] = [];
    const dayChartWire: number[] = [];
    const portalCycle = async (u: number, timed: boolean) => {
      const user = users[u] as (typeof users)[number];
      for (const view of PORTAL_CYCLE) {
        const a = ok(
          await user.client.get(portalPath(view, Date.now()), {
            authorization: `Bearer ${user.token}`,
            'accept-encoding': BROWSER_ENCODING,
          }),
          view,
        );
        if (!timed) continue;
        times[view].push(a.ms);
        ((Date.now() - a.ms) % 60_000 < 10_000 ? atMinute : between).push(a.ms);
        if (view === 'dayChart') dayChartWire.push(a.wireBytes);
      }
    };
    log('(1) portal views…');
    const check = await checkAnswers(users[0] as (typeof users)[number], SOCKETS);
    log(`  ${check.summary}`);
    const portal = await phase('portal', portalCycle);
    const views = times.live.length + times.dayChart.length + times.monthBars.length;

    // (2) the Grafana board: as Grafana runs it, then back to back, each phase into its own record
    const boardRefresh = (into: BoardStats) => async (u: number, timed: boolean) => {
      const user = users[u] as (typeof users)[number];
      const t = performance.now();
      const requests = boardRefreshRequests(Date.now(), user.hh.timeZone);
      const answers = await Promise.all(
        requests.map(({ path }) =>
          user.client.get(path, {
            authorization: `Bearer ${user.hh.grafanaToken}`,
            'accept-encoding': GRAFANA_ENCODING,
          }),
        ),
      );
      for (const a of answers) ok(a, 'grafana panel query');
      if (!timed) return;
      into.refreshMs.push(performance.now() - t);
      answers.forEach((a, i) => {
        into.panelMs.push(a.ms);
        const panel = requests[i]?.panel ?? '';
        let ms = into.byPanel.get(panel);
        if (!ms) into.byPanel.set(panel, (ms = []));
        ms.push(a.ms);
      });
      into.wire.push(answers.reduce((n, a) => n + a.wireBytes, 0));
    };
    const viewed = boardStats();
    const saturated = boardStats();
    log(`(2) Grafana board, every board refreshed each ${BOARD_REFRESH_MS / 1000} s for ${BOARD_SECONDS} s…`);
    const board = await phase('board', boardRefresh(viewed), (timed) =>
      periodicLoops(USERS, BOARD_REFRESH_MS, BOARD_SECONDS, timed),
    );
    log('    …and back to back…');
    const grafana = await phase('grafana', boardRefresh(saturated));

    // (3) naive: the day chart's raw series straight from VictoriaMetrics, its cache bypassed
    const naiveMs: number[] = [];
    const naiveWire: number[] = [];
    const vmClient = new WireClient(vm.url);
    const naiveQuery = async (u: number, timed: boolean) => {
      const user = users[u] as (typeof users)[number];
      const now = Date.now();
      const q = new URLSearchParams({
        query: POWER_SERIES,
        start: String(Math.floor(now / 1000) - 86_400),
        end: String(Math.floor(now / 1000)),
        step: '300',
        extra_label: `${SERIES_LABELS.household}=${user.hh.id}`,
        nocache: '1',
      });
      const a = ok(
        await vmClient.get(`/api/v1/query_range?${q.toString()}`, { 'accept-encoding': 'gzip' }),
        'naive',
      );
      if (!timed) return;
      naiveMs.push(a.ms);
      naiveWire.push(a.wireBytes);
    };
    log('(3) naive direct…');
    const naive = await phase('naive', naiveQuery);
    vmClient.close();
    for (const u of users) u.client.close();

    const perView = (ms: number | undefined, n: number) =>
      Math.round(((ms ?? 0) / Math.max(1, n)) * 100) / 100;
    const result = {
      apiCommit: apiRevision(),
      liveP99Ms: p99(times.live),
      dayChartP99Ms: p99(times.dayChart),
      monthBarsP99Ms: p99(times.monthBars),
      grafanaBoardP99Ms: p99(viewed.refreshMs),
      naiveDirectP99Ms: p99(naiveMs),
      dayChartBytes: median(dayChartWire),
      viewsPerSec: Math.round(views / portal.result),
      portalP99AtMinuteMs: p99(atMinute),
      portalP99BetweenMs: p99(between),
      grafanaBoardRefreshes: viewed.refreshMs.length,
      grafanaBoardMedianMs: median(viewed.refreshMs),
      grafanaSaturatedP99Ms: p99(saturated.refreshMs),
      grafanaPanelP99Ms: p99(saturated.panelMs),
      grafanaRefreshBytes: median(saturated.wire),
      grafanaRefreshesPerSec: Math.round((saturated.refreshMs.length / grafana.result) * 10) / 10,
      naivePerSec: Math.round(naiveMs.length / naive.result),
      naiveBytes: median(naiveWire),
      dayChartPoints: check.points,
      cpuMsPerView: {
        api: perView(portal.cpuMs.api, views),
        vm: perView(portal.cpuMs.vm, views),
        bench: perView(portal.cpuMs.bench, views),
      },
      cpuMsPerViewedRefresh: {
        api: perView(board.cpuMs.api, viewed.refreshMs.length),
        vm: perView(board.cpuMs.vm, viewed.refreshMs.length),
      },
      cpuMsPerBoardRefresh: {
        api: perView(grafana.cpuMs.api, saturated.refreshMs.length),
        vm: perView(grafana.cpuMs.vm, saturated.refreshMs.length),
        bench: perView(grafana.cpuMs.bench, saturated.refreshMs.length),
      },
      cpuMsPerNaiveQuery: { vm: perView(naive.cpuMs.vm, naiveMs.length) },
      // Share of the machine's cores each used over the portal phase.
      portalCoresBusy: {
        api: Math.round(((portal.cpuMs.api ?? 0) / 1000 / portal.result) * 100) / 100,
        vm: Math.round(((portal.cpuMs.vm ?? 0) / 1000 / portal.result) * 100) / 100,
        bench: Math.round(((portal.cpuMs.bench ?? 0) / 1000 / portal.result) * 100) / 100,
      },
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      loadedSamples: samples,
    };
    const rows: [string, string][] = [
      [
        'shape',
        `${HOUSEHOLDS} households × ${SOCKETS} sockets × ${HOURS} h of minute data; ${USERS} users; ${API_PROCESSES} API process(es)`,
      ],
      ['API from', `${API_ROOT} at ${result.apiCommit}`],
      ['data load', `${samples.toLocaleString('en')} samples in ${result.loadSeconds} s`],
      ['(1) portal', `${views} views in ${portal.result.toFixed(1)} s = ${result.viewsPerSec} views/s`],
      ['    live p99', `${result.liveP99Ms} ms`],
      [
        '    day chart p99',
        `${result.dayChartP99Ms} ms, ${result.dayChartBytes} B on the wire, ${result.dayChartPoints} points`,
      ],
      ['    month bars p99', `${result.monthBarsP99Ms} ms`],
      [
        '    all views p99',
        `${result.portalP99AtMinuteMs} ms asked in the 10 s after a minute ends (${atMinute.length} views), ${result.portalP99BetweenMs} ms the rest`,
      ],
      [
        '    CPU ms per view',
        `API ${result.cpuMsPerView.api}, VictoriaMetrics ${result.cpuMsPerView.vm}, bench ${result.cpuMsPerView.bench}`,
      ],
      [
        '    cores busy',
        `API ${result.portalCoresBusy.api}, VictoriaMetrics ${result.portalCoresBusy.vm}, bench ${result.portalCoresBusy.bench}`,
      ],
      [
        '(2) Grafana board p99',
        `${result.grafanaBoardP99Ms} ms per refresh, median ${result.grafanaBoardMedianMs} ms, over ${viewed.refreshMs.length} refreshes (${USERS} boards refreshed each ${BOARD_REFRESH_MS / 1000} s for ${Math.round(board.result)} s); CPU ms per refresh API ${result.cpuMsPerViewedRefresh.api}, VictoriaMetrics ${result.cpuMsPerViewedRefresh.vm}`,
      ],
      ...[...viewed.byPanel].map(([panel, ms]): [string, string] => [
        `      ${panel}`.slice(0, 24),
        `p99 ${p99(ms)} ms`,
      ]),
      [
        '    back to back p99',
        `${result.grafanaSaturatedP99Ms} ms per refresh (${saturated.panelMs.length / Math.max(1, saturated.refreshMs.length)} queries; each p99 ${result.grafanaPanelP99Ms} ms), ${result.grafanaRefreshesPerSec} refreshes/s, ${result.grafanaRefreshBytes} B on the wire`,
      ],
      ...[...saturated.byPanel].map(([panel, ms]): [string, string] => [
        `      ${panel}`.slice(0, 24),
        `p99 ${p99(ms)} ms`,
      ]),
      [
        '    CPU ms per refresh',
        `API ${result.cpuMsPerBoardRefresh.api}, VictoriaMetrics ${result.cpuMsPerBoardRefresh.vm}, bench ${result.cpuMsPerBoardRefresh.bench}`,
      ],
      [
        '(3) naive direct p99',
        `${result.naiveDirectP99Ms} ms, ${result.naivePerSec} queries/s, ${result.naiveBytes} B; VictoriaMetrics CPU ${result.cpuMsPerNaiveQuery.vm} ms per query`,
      ],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(24)} ${v}\n`);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stopWriting();
    await Promise.allSettled(apis.map((a) => a.process.stop()));
    await vm.stop();
  }
}

await main();
