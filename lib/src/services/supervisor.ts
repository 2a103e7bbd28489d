import { spawn, execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPortsFree, type PortClaim } from './ports.js';

/** How the supervisor decides that a started process is ready to serve. */
export type HealthCheck =
  | { readonly url: string }
  | { readonly command: string; readonly args: readonly string[]; readonly env?: NodeJS.ProcessEnv };

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Merged over the launcher's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr of the child are appended here. */
  readonly logFile: string;
  /** Checked before the start, so a taken port fails fast with its variable named. */
  readonly ports?: readonly PortClaim[];
  readonly health?: HealthCheck;
  readonly startTimeoutMs?: number;
  /** Time a graceful stop gets before SIGKILL. */
  readonly stopTimeoutMs?: number;
  /** A graceful stop run before SIGTERM (e.g. `rabbitmqctl stop`); errors are ignored. */
  readonly gracefulStop?: () => Promise<void>;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SupervisedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the child has exited. */
  readonly exited: Promise<ExitInfo>;
  readonly isRunning: () => boolean;
  /** Graceful stop, then SIGTERM, then SIGKILL after stopTimeoutMs; resolves once the child is gone. */
  readonly stop: () => Promise<void>;
  /** Sends a signal (default SIGKILL) to the child's process groups (fault tests: SIGKILL, SIGSTOP, SIGCONT). */
  readonly kill: (signal?: NodeJS.Signals) => void;
  /**
   * Adds a process group the child created (`su` starts a new session) so
   * that kill() and stop() reach it too.
   */
  readonly adoptGroup: (pgid: number) => void;
  /** Lets the launcher's event loop end while the child runs (test kits stop it in `beforeExit`). */
  readonly unref: () => void;
}

/** Raised when a child does not become healthy; carries the end of its log. */
export class ServiceStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceStartError';
  }
}

const live = new Set<SupervisedProcess>();
let exitHookInstalled = false;

/** SIGKILLs every child still running, synchronously (for `exit` and signal handlers). */
export function killAllSync(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}

/** Last resort: a launcher that exits without stopping its children still kills them. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllSync);
}

export function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Whether a process with this pid exists (signal 0: nothing is sent). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a child in the foreground (never daemonized) in its own process
 * group — so Ctrl-C reaches the launcher only, which stops children in order —
 * and waits for its health check.
 */
export async function startProcess(spec: ProcessSpec): Promise<SupervisedProcess> {
  if (spec.ports) await assertPortsFree(spec.name, spec.ports);
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, [...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  let running = true;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    // A spawn error (missing binary) never emits 'exit'.
    child.once('error', () => {
      running = false;
      resolve({ code: null, signal: null });
    });
  });
  try {
    await spawned;
  } catch (err) {
    throw new ServiceStartError(`${spec.name}: cannot start ${spec.command}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const pid = child.pid ?? 0;
  const stopTimeoutMs = spec.stopTimeoutMs ?? 15_000;

  const groups = [pid];
  const signalGroups = (signal: NodeJS.Signals): void => {
    // Adopted groups first: the real server dies before its wrapper notices.
    for (const g of [...groups].reverse()) {
      try {
        process.kill(-g, signal);
      } catch {
        // The group is already gone.
      }
    }
  };
  const signalGroup = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    if (running) signalGroups(signal);
  };
  const waitExit = async (ms: number): Promise<boolean> => {
    if (!running) return true;
    const timer = sleep(ms, undefined, { ref: false }).then(() => false);
    return Promise.race([exited.then(() => true), timer]);
  };
  let stopping: Promise<void> | undefined;
  const proc: SupervisedProcess = {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    exited,
    isRunning: () => running,
    kill: signalGroup,
    unref: () => child.unref(),
    adoptGroup(pgid) {
      if (pgid > 0 && !groups.includes(pgid)) groups.push(pgid);
    },
    stop() {
      stopping ??= (async () => {
        // An unref'd child must hold the event loop again until it is gone.
        child.ref();
        if (running && spec.gracefulStop) {
          await Promise.race([
            spec.gracefulStop().catch(() => undefined),
            sleep(stopTimeoutMs, undefined, { ref: false }),
          ]);
        }
        if (!(await waitExit(spec.gracefulStop ? 2_000 : 0))) {
          signalGroup('SIGCONT'); // a SIGSTOPped child cannot handle SIGTERM
          signalGroup('SIGTERM');
          if (!(await waitExit(stopTimeoutMs))) {
            signalGroup('SIGKILL');
            await exited;
          }
        }
        // Helpers of the child left in its groups (e.g. erl_child_setup) go too.
        signalGroups('SIGKILL');
        live.delete(proc);
      })();
      return stopping;
    },
  };
  live.add(proc);
  installExitHook();

  if (spec.health) {
    try {
      await waitHealthy(spec.name, spec.health, spec.startTimeoutMs ?? 60_000, () => running);
    } catch (err) {
      await proc.stop();
      throw new ServiceStartError(
        `${(err as Error).message}\n--- last lines of ${spec.logFile} ---\n${logTail(spec.logFile)}`,
        { cause: err },
      );
    }
  }
  return proc;
}

async function checkOnce(health: HealthCheck): Promise<boolean> {
  if ('url' in health) {
    try {
      const res = await fetch(health.url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }
  return new Promise((resolve) => {
    execFile(
      health.command,
      [...health.args],
      { env: { ...process.env, ...health.env }, timeout: 30_000 },
      (err) => resolve(err === null),
    );
  });
}

/** Polls the health check until it passes, the child exits, or the deadline passes. */
export async function waitHealthy(
  name: string,
  health: HealthCheck,
  timeoutMs: number,
  isRunning: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const what = 'url' in health ? health.url : `${health.command} ${health.args.join(' ')}`;
  for (;;) {
    if (!isRunning()) throw new Error(`${name}: exited before it became healthy (${what})`);
    if (await checkOnce(health)) return;
    if (Date.now() > deadline) throw new Error(`${name}: not healthy after ${timeoutMs} ms (${what})`);
    await sleep(250);
  }
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`${command} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`, { cause: err }),
          );
        else resolve(stdout);
      },
    );
  });
}
