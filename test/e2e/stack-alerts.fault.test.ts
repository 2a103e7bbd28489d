/*
 * Alerting on the whole local stack, started through the launcher's own code
 * (compose/src: stackComponents + Stack) on free ports and a temp STATE_DIR:
 * platform VictoriaMetrics, RabbitMQ with the API's auth backend, API,
 * collector, the monitoring stack (monitoring VM, vmagent, both vmalerts,
 * Alertmanager) and a fleet of 2 households.
 *
 * 1. The collector stops while the fleet publishes → the monitoring
 *    Alertmanager holds CollectorDown.
 * 2. DeviceOffline for a household's device reaches that household's
 *    notifications through Alertmanager and the API webhook; a muted device's
 *    alert is received and dropped.
 *
 * Timing assumptions (no timed assertions; only bounded polling deadlines):
 * - SCRAPE_INTERVAL=5s; vmalert-operators evaluates every 15 s (fixed in
 *   components.ts); CollectorDown has `for: 1m` → expected at ~1.5 min.
 * - QueueBacklogGrowing needs > 10 000 ready messages AND `for: 5m`: a small
 *   fleet publishing once a minute cannot reach the floor, and 5 minutes
 *   alone exceed this file's budget. Left as a skipped test (see its reason).
 * - DeviceOffline's grace is written into the rule (`[10m]` window, vmalert
 *   households every 1m): a real silent device fires after ≥ 10–11 minutes,
 *   beyond this file's budget. Test 2 therefore posts the alert that
 *   vmalert-households would send into the real Alertmanager (same labels),
 *   which routes it (group_wait 10s) to the real API webhook.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { readConfig } from '@energy/lib/config';
import { freePort } from '@energy/lib/services/ports';
import { stackComponents, type StackContext } from '@energy/compose/components';
import { Stack } from '@energy/compose/stack';
import { STACK_CONFIG, type StackConfig } from '@energy/compose/stack-config';
import { loadSecrets, prepareStateDir } from '@energy/compose/state-dir';

const DEMO_EMAIL = 'demo@example.com';
const DEMO_PASSWORD = `stack-alerts-${process.pid}-pw`;

let stateDir: string;
let config: StackConfig;
let stack: Stack | undefined;
let amUrl: string;
let apiUrl: string;
const pids: number[] = [];

async function poll<T>(what: string, deadlineMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `${what}: not within ${deadlineMs / 1000} s${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  assert.ok(res.ok, `${res.status} ${text}`);
  return JSON.parse(text) as T;
}

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string };
}

async function amAlerts(): Promise<AmAlert[]> {
  return json<AmAlert[]>(await fetch(`${amUrl}/api/v2/alerts`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  // Under /tmp, not a 0700 home: user rabbitmq must traverse it.
  stateDir = mkdtempSync('/tmp/stack-alerts-');
  const env: NodeJS.ProcessEnv = {
    STATE_DIR: stateDir,
    FLEET: 'true',
    FLEET_HOUSEHOLDS: '2',
    BACKFILL_HOURS: '0',
    SCRAPE_INTERVAL: '5s',
    DEMO_PASSWORD,
    RABBITMQ_NODENAME: `stackalerts${process.pid}@localhost`,
  };
  const portVars = Object.values(STACK_CONFIG)
    .map(([name]) => name)
    .filter((name) => name.endsWith('_PORT'));
  for (const v of portVars) env[v] = String(await freePort());
  config = readConfig(STACK_CONFIG, env);
  amUrl = `http://127.0.0.1:${config.alertmanagerPort}`;
  apiUrl = `http://127.0.0.1:${config.apiPort}`;
  prepareStateDir(stateDir);
  const ctx: StackContext = {};
  stack = new Stack(stackComponents(config, loadSecrets(stateDir), ctx));
  await stack.start();
  for (const s of stack.list) if (s.status === 'running' && s.started.pid) pids.push(s.started.pid);
  const bad = stack.list.filter((s) => s.status !== 'running' && s.status !== 'done');
  assert.deepEqual(
    bad.map((s) => `${s.name}: ${s.status}`),
    [],
    `every component must start (logs in ${stateDir}/logs)`,
  );
});

after(async () => {
  await stack?.stop();
  const left = await poll('every process of the stack ended', 30_000, () =>
    Promise.resolve(pids.some(alive) ? undefined : []),
  ).catch(() => pids.filter(alive));
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  assert.deepEqual(left, [], 'processes left running after stop');
});

// Runs before the collector test: Alertmanager inhibits DeviceOffline while
// CollectorDown fires (compose/monitoring/alertmanager.yml.tmpl, no `equal`).
interface Device {
  id: string;
}

test(
  'DeviceOffline reaches the household notifications; not while muted',
  { timeout: 3 * 60_000 },
  async () => {
    const session = await json<{ accessToken: string }>(
      await fetch(`${apiUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
      }),
    );
    const auth = { authorization: `Bearer ${session.accessToken}` };
    const me = await json<{ household: { id: string } }>(
      await fetch(`${apiUrl}/api/v1/me`, { headers: auth }),
    );
    const { devices } = await json<{ devices: Device[] }>(
      await fetch(`${apiUrl}/api/v1/devices`, { headers: auth }),
    );
    assert.ok(devices.length >= 1, 'the seed gave the demo household a device');
    const silent = devices[0] as Device;
    // A second device of the same household, registered through the API, to be muted.
    const muted = await json<Device>(
      await fetch(`${apiUrl}/api/v1/devices`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'muted plug' }),
      }),
    );

    const muteUntil = new Date(Date.now() + 3600_000).toISOString();
    await json(
      await fetch(`${apiUrl}/api/v1/devices/${muted.id}/alerts`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ muteUntil }),
      }),
    );

    const mutedBefore = await mutedCount();
    // What vmalert-households sends for a device silent past its 10-minute grace.
    const startsAt = new Date(Date.now() - 11 * 60_000).toISOString();
    const alert = (device: string): unknown => ({
      labels: {
        alertname: 'DeviceOffline',
        severity: 'warning',
        audience: 'household',
        grace_minutes: '10',
        household: me.household.id,
        device,
      },
      annotations: { summary: `Device ${device} stopped sending readings` },
      startsAt,
    });
    const posted = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([alert(muted.id), alert(silent.id)]),
    });
    assert.ok(posted.ok, `Alertmanager took the alerts: ${posted.status}`);

    // group_wait 10s for the household route; 2 minutes bound.
    const n = await poll('DeviceOffline notification', 2 * 60_000, async () => {
      const { notifications } = await json<{ notifications: { device: string | null; alertname: string }[] }>(
        await fetch(`${apiUrl}/api/v1/notifications`, { headers: auth }),
      );
      return notifications.find((x) => x.device === silent.id && x.alertname === 'DeviceOffline');
    });
    assert.equal(n.alertname, 'DeviceOffline');

    // The muted device's alert reached the API (counted as muted) and was not stored.
    await poll('muted alert received by the API', 2 * 60_000, async () =>
      (await mutedCount()) > mutedBefore ? true : undefined,
    );
    const { notifications } = await json<{ notifications: { device: string | null }[] }>(
      await fetch(`${apiUrl}/api/v1/notifications`, { headers: auth }),
    );
    assert.deepEqual(
      notifications.filter((x) => x.device === muted.id),
      [],
      'no notification for the muted device',
    );
  },
);

test(
  'collector stopped under load → Alertmanager receives CollectorDown',
  { timeout: 5 * 60_000 },
  async () => {
    const collector = stack?.list.find((s) => s.name === 'collector');
    assert.ok(collector?.status === 'running', 'collector running');
    // The fleet is publishing: wait until its readings have reached the collector's scrape at least once.
    await poll('collector scraped as up', 60_000, async () => {
      const r = await json<{ data: { result: unknown[] } }>(
        await fetch(
          `http://127.0.0.1:${config.monitoringVmPort}/api/v1/query?query=${encodeURIComponent('up{job="collector"} == 1')}`,
        ),
      );
      return r.data.result.length > 0 ? true : undefined;
    });
    await collector.started.stop?.();
    // for: 1m + 15 s evaluations + scrape interval: expected ~1.5 min; 4 minutes bound.
    const firing = await poll('CollectorDown in Alertmanager', 4 * 60_000, async () => {
      const a = (await amAlerts()).find((x) => x.labels.alertname === 'CollectorDown');
      return a?.status.state === 'active' ? a : undefined;
    });
    assert.equal(firing.labels.team, 'operators');
  },
);

test(
  'collector stopped under load → QueueBacklogGrowing',
  {
    skip:
      'rule needs > 10000 queued readings for 5m (alerting/rules/operators.yml); a 2-household fleet ' +
      'publishing once a minute cannot reach it within the budget of this file',
  },
  () => undefined,
);

async function mutedCount(): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const m = /^api_alerts_received_total\{[^}]*reason="muted"[^}]*\}\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}
