/** CPU time of processes from /proc: what each benchmark reports per message or per view. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function processTree(pid: number): number[] {
  const parents = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [c, pp] of parents) if (pp === tree[i]) tree.push(c);
  return tree;
}

/** CPU time (user + system) of a process and its descendants, ms (100 ticks/s). */
export function treeCpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      // After the parenthesised command: utime and stime are the 12th and 13th fields.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks * 10;
}

export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU ms of each named process group (and the bench itself) over `phase`. */
export async function measureCpu<T>(
  groups: Readonly<Record<string, readonly number[]>>,
  phase: () => Promise<T>,
): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const sum = (pids: readonly number[]) => pids.reduce((n, p) => n + treeCpuMs(p), 0);
  const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, sum(pids)]));
  const self0 = selfCpuMs();
  const result = await phase();
  const cpuMs: Record<string, number> = {};
  for (const [k, pids] of Object.entries(groups)) cpuMs[k] = sum(pids) - (before[k] ?? 0);
  cpuMs.bench = selfCpuMs() - self0;
  return { result, cpuMs };
}
