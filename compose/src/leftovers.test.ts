import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { findLeftovers, LAUNCHER_PID_VAR, LAUNCHER_STATE_VAR, stopLeftovers } from './leftovers.js';

/** The pid of a process that has exited (a launcher that was SIGKILLed). */
async function deadPid(): Promise<number> {
  const p = spawn('true');
  await once(p, 'exit');
  return p.pid ?? 0;
}

function startMarked(stateDir: string, launcherPid: number, argv = ['sleep', '300']): ChildProcess {
  return spawn(argv[0] as string, argv.slice(1), {
    env: { ...process.env, [LAUNCHER_PID_VAR]: String(launcherPid), [LAUNCHER_STATE_VAR]: stateDir },
    stdio: 'ignore',
  });
}

test('processes of a dead launcher for this STATE_DIR are found and stopped; others are left alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'leftovers-'));
  const other = mkdtempSync(join(tmpdir(), 'leftovers-other-'));
  const dead = await deadPid();
  const orphan = startMarked(dir, dead);
  // One that ignores SIGTERM: SIGKILL after the grace.
  const stubborn = startMarked(dir, dead, ['sh', '-c', 'trap "" TERM; sleep 300 & wait']);
  const foreign = startMarked(other, dead);
  t.after(() => {
    for (const c of [orphan, stubborn, foreign]) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  });
  await Promise.all([once(orphan, 'spawn'), once(stubborn, 'spawn'), once(foreign, 'spawn')]);

  const scan = findLeftovers(dir);
  assert.equal(scan.liveLauncher, undefined);
  const pids = scan.leftovers.map((l) => l.pid).sort();
  // The stubborn shell's own `sleep` child inherits the marker too.
  assert.ok(pids.includes(orphan.pid ?? -1) && pids.includes(stubborn.pid ?? -1), `found ${pids.join(',')}`);
  assert.ok(!pids.includes(foreign.pid ?? -1), 'another STATE_DIR is not ours');
  assert.ok(scan.leftovers.every((l) => l.launcherPid === dead));
  assert.match(scan.leftovers.find((l) => l.pid === orphan.pid)?.command ?? '', /sleep 300/);

  const exits = [once(orphan, 'exit'), once(stubborn, 'exit')];
  await stopLeftovers(scan.leftovers, 500);
  const [orphanExit, stubbornExit] = (await Promise.all(exits)) as [
    [number | null, NodeJS.Signals],
    [number | null, NodeJS.Signals],
  ];
  assert.equal(orphanExit[1], 'SIGTERM');
  assert.equal(stubbornExit[1], 'SIGKILL');
  assert.deepEqual(findLeftovers(dir).leftovers, []);
  assert.equal(foreign.exitCode, null, 'the other STATE_DIR’s process still runs');
});

test('a live launcher for the same STATE_DIR is reported, and its children are not leftovers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'leftovers-live-'));
  // Stands in for a running launcher: its command line names compose/src/cli.ts.
  const launcher = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', 'compose/src/cli.ts'], {
    stdio: 'ignore',
  });
  await once(launcher, 'spawn');
  const child = startMarked(dir, launcher.pid ?? 0);
  t.after(() => {
    launcher.kill('SIGKILL');
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await once(child, 'spawn');
  const scan = findLeftovers(dir);
  assert.equal(scan.liveLauncher, launcher.pid);
  assert.deepEqual(scan.leftovers, []);
});
