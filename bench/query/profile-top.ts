/**
 * `node --import tsx bench/query/profile-top.ts <file.cpuprofile> [n] [--last=<s>]`:
 * the functions with the most self time in a V8 CPU profile (what
 * BENCH_API_PROFILE=1 writes), and the share of each package. `--last=10`
 * counts only the profile's last 10 s (the phase, without start-up and
 * logins); idle time is left out of the shares.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const lastS = Number(args.find((a) => a.startsWith('--last='))?.slice(7) ?? Infinity);
const [file, nArg] = args.filter((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [n]');
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
let idle = 0;
const at: number[] = [];
p.timeDeltas.reduce((t, dt, i) => (at[i] = t + dt), 0);
const from = (at[at.length - 1] ?? 0) - lastS * 1e6;
p.samples.forEach((id, i) => {
  const n = byId.get(id);
  const dt = p.timeDeltas[i] ?? 0;
  if (!n || (at[i] ?? 0) < from) return;
  if (n.callFrame.functionName === '(idle)') {
    idle += dt;
    return;
  }
  total += dt;
  const f = n.callFrame;
  const where = f.url.replace(/^file:\/\//, '');
  const key = `${f.functionName || '(anonymous)'}  ${where.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
    (where.includes('/src/') ? 'ours' : where ? 'node' : f.functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
});
const pct = (x: number) => `${((100 * x) / total).toFixed(1)} %`.padStart(7);
process.stdout.write(`busy ${(total / 1000).toFixed(0)} ms sampled, idle ${(idle / 1000).toFixed(0)} ms\n`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 20))) {
  process.stdout.write(`${pct(v)}  ${k}\n`);
}
process.stdout.write('by package:\n');
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12))
  process.stdout.write(`${pct(v)}  ${k}\n`);
