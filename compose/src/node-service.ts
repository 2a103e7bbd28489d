import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type PortClaim } from '@energy/lib/services/index';
import type { Started } from './component.js';
import { REPO_ROOT } from './repo-paths.js';

export interface NodeServiceSpec {
  readonly name: string;
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
  readonly ports: readonly PortClaim[];
  readonly healthUrl: string;
  /** The CA of an https healthUrl (the local CA): checked with curl, as Node's fetch takes no CA per call. */
  readonly caFile?: string;
  readonly address: string;
}

/** Runs one of our built services (`<workspace>/dist/*.js`) and waits for its health URL. */
export async function startNodeService(spec: NodeServiceSpec): Promise<Started> {
  const p = await startProcess({
    name: spec.name,
    command: process.execPath,
    args: ['--enable-source-maps', spec.entry],
    cwd: REPO_ROOT,
    env: spec.env,
    logFile: join(spec.logDir, `${spec.name}.log`),
    ports: spec.ports,
    health: spec.caFile
      ? { command: 'curl', args: ['-fsS', '-o', '/dev/null', '--cacert', spec.caFile, spec.healthUrl] }
      : { url: spec.healthUrl },
    startTimeoutMs: 60_000,
    stopTimeoutMs: 15_000,
  });
  return { address: spec.address, pid: p.pid, stop: () => p.stop(), exited: p.exited };
}

/** Runs a built one-shot command to its end; its stderr goes to logFile; resolves with its stdout. */
export function runNodeJob(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--enable-source-maps', entry],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 10 * 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        appendFileSync(logFile, stderr);
        if (err)
          reject(new Error(`${name} failed: ${err.message}\n${stderr.split('\n').slice(-15).join('\n')}`));
        else resolve(stdout);
      },
    );
  });
}
