// Test helpers for the monitoring configuration: start the Debian binaries
// (victoria-metrics, vmagent, vmalert, prometheus-alertmanager) on free
// ports in a temp dir, and render the Alertmanager template the way the
// launcher must (compose/monitoring/README.md).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const repoRoot = new URL('../', import.meta.url).pathname;
export const monitoringDir = join(repoRoot, 'compose/monitoring');
export const rulesDir = join(repoRoot, 'alerting/rules');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs a command to its end; the output is returned for assertion messages. */
export function run(cmd: string, args: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
  log(): string;
}

export async function startService(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { dir: string; healthUrl: string; env?: NodeJS.ProcessEnv },
): Promise<Service> {
  const logFile = join(opts.dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...opts.env } });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: Service = {
    name,
    child,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start:\n${service.log()}`);
    try {
      const res = await fetch(opts.healthUrl);
      if (res.ok) return service;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await service.stop();
  throw new Error(`${name} did not become healthy:\n${service.log()}`);
}

/** The platform or monitoring store, with the flags DESIGN.md fixes. */
export async function startVictoriaMetrics(name: string, dir: string, port: number): Promise<Service> {
  return startService(
    name,
    'victoria-metrics',
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, name)}`,
      '-retentionPeriod=5y',
      '-dedup.minScrapeInterval=1ms',
      // vmalert's own queries and writes in a test are tiny; keep logs quiet.
      '-loggerLevel=ERROR',
    ],
    { dir, healthUrl: `http://127.0.0.1:${port}/health` },
  );
}

/** The launcher's own renderer of compose/monitoring/alertmanager.yml.tmpl: tests render it the same way. */
export { renderAlertmanagerConfig, type AlertmanagerTemplateVars } from '@energy/compose/alertmanager-config';

/** Fresh samples become queryable only after a flush (FACTS.md). */
export async function forceFlush(vmUrl: string): Promise<void> {
  const res = await fetch(`${vmUrl}/internal/force_flush`);
  if (!res.ok) throw new Error(`force_flush: ${res.status}`);
}

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export async function instantQuery(vmUrl: string, query: string, time?: number): Promise<VectorSample[]> {
  const params = new URLSearchParams({ query, nocache: '1' });
  if (time !== undefined) params.set('time', String(time));
  const res = await fetch(`${vmUrl}/api/v1/query?${params.toString()}`);
  const body = (await res.json()) as { status: string; data?: { result: VectorSample[] }; error?: string };
  if (!res.ok || body.status !== 'success' || body.data === undefined) {
    throw new Error(`query ${query}: ${res.status} ${body.error ?? ''}`);
  }
  return body.data.result;
}
