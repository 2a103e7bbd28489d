// Test helpers for the monitoring configuration: start the Debian binaries
// (victoria-metrics, vmagent, vmalert, prometheus-alertmanager) on free
// ports in a temp dir, and render the Alertmanager template the way the
// launcher must (compose/monitoring/README.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type SupervisedProcess } from '@energy/lib/services/supervisor';

export const repoRoot = new URL('../', import.meta.url).pathname;
export const monitoringDir = join(repoRoot, 'compose/monitoring');
export const rulesDir = join(repoRoot, 'alerting/rules');

export { freePort } from '@energy/lib/services/ports';

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs a command to its end; the output is returned for assertion messages. */
export function run(cmd: string, args: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export type Service = SupervisedProcess;

/** A binary under the project's own supervisor (lib/src/services), logging into dir, healthy when healthUrl answers. */
export function startService(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { dir: string; healthUrl: string; env?: NodeJS.ProcessEnv },
): Promise<Service> {
  return startProcess({
    name,
    command: cmd,
    args,
    env: opts.env,
    logFile: join(opts.dir, `${name}.log`),
    health: { url: opts.healthUrl },
  });
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
