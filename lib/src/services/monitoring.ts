import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { startProcess, type SupervisedProcess } from './supervisor.js';

/** vmagent scraping the platform's components into the monitoring VictoriaMetrics. */
export interface VmagentOptions {
  readonly port: number;
  readonly scrapeConfigFile: string;
  readonly remoteWriteUrl: string;
  /** Where vmagent spools while the store is down. */
  readonly tmpDataPath: string;
  /** vmagent expands %{VAR} in the scrape config from its environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile: string;
  readonly portEnvVar?: string;
  readonly extraArgs?: readonly string[];
}

export function startVmagent(opts: VmagentOptions): Promise<SupervisedProcess> {
  mkdirSync(opts.tmpDataPath, { recursive: true });
  return startProcess({
    name: 'vmagent',
    command: 'vmagent',
    args: [
      `-httpListenAddr=127.0.0.1:${opts.port}`,
      `-promscrape.config=${opts.scrapeConfigFile}`,
      `-remoteWrite.url=${opts.remoteWriteUrl}`,
      `-remoteWrite.tmpDataPath=${opts.tmpDataPath}`,
      ...(opts.extraArgs ?? []),
    ],
    env: opts.env,
    logFile: opts.logFile,
    ports: [{ port: opts.port, envVar: opts.portEnvVar ?? 'VMAGENT_PORT' }],
    health: { url: `http://127.0.0.1:${opts.port}/health` },
  });
}

export interface VmalertOptions {
  readonly name?: string;
  readonly port: number;
  /** Rule files or globs. */
  readonly ruleFiles: readonly string[];
  readonly datasourceUrl: string;
  readonly notifierUrl: string;
  /** Where recording rules write their results (usually the datasource). */
  readonly remoteWriteUrl?: string;
  /** Restores alert state across restarts. */
  readonly remoteReadUrl?: string;
  readonly evaluationInterval?: string;
  readonly logFile: string;
  readonly portEnvVar?: string;
  readonly extraArgs?: readonly string[];
}

export function startVmalert(opts: VmalertOptions): Promise<SupervisedProcess> {
  return startProcess({
    name: opts.name ?? 'vmalert',
    command: 'vmalert',
    args: [
      `-httpListenAddr=127.0.0.1:${opts.port}`,
      ...opts.ruleFiles.map((f) => `-rule=${f}`),
      `-datasource.url=${opts.datasourceUrl}`,
      `-notifier.url=${opts.notifierUrl}`,
      ...(opts.remoteWriteUrl ? [`-remoteWrite.url=${opts.remoteWriteUrl}`] : []),
      ...(opts.remoteReadUrl ? [`-remoteRead.url=${opts.remoteReadUrl}`] : []),
      `-evaluationInterval=${opts.evaluationInterval ?? '15s'}`,
      ...(opts.extraArgs ?? []),
    ],
    logFile: opts.logFile,
    ports: [{ port: opts.port, envVar: opts.portEnvVar ?? 'VMALERT_PORT' }],
    health: { url: `http://127.0.0.1:${opts.port}/health` },
  });
}

/** One run of vmalert's replay mode: recording rules evaluated over a past window, results written back. */
export interface VmalertReplayOptions {
  readonly ruleFiles: readonly string[];
  readonly datasourceUrl: string;
  readonly remoteWriteUrl: string;
  /** The window, as Unix seconds. */
  readonly fromS: number;
  readonly toS: number;
  /**
   * The replay's step: vmalert replays with -datasource.queryStep (default
   * 5m), not the group's interval, so an hourly group needs '1h' here.
   */
  readonly queryStep: string;
  /** vmalert listens even while replaying: a free port keeps parallel runs apart. */
  readonly port: number;
}

/**
 * Replays recording rules over the past, as an operator backfills recorded
 * hours (and tests record history without waiting for it). Runs to its end;
 * the output is returned for assertion messages.
 */
export function replayVmalert(opts: VmalertReplayOptions): { status: number | null; output: string } {
  const iso = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  const r = spawnSync(
    'vmalert',
    [
      ...opts.ruleFiles.map((f) => `-rule=${f}`),
      `-datasource.url=${opts.datasourceUrl}`,
      `-remoteWrite.url=${opts.remoteWriteUrl}`,
      `-replay.timeFrom=${iso(opts.fromS)}`,
      `-replay.timeTo=${iso(opts.toS)}`,
      '-replay.disableProgressBar',
      `-datasource.queryStep=${opts.queryStep}`,
      `-httpListenAddr=127.0.0.1:${opts.port}`,
    ],
    { encoding: 'utf8' },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

export interface AlertmanagerOptions {
  readonly port: number;
  readonly configFile: string;
  readonly storagePath: string;
  readonly logFile: string;
  readonly portEnvVar?: string;
  readonly extraArgs?: readonly string[];
}

export function startAlertmanager(opts: AlertmanagerOptions): Promise<SupervisedProcess> {
  mkdirSync(opts.storagePath, { recursive: true });
  return startProcess({
    name: 'alertmanager',
    command: 'prometheus-alertmanager',
    args: [
      `--config.file=${opts.configFile}`,
      `--storage.path=${opts.storagePath}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      // Empty: a single node opens no cluster port.
      '--cluster.listen-address=',
      ...(opts.extraArgs ?? []),
    ],
    logFile: opts.logFile,
    ports: [{ port: opts.port, envVar: opts.portEnvVar ?? 'ALERTMANAGER_PORT' }],
    health: { url: `http://127.0.0.1:${opts.port}/-/ready` },
  });
}
