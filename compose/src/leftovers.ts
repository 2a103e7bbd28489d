/**
 * A launcher that was SIGKILLed (OOM killer, a closed terminal, `kill -9`)
 * cannot stop its children: broker, stores and services keep their ports,
 * and the next `npm run stack` would only say the ports are taken. Every
 * child inherits two environment variables from the launcher — its pid and
 * its STATE_DIR — so the next launcher finds them in /proc and stops them
 * before it starts, and refuses to start while a live launcher owns the
 * same STATE_DIR.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive as alive } from '@energy/lib/services/supervisor';

export const LAUNCHER_PID_VAR = 'ENERGY_LAUNCHER_PID';
export const LAUNCHER_STATE_VAR = 'ENERGY_LAUNCHER_STATE_DIR';

/** A process started (directly or not) by an earlier launcher for this STATE_DIR. */
export interface Leftover {
  readonly pid: number;
  readonly launcherPid: number;
  readonly command: string;
}

export interface LeftoverScan {
  readonly leftovers: readonly Leftover[];
  /** A launcher that still runs for this STATE_DIR: its children are not leftovers. */
  readonly liveLauncher?: number;
}

/** Sets the marker that every child spawned from now on inherits. */
export function markChildren(stateDir: string, env: NodeJS.ProcessEnv = process.env): void {
  env[LAUNCHER_PID_VAR] = String(process.pid);
  env[LAUNCHER_STATE_VAR] = resolve(stateDir);
}

function readProc(pid: number, file: 'environ' | 'cmdline'): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0');
  } catch {
    return undefined; // gone, or not ours to read
  }
}

function isLauncher(pid: number): boolean {
  const cmd = readProc(pid, 'cmdline');
  return cmd !== undefined && cmd.some((a) => /compose\/(src|dist)\/cli\.(ts|js)$/.test(a));
}

export function findLeftovers(stateDir: string, selfPid = process.pid): LeftoverScan {
  const dir = resolve(stateDir);
  const leftovers: Leftover[] = [];
  let liveLauncher: number | undefined;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === selfPid) continue;
    const env = readProc(pid, 'environ');
    if (!env?.includes(`${LAUNCHER_STATE_VAR}=${dir}`)) continue;
    const launcherPid = Number(env.find((e) => e.startsWith(`${LAUNCHER_PID_VAR}=`))?.split('=')[1]);
    if (launcherPid === selfPid) continue;
    if (isLauncher(launcherPid)) {
      liveLauncher = launcherPid;
      continue;
    }
    const argv = readProc(pid, 'cmdline') ?? [];
    // epmd is the machine's one Erlang port mapper, started by whichever node
    // came first and shared by every other: not ours to stop.
    if (/(^|\/)epmd$/.test(argv[0] ?? '')) continue;
    leftovers.push({ pid, launcherPid, command: argv.join(' ').trim() });
  }
  return liveLauncher === undefined ? { leftovers } : { leftovers, liveLauncher };
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM (after SIGCONT, for a stopped one), then SIGKILL what is left after `graceMs`. */
export async function stopLeftovers(leftovers: readonly Leftover[], graceMs = 10_000): Promise<void> {
  const pids = leftovers.map((l) => l.pid);
  signal(pids, 'SIGCONT');
  signal(pids, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < end) await sleep(100);
  signal(pids.filter(alive), 'SIGKILL');
  while (pids.some(alive) && Date.now() < end + 5_000) await sleep(50);
}
