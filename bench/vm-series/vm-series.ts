/**
 * bench:vm-series — what VictoriaMetrics costs per active series and per
 * stored sample, for the capacity plan (bench/capacity/).
 *
 * 1. Series: BENCH_SERIES series (default 1,000,000 = 16,667 households × 30
 *    sockets × power and energy, the platform's own names and labels), one
 *    sample each per simulated minute, BENCH_ROUNDS minutes written by
 *    remote write as the collector writes. The first minute registers the
 *    series; the later ones are the steady state. Memory per active series =
 *    (VictoriaMetrics' RSS after the last minute − its RSS empty) / series;
 *    CPU = its user + system time (/proc) per steady minute, per series.
 * 2. Disk: BENCH_DISK_HOUSEHOLDS households (default 100) × BENCH_DISK_DAYS
 *    days (default 30) of minute data written raw with the device simulator
 *    (bench/query's loader: power and energy per socket and the completeness
 *    watermark), flushed and merged: bytes on disk (data + indexdb) per sample.
 *
 * `BENCH_PHASES=series,disk` picks; `-- --json` prints one JSON line last;
 * the result also goes to /tmp/energy-bench-results/vm-series.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { compressRequest } from '@energy/collector/core/remote-write-encoder';
import { RemoteWriteClient } from '@energy/collector/vm/remote-write-client';
import { ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { freePort, startVictoriaMetrics, type VictoriaMetricsHandle } from '@energy/lib/services/index';
import { treeCpuMs } from '../shared/proc-cpu.js';
import { FleetData, type BenchHousehold } from '../query/fleet-data.js';
import { SeriesRequest } from '../query/series-request.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const DISK_HOUSEHOLDS = Number(process.env.BENCH_DISK_HOUSEHOLDS ?? 100);
const DISK_DAYS = Number(process.env.BENCH_DISK_DAYS ?? 30);
const PHASES = (process.env.BENCH_PHASES ?? 'series,disk').split(',');
const SOCKETS = 30;
const PER_REQUEST = 20_000;
const json = process.argv.includes('--json') || Boolean(process.env.npm_config_json);
const say = (s: string) => process.stderr.write(`# ${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function dataBytes(dir: string): number {
  const out = execFileSync('du', ['-sb', join(dir, 'data'), join(dir, 'indexdb')], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .reduce((n, l) => n + Number(l.split('\t')[0]), 0);
}

async function startVm(dir: string): Promise<VictoriaMetricsHandle> {
  return startVictoriaMetrics({
    port: await freePort(),
    dataDir: dir,
    logFile: join(dir, '..', `${Date.now()}-vm.log`),
    loggerLevel: 'ERROR',
  });
}

/** One minute of every series: one sample each, remote write in requests of PER_REQUEST series, 3 in flight. */
async function writeMinute(vmUrl: string, minute: number): Promise<void> {
  const client = new RemoteWriteClient(vmUrl, 120_000);
  const ts = [minute * 60_000];
  const inFlight = new Set<Promise<void>>();
  try {
    for (let s0 = 0; s0 < SERIES; s0 += PER_REQUEST) {
      const req = new SeriesRequest();
      for (let s = s0; s < Math.min(SERIES, s0 + PER_REQUEST); s++) {
        const socket = (s >> 1) % SOCKETS;
        const household = `hv${String(Math.floor(s / (2 * SOCKETS))).padStart(7, '0')}`;
        req.add(
          {
            __name__: s % 2 === 0 ? POWER_SERIES : ENERGY_SERIES,
            [SERIES_LABELS.household]: household,
            [SERIES_LABELS.device]: 'pi1',
            [SERIES_LABELS.socket]: String(socket),
          },
          ts,
          [(minute % 1000) + s],
        );
      }
      const body = await compressRequest(req.raw());
      const w = client.writeOnce(body).then((r) => {
        if (r.kind !== 'success') throw new Error(`remote write failed: ${JSON.stringify(r)}`);
      });
      inFlight.add(w);
      void w.finally(() => inFlight.delete(w)).catch(() => undefined);
      if (inFlight.size >= 3) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    client.close();
  }
}

const root = mkdtempSync('/tmp/energy-bench-vm-series-');
const result: Record<string, unknown> = { date: new Date().toISOString(), loadAverageStart: loadavg() };
try {
  if (PHASES.includes('series')) {
    const vm = await startVm(join(root, 'series'));
    try {
      const pid = vm.process.pid;
      await sleep(2000);
      const rss0 = rssBytes(pid);
      const first = Math.floor(Date.now() / 60_000) - ROUNDS - 1;
      const rounds: { cpuMs: number; seconds: number; rssMB: number }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const cpu0 = treeCpuMs(pid);
        const t0 = Date.now();
        await writeMinute(vm.url, first + r);
        await vm.forceFlush();
        const cpuMs = treeCpuMs(pid) - cpu0;
        rounds.push({ cpuMs, seconds: (Date.now() - t0) / 1000, rssMB: Math.round(rssBytes(pid) / 2 ** 20) });
        say(
          `minute ${r + 1}/${ROUNDS}: ${SERIES} series, VictoriaMetrics ${cpuMs} ms CPU, RSS ${rounds.at(-1)?.rssMB} MB`,
        );
      }
      await sleep(5000);
      const rss1 = rssBytes(pid);
      const steady = rounds.slice(1);
      const steadyCpuMs = steady.reduce((s, x) => s + x.cpuMs, 0) / Math.max(1, steady.length);
      Object.assign(result, {
        series: SERIES,
        rounds,
        vmRssEmptyMB: Math.round(rss0 / 2 ** 20),
        vmRssMB: Math.round(rss1 / 2 ** 20),
        memoryPerActiveSeriesBytes: Math.round((rss1 - rss0) / SERIES),
        registerCpuUsPerSeries: Number((((rounds[0]?.cpuMs ?? 0) * 1000) / SERIES).toFixed(2)),
        steadyCpuUsPerSample: Number(((steadyCpuMs * 1000) / SERIES).toFixed(2)),
        // Cores kept busy by one sample per series per minute, per million series.
        coresPerMillionSeriesPerMinute: Number(((steadyCpuMs / 60_000) * (1e6 / SERIES)).toFixed(4)),
      });
    } finally {
      await vm.stop();
    }
  }
  if (PHASES.includes('disk')) {
    const dir = join(root, 'disk');
    const vm = await startVm(dir);
    try {
      const households: BenchHousehold[] = Array.from({ length: DISK_HOUSEHOLDS }, (_, i) => ({
        id: `hd${String(i).padStart(4, '0')}`,
        timeZone: ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'][i % 3] ?? 'UTC',
        device: 'pi1',
      }));
      const { fleet } = FleetData.open(households, SOCKETS, join(root, 'disk-state.json'), 'vm-series');
      const last = Math.floor(Date.now() / 60_000) - 1;
      const from = last - DISK_DAYS * 1440 + 1;
      let samples = 0;
      const t0 = Date.now();
      // A day at a time keeps each request under VictoriaMetrics' size limit.
      for (let to = from + 1439; to <= last + 1439; to += 1440) {
        samples += await fleet.writeUpTo(vm.url, Math.min(to, last), from);
        if ((to - from + 1) % (1440 * 5) === 0)
          say(`disk: ${Math.round((to - from + 1) / 1440)} days written`);
      }
      const loadSeconds = (Date.now() - t0) / 1000;
      await vm.forceFlush();
      await fetch(`${vm.url}/internal/force_merge`).then((r) => r.arrayBuffer());
      await sleep(15_000);
      const disk = dataBytes(dir);
      Object.assign(result, {
        diskHouseholds: DISK_HOUSEHOLDS,
        diskDays: DISK_DAYS,
        diskSamples: samples,
        diskBytes: disk,
        diskBytesPerSample: Number((disk / samples).toFixed(3)),
        diskLoadSamplesPerSec: Math.round(samples / loadSeconds),
      });
    } finally {
      await vm.stop();
    }
  }
  result.loadAverageEnd = loadavg();
  console.log('bench:vm-series  VictoriaMetrics per active series and per stored sample');
  for (const [k, v] of Object.entries(result)) console.log(`  ${k.padEnd(34)} ${JSON.stringify(v)}`);
  mkdirSync('/tmp/energy-bench-results', { recursive: true });
  writeFileSync('/tmp/energy-bench-results/vm-series.json', `${JSON.stringify(result)}\n`);
  if (json) console.log(JSON.stringify(result));
} finally {
  rmSync(root, { recursive: true, force: true });
}
