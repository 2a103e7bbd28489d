/*
 * Alerting on the whole local stack, started through the launcher's own code
 * (compose/src: stackComponents + Stack) on free ports and a temp STATE_DIR:
 * platform VictoriaMetrics, RabbitMQ with the API's auth backend, API,
 * collector, the monitoring stack (monitoring VM, vmagent, both vmalerts,
 * Alertmanager) and a fleet of 2 households. Nothing is posted by hand: every
 * alert comes from the real rules on real data.
 *
 * 1. Two devices of the demo household are registered through the API and
 *    run as real exporter daemons (simulator meter, own SQLite outbox),
 *    logging in to RabbitMQ with their API credentials. One is muted through
 *    PUT /api/v1/devices/:id/alerts. Once the households' vmalert has
 *    recorded both, both daemons are SIGKILLed → DeviceOffline reaches the
 *    household's notifications (vmalert → Alertmanager → API webhook) for the
 *    unmuted one only, not before its grace; the muted one's alert reaches
 *    the API and is counted as muted.
 * 2. The collector stops while the fleet publishes, and a second gateway
 *    process replays a long past of the seeded fleet at a fixed rate (a block
 *    of flats back after days offline) → Alertmanager holds CollectorDown.
 * 3. The queue passes 10 000 messages and keeps growing → QueueBacklogGrowing
 *    (the rule's own floor and `for`, alerting/rules/operators.yml).
 *
 * Timing assumptions (bounded polling deadlines; the one assertion about time
 * is a lower bound that follows from the rule, not a speed: DeviceOffline
 * cannot start within the 10-minute grace after the kill):
 * - The daemon publishes one batch per device-minute, the first at the first
 *   minute boundary after its start; vmalert-households evaluates every 1m,
 *   so both devices are recorded (household_device:…:count) ~1–3 min after
 *   the start.
 * - DeviceOffline: vmalert queries with its default step of 5m, so the
 *   recorded count lingers ~5 minutes after the last reading, then the
 *   rule's 10-minute grace (`[10m]`) runs, then one 1m evaluation and the
 *   household route's group_wait 10s → ~16 min after the kill (measured).
 *   The demo owner's access token expires meanwhile: DemoSession logs in again.
 * - SCRAPE_INTERVAL=5s; vmalert-operators evaluates every 15 s (fixed in
 *   components.ts); CollectorDown has `for: 1m` → ~1.5–2 min after the stop.
 *   The replay (BACKLOG_RATE per second) makes the rule's condition true
 *   ~2 min after the stop (process start, RabbitMQ's 5 s statistics, the
 *   scrape, a 15 s evaluation); QueueBacklogGrowing has `for: 5m` → ~7 min
 *   after the stop.
 * The whole file takes about 25 minutes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readConfig } from '@energy/lib/config';
import { SERIES_LABELS } from '@energy/lib/series';
import type { SupervisedProcess } from '@energy/lib/services/index';
import { freePort } from '@energy/lib/services/ports';
import { stackComponents, type StackContext } from '@energy/compose/components';
import { Stack } from '@energy/compose/stack';
import { STACK_CONFIG, type StackConfig } from '@energy/compose/stack-config';
import { loadSecrets, prepareStateDir } from '@energy/compose/state-dir';
import { startBackfillFleet, startDeviceExporter, type BrokerCredentials } from './stack-publishers.js';

const DEMO_EMAIL = 'demo@example.com';
const DEMO_PASSWORD = `stack-alerts-${process.pid}-pw`;
const MINUTE = 60_000;
/** Replay rate of the backlog gateway: past the rule's 10 000 floor within ~2 min, still growing after. */
const BACKLOG_RATE = 150;
/** Enough past (2 households × 60 batches per hour) to keep the replay going for the whole test. */
const BACKLOG_HOURS = 1000;
const BACKLOG_FLOOR = 10_000;

let stateDir: string;
let config: StackConfig;
let stack: Stack | undefined;
let amUrl: string;
let apiUrl: string;
let vmUrl: string;
let monitoringVmUrl: string;
const pids: number[] = [];
/** Every child this file starts beside the stack; stopped in `after`, whatever happened. */
const children: SupervisedProcess[] = [];
/** When the collector was stopped (test 2), for test 3. */
let collectorStoppedAt: number | undefined;

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
  /** When vmalert sent it firing (after its `for`). */
  startsAt: string;
  status: { state: string };
}

async function activeAlert(match: (labels: Record<string, string>) => boolean): Promise<AmAlert | undefined> {
  const alerts = await json<AmAlert[]>(await fetch(`${amUrl}/api/v2/alerts`));
  return alerts.find((a) => a.status.state === 'active' && match(a.labels));
}

interface VmVector {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** An instant query, fresh: flushed first and past the cache. */
async function query(base: string, promql: string): Promise<VmVector['data']['result']> {
  await (await fetch(`${base}/internal/force_flush`, { method: 'POST' })).arrayBuffer();
  const q = new URLSearchParams({ query: promql, nocache: '1' });
  return (await json<VmVector>(await fetch(`${base}/api/v1/query?${q.toString()}`))).data.result;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const seconds = (fromMs: number): number => Math.round((Date.now() - fromMs) / 1000);

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
  vmUrl = `http://127.0.0.1:${config.vmPort}`;
  monitoringVmUrl = `http://127.0.0.1:${config.monitoringVmPort}`;
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
  // Publishers first: they need the broker and the API to end cleanly.
  for (const c of children) await c.stop();
  await stack?.stop();
  const all = [...pids, ...children.map((c) => c.pid)];
  const left = await poll('every process of the stack ended', 30_000, () =>
    Promise.resolve(all.some(alive) ? undefined : []),
  ).catch(() => all.filter(alive));
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  assert.deepEqual(left, [], 'processes left running after stop');
});

interface Notification {
  device: string | null;
  alertname: string;
  status: string;
  summary: string;
  startsAt: string;
}

/** The demo owner's session; logs in again once its short-lived access token has run out. */
class DemoSession {
  private token = '';

  private async login(): Promise<void> {
    const s = await json<{ accessToken: string }>(
      await fetch(`${apiUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
      }),
    );
    this.token = s.accessToken;
  }

  /** A JSON call as the demo owner; asserts a 2xx. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = (): Promise<Response> =>
      fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    if (!this.token) await this.login();
    let res = await send();
    if (res.status === 401) {
      await res.arrayBuffer();
      await this.login();
      res = await send();
    }
    return json<T>(res);
  }
}

async function registerDevice(demo: DemoSession, id: string): Promise<BrokerCredentials> {
  const d = await demo.call<{ id: string; broker: BrokerCredentials }>('POST', '/api/v1/devices', {
    name: `plug ${id}`,
    id,
  });
  assert.equal(d.id, id);
  return d.broker;
}

async function notifications(demo: DemoSession): Promise<Notification[]> {
  return (await demo.call<{ notifications: Notification[] }>('GET', '/api/v1/notifications')).notifications;
}

async function mutedCount(): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const m = /^api_alerts_received_total\{[^}]*reason="muted"[^}]*\}\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

// Runs before the collector test: Alertmanager inhibits DeviceOffline while
// CollectorDown fires (compose/monitoring/alertmanager.yml.tmpl, no `equal`).
test(
  'a silent device → DeviceOffline reaches the household notifications after its grace; not while muted',
  { timeout: 40 * MINUTE },
  async (t) => {
    const demo = new DemoSession();
    const me = await demo.call<{ household: { id: string } }>('GET', '/api/v1/me');
    const household = me.household.id;
    const silentId = 'silent-plug';
    const mutedId = 'muted-plug';
    const devices = new Map<string, SupervisedProcess>();
    for (const id of [silentId, mutedId]) {
      const broker = await registerDevice(demo, id);
      const daemon = await startDeviceExporter({
        name: `device-${id}`,
        broker,
        dir: join(stateDir, 'devices', id),
        logDir: join(stateDir, 'logs'),
      });
      children.push(daemon);
      devices.set(id, daemon);
    }
    await demo.call('PUT', `/api/v1/devices/${mutedId}/alerts`, {
      muteUntil: new Date(Date.now() + 2 * 3600_000).toISOString(),
    });

    // Both devices' readings went daemon → broker → collector → VM, and the
    // households' vmalert recorded them: the series DeviceOffline watches.
    const L = SERIES_LABELS;
    const recorded = `household_device:energy_socket_power_watts:count{${L.household}="${household}",${L.device}=~"${silentId}|${mutedId}"}`;
    await poll('both devices recorded by vmalert-households', 6 * MINUTE, async () => {
      const r = await query(vmUrl, `last_over_time(${recorded}[10m])`);
      return r.length === 2 ? true : undefined;
    });

    const mutedBefore = await mutedCount();
    for (const d of devices.values()) d.kill('SIGKILL');
    const silentAt = Date.now();
    for (const d of devices.values()) await d.exited;

    const n = await poll('DeviceOffline in the household notifications', 25 * MINUTE, async () =>
      (await notifications(demo)).find((x) => x.device === silentId && x.alertname === 'DeviceOffline'),
    );
    t.diagnostic(`fault DeviceOffline in the household notifications ${seconds(silentAt)} s after the kill`);
    assert.equal(n.status, 'firing');
    assert.match(n.summary, new RegExp(silentId));
    // The grace is the rule's `[10m]`: the alert cannot start earlier (vmalert's
    // startsAt is its first firing evaluation).
    assert.ok(
      Date.parse(n.startsAt) - silentAt >= 10 * MINUTE,
      `DeviceOffline started ${n.startsAt}, within the 10-minute grace after ${new Date(silentAt).toISOString()}`,
    );

    // The muted device went silent at the same time: its alert fired, reached
    // the API (counted as muted) and became no notification.
    const mutedAlert = await poll('DeviceOffline of the muted device in Alertmanager', 3 * MINUTE, () =>
      activeAlert(
        (l) => l.alertname === 'DeviceOffline' && l.household === household && l.device === mutedId,
      ),
    );
    assert.equal(mutedAlert.labels.audience, 'household');
    await poll('the muted alert received by the API', 3 * MINUTE, async () =>
      (await mutedCount()) > mutedBefore ? true : undefined,
    );
    const byDevice = (await notifications(demo)).map((x) => x.device);
    assert.ok(!byDevice.includes(mutedId), 'no notification for the muted device');
    // The fleet's device of the same household kept reporting: no alert for it.
    assert.deepEqual(
      byDevice.filter((d) => d !== silentId),
      [],
      'notifications only for the silent device',
    );
  },
);

test(
  'collector stopped under load → Alertmanager receives CollectorDown',
  { timeout: 8 * MINUTE },
  async (t) => {
    const collector = stack?.list.find((s) => s.name === 'collector');
    assert.ok(collector?.status === 'running', 'collector running');
    await poll('collector scraped as up', MINUTE, async () =>
      (await query(monitoringVmUrl, 'up{job="collector"} == 1')).length > 0 ? true : undefined,
    );
    await collector.started.stop?.();
    collectorStoppedAt = Date.now();
    // The load: a gateway replaying a long past of the seeded fleet, at a fixed rate.
    children.push(
      await startBackfillFleet({
        name: 'backlog-fleet',
        manifest: join(stateDir, 'api', 'fleet.json'),
        amqpUrl: `amqp://127.0.0.1:${config.amqpPort}`,
        backfillHours: BACKLOG_HOURS,
        ratePerS: BACKLOG_RATE,
        logDir: join(stateDir, 'logs'),
      }),
    );
    const stoppedAt = collectorStoppedAt;
    // for: 1m + 15 s evaluations + scrape interval: expected ~1.5 min; 5 minutes bound.
    const firing = await poll('CollectorDown in Alertmanager', 5 * MINUTE, () =>
      activeAlert((l) => l.alertname === 'CollectorDown'),
    );
    t.diagnostic(`fault CollectorDown active in Alertmanager ${seconds(stoppedAt)} s after the stop`);
    assert.equal(firing.labels.team, 'operators');
    assert.equal(firing.labels.job, 'collector');
  },
);

test(
  'collector stopped under load → the queue grows past 10 000 → QueueBacklogGrowing',
  { timeout: 15 * MINUTE },
  async (t) => {
    const stoppedAt = collectorStoppedAt;
    assert.ok(stoppedAt !== undefined, 'the collector was stopped by the test before');
    // What the rule reads: vmagent's scrape of RabbitMQ's detailed queue metrics.
    const depth = 'sum(rabbitmq_detailed_queue_messages{queue=~"energy\\\\.readings\\\\.q.*"})';
    await poll(`queue depth above ${BACKLOG_FLOOR}`, 5 * MINUTE, async () => {
      const [v] = await query(monitoringVmUrl, depth);
      return v && Number(v.value[1]) > BACKLOG_FLOOR ? true : undefined;
    });
    // for: 5m + a 15 s evaluation: expected ~5 min after the floor; 10 minutes bound.
    const firing = await poll('QueueBacklogGrowing in Alertmanager', 10 * MINUTE, () =>
      activeAlert((l) => l.alertname === 'QueueBacklogGrowing'),
    );
    // vmalert's activeAt is when the condition first held, the start of `for`.
    const rule = await json<{ data: { alerts: { name: string; activeAt: string }[] } }>(
      await fetch(`http://127.0.0.1:${config.vmalertOperatorsPort}/api/v1/alerts`),
    );
    const pendingAt = Date.parse(
      rule.data.alerts.find((a) => a.name === 'QueueBacklogGrowing')?.activeAt ?? firing.startsAt,
    );
    t.diagnostic(
      `fault QueueBacklogGrowing condition true ${Math.round((pendingAt - stoppedAt) / 1000)} s after the collector stop, active in Alertmanager ${seconds(pendingAt)} s later`,
    );
    assert.equal(firing.labels.team, 'operators');
    assert.match(firing.labels.queue ?? '', /^energy\.readings\.q/);
  },
);
