// End to end: `npm run stack -- --fleet` on free ports in a temp STATE_DIR;
// the launcher SIGKILLed and started again (it stops what the first left);
// health of every component that is built, readings arriving, then SIGTERM
// and nothing left behind.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { POWER_SERIES } from '@energy/lib/series';
import { freePort, processAlive as alive } from '@energy/lib/services/index';
import { REPO_ROOT } from './repo-paths.js';

const PORT_VARS = [
  'API_PORT',
  'BROKER_AUTH_PORT',
  'VM_PORT',
  'AMQP_PORT',
  'AMQPS_PORT',
  'RABBITMQ_MANAGEMENT_PORT',
  'RABBITMQ_PROMETHEUS_PORT',
  'RABBITMQ_DIST_PORT',
  'COLLECTOR_METRICS_PORT',
  'EXPORTER_METRICS_PORT',
  'MONITORING_VM_PORT',
  'VMAGENT_PORT',
  'VMALERT_OPERATORS_PORT',
  'VMALERT_HOUSEHOLDS_PORT',
  'ALERTMANAGER_PORT',
  'ALERT_SINK_PORT',
  'MAIL_SINK_SMTP_PORT',
  'MAIL_SINK_HTTP_PORT',
] as const;

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

interface Launch {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly out: string[];
  readonly running: Promise<void>;
}

function launch(stateDir: string, ports: Record<string, string>, nodeName: string): Launch {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'compose/src/cli.ts',
      '--fleet',
      '--households',
      '2',
      '--backfill-hours',
      '1',
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...ports,
        STATE_DIR: stateDir,
        RABBITMQ_NODENAME: nodeName,
        DEMO_PASSWORD: 'stack-test-pw',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const out: string[] = [];
  const running = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      out.push(line);
      if (line.startsWith('stack: running')) resolve();
    });
    void exited.then((code) => reject(new Error(`stack exited with ${code}:\n${out.join('\n')}`)));
  });
  return { child, exited, out, running };
}

function runningPids(text: string): { name: string; pid: number }[] {
  return [...text.matchAll(/^(\S+)\s+running\s+(\d+)/gm)].map((m) => ({
    name: m[1] ?? '',
    pid: Number(m[2]),
  }));
}

test('the stack starts healthy, carries readings, and SIGTERM leaves no process behind', async (t) => {
  const stateDir = mkdtempSync('/tmp/energy-stack-test-');
  const ports: Record<string, string> = {};
  for (const v of PORT_VARS) ports[v] = String(await freePort());
  const nodeName = `energy-stack-test-${process.pid}@localhost`;

  // A launcher that is SIGKILLed cannot stop its children: the next one, on
  // the same STATE_DIR and ports, stops them first instead of failing on
  // taken ports.
  const first = launch(stateDir, ports, nodeName);
  try {
    await first.running;
  } finally {
    first.child.kill('SIGKILL');
    await first.exited;
  }
  const orphans = runningPids(first.out.join('\n'));
  assert.ok(
    orphans.length > 3 && orphans.every((p) => alive(p.pid)),
    'children outlive a SIGKILLed launcher',
  );

  const { child, exited, out, running } = launch(stateDir, ports, nodeName);
  try {
    await running;
    const text = out.join('\n');
    t.diagnostic(text);
    assert.match(text, /^stack: stopping \d+ processes that launcher \d+ left running/m);
    for (const p of orphans)
      assert.equal(alive(p.pid), false, `${p.name} (${p.pid}) of the killed launcher still runs`);
    const pids = runningPids(text);
    assert.ok(pids.some((p) => p.name === 'victoria-metrics'));
    assert.ok(pids.some((p) => p.name === 'rabbitmq'));
    assert.doesNotMatch(text, /\bfailed\b/);

    const url = (v: (typeof PORT_VARS)[number], path: string): string =>
      `http://127.0.0.1:${ports[v]}${path}`;
    const ok = async (u: string): Promise<boolean> => {
      const res = await fetch(u);
      await res.arrayBuffer();
      return res.ok;
    };
    assert.ok(await ok(url('VM_PORT', '/health')));
    const names = new Set(pids.map((p) => p.name));
    if (names.has('api')) {
      assert.ok(await ok(url('API_PORT', '/readyz')));
      assert.match(text, /^Portal: http:\/\/127\.0\.0\.1:\d+ {2}login: demo@example\.com \/ stack-test-pw$/m);
    }
    // The demo prints where its mails are read, and the mail sink answers there.
    assert.equal(
      /^Mails \(alerts, invitations\): (\S+)$/m.exec(text)?.[1],
      url('MAIL_SINK_HTTP_PORT', '/mails'),
    );
    assert.ok(await ok(url('MAIL_SINK_HTTP_PORT', '/mails')));
    if (names.has('collector')) assert.ok(await ok(url('COLLECTOR_METRICS_PORT', '/readyz')));
    if (names.has('vmagent')) assert.ok(await ok(url('VMAGENT_PORT', '/health')));
    if (names.has('alertmanager')) {
      assert.ok(await ok(url('ALERTMANAGER_PORT', '/-/ready')));
      // The demo prints where operator alerts land, and the sink answers there.
      const sinkLine = /^Operator alerts: (\S+)$/m.exec(text);
      assert.equal(sinkLine?.[1], url('ALERT_SINK_PORT', '/alerts'));
      assert.ok(await ok(url('ALERT_SINK_PORT', '/alerts')));
    }

    if (names.has('exporter-fleet') && names.has('collector')) {
      // The fleet backfills an hour: readings reach VictoriaMetrics through the broker and the collector.
      const series = await until('readings in VictoriaMetrics', 120_000, async () => {
        await fetch(url('VM_PORT', '/internal/force_flush'));
        const res = await fetch(url('VM_PORT', `/api/v1/query?query=count(${POWER_SERIES})&nocache=1`));
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        const n = Number(body.data.result[0]?.value[1] ?? 0);
        return n > 0 ? n : undefined;
      });
      t.diagnostic(`${series} power series stored`);
    }

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const p of pids) assert.equal(alive(p.pid), false, `${p.name} (${p.pid}) still runs`);
    // pgrep exits 1 when nothing matches (called directly: a shell would match its own command line).
    let leftovers = '';
    try {
      leftovers = execFileSync('pgrep', ['-af', stateDir]).toString().trim();
    } catch {
      leftovers = '';
    }
    assert.equal(leftovers, '', 'processes using the state folder');
    const epmd = execFileSync('sh', ['-c', 'epmd -names 2>/dev/null || true']).toString();
    assert.ok(!epmd.includes(`name ${nodeName.split('@')[0]} `), 'the broker node is gone');
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  }
});
