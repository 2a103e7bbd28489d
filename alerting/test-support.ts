// Test helpers for the monitoring configuration: temp dirs, free ports,
// queries, and the Alertmanager template rendered the way the launcher
// renders it (compose/monitoring/README.md). The binaries themselves
// (victoria-metrics, vmagent, vmalert, prometheus-alertmanager) are started
// with lib's starters (@energy/lib/services), as the launcher starts them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERIES_LABELS } from '@energy/lib/series';

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

/** What a test stops in its `finally`, newest first. */
export interface Service {
  stop(): Promise<void>;
}

/** The launcher's own renderer of compose/monitoring/alertmanager.yml.tmpl: tests render it the same way. */
export { renderAlertmanagerConfig, type AlertmanagerTemplateVars } from '@energy/compose/alertmanager-config';

/**
 * One sample of a reading series (POWER_SERIES or ENERGY_SERIES) as a line of
 * Prometheus text for /api/v1/import/prometheus, labelled as the collector
 * labels it: the rules under test then see what production stores.
 */
export function readingLine(
  series: string,
  at: { readonly household: string; readonly device: string; readonly socket: number },
  value: number,
  timestampMs: number,
): string {
  const L = SERIES_LABELS;
  return `${series}{${L.household}="${at.household}",${L.device}="${at.device}",${L.socket}="${at.socket}"} ${value} ${timestampMs}`;
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
