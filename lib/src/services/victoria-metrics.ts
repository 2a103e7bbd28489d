import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type SupervisedProcess } from './supervisor.js';

export interface VictoriaMetricsOptions {
  readonly port: number;
  readonly dataDir: string;
  /** Its own default (one month) silently drops older samples; backfills need years. */
  readonly retentionPeriod?: string;
  readonly logFile?: string;
  /** The variable that moves the port, named when the port is taken. */
  readonly portEnvVar?: string;
  readonly name?: string;
  /** Tests whose stores only see a few tiny queries keep their logs quiet with 'ERROR'; default INFO. */
  readonly loggerLevel?: 'INFO' | 'WARN' | 'ERROR';
  readonly extraArgs?: readonly string[];
}

export interface VictoriaMetricsHandle {
  readonly url: string;
  readonly process: SupervisedProcess;
  /** Makes fresh samples queryable at once (tests; it otherwise buffers ~5 s). */
  readonly forceFlush: () => Promise<void>;
  readonly stop: () => Promise<void>;
  readonly kill: (signal?: NodeJS.Signals) => void;
}

export async function startVictoriaMetrics(opts: VictoriaMetricsOptions): Promise<VictoriaMetricsHandle> {
  const url = `http://127.0.0.1:${opts.port}`;
  mkdirSync(opts.dataDir, { recursive: true });
  const proc = await startProcess({
    name: opts.name ?? 'victoria-metrics',
    command: 'victoria-metrics',
    args: [
      `-httpListenAddr=127.0.0.1:${opts.port}`,
      `-storageDataPath=${opts.dataDir}`,
      `-retentionPeriod=${opts.retentionPeriod ?? '5y'}`,
      // Replays of the same sample collapse to one (at-least-once delivery).
      '-dedup.minScrapeInterval=1ms',
      // A fleet of households has far more series than the 300 k default allows per query.
      '-search.maxUniqueTimeseries=10000000',
      ...(opts.loggerLevel ? [`-loggerLevel=${opts.loggerLevel}`] : []),
      ...(opts.extraArgs ?? []),
    ],
    logFile: opts.logFile ?? join(opts.dataDir, '..', `${opts.name ?? 'victoria-metrics'}.log`),
    ports: [{ port: opts.port, envVar: opts.portEnvVar ?? 'VM_URL' }],
    health: { url: `${url}/health` },
  });
  return {
    url,
    process: proc,
    async forceFlush() {
      const res = await fetch(`${url}/internal/force_flush`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`force_flush answered ${res.status}`);
    },
    stop: () => proc.stop(),
    kill: (signal) => proc.kill(signal),
  };
}
