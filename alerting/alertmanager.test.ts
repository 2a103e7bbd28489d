// The rendered Alertmanager config on the real prometheus-alertmanager:
// causes inhibit their symptoms. Alerts are posted straight to its API, as
// vmalert does, so no rule has to wait out its `for`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAlertmanager } from '@energy/lib/services/monitoring';
import { freePort, monitoringDir, renderAlertmanagerConfig, tempDir } from './test-support.js';

interface AmAlert {
  readonly labels: Record<string, string>;
  readonly status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[] };
}

/**
 * Posts the alerts to a fresh Alertmanager and returns each one's state by
 * alertname once it has settled: the inhibitor learns about source alerts
 * asynchronously, so a target can read "active" for a moment after the post.
 * It waits for `expected` (up to 10 s), then reads once more after a pause so
 * that an "active" which is about to turn "suppressed" is still caught.
 */
async function settledStates(
  labels: Record<string, string>[],
  expected: Record<string, string>,
): Promise<Record<string, string>> {
  const dir = tempDir('am-inhibit-');
  const port = await freePort();
  const configFile = join(dir.path, 'alertmanager.yml');
  writeFileSync(
    configFile,
    renderAlertmanagerConfig(readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8'), {
      // Nothing listens there: delivery fails, which does not matter here.
      brokerAuthPort: await freePort(),
      brokerAuthSecret: 'k',
    }),
  );
  const am = await startAlertmanager({
    port,
    configFile,
    storagePath: join(dir.path, 'data'),
    logFile: join(dir.path, 'alertmanager.log'),
  });
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(labels.map((l) => ({ labels: l, startsAt: new Date().toISOString() }))),
    });
    assert.equal(res.status, 200);
    const read = async (): Promise<Record<string, string>> => {
      const alerts = (await (await fetch(`http://127.0.0.1:${port}/api/v2/alerts`)).json()) as AmAlert[];
      return Object.fromEntries(
        alerts.map((a): [string, string] => [a.labels.alertname ?? '', a.status.state]),
      );
    };
    for (let i = 0; i < 100; i++) {
      try {
        assert.deepEqual(await read(), expected);
        break;
      } catch {
        await sleep(100);
      }
    }
    await sleep(1000);
    return await read();
  } finally {
    await am.stop();
    dir.remove();
  }
}

test('VictoriaMetricsDown silences lag, write errors and household alerts; the rest stays active', async () => {
  const expected = {
    VictoriaMetricsDown: 'active',
    CollectorDown: 'active',
    LoginFailuresSpike: 'active',
    IngestLagHigh: 'suppressed',
    RemoteWriteErrors: 'suppressed',
    DeviceOffline: 'suppressed',
  };
  const state = await settledStates(
    [
      { alertname: 'VictoriaMetricsDown', job: 'victoriametrics', instance: 'vm:8428', severity: 'critical' },
      { alertname: 'IngestLagHigh', severity: 'warning' },
      { alertname: 'RemoteWriteErrors', instance: 'c:9464', severity: 'warning' },
      { alertname: 'DeviceOffline', household: 'h1', device: 'd1', severity: 'warning' },
      { alertname: 'CollectorDown', job: 'collector', instance: 'c:9464', severity: 'critical' },
      { alertname: 'LoginFailuresSpike', severity: 'warning' },
    ],
    expected,
  );
  assert.deepEqual(state, expected);
});

test('CollectorDown leaves QueueBacklogGrowing active (both page when the collector dies under load)', async () => {
  const expected = { CollectorDown: 'active', QueueBacklogGrowing: 'active', IngestLagHigh: 'suppressed' };
  const state = await settledStates(
    [
      { alertname: 'CollectorDown', job: 'collector', instance: 'c:9464', severity: 'critical' },
      { alertname: 'QueueBacklogGrowing', vhost: '/', queue: 'energy.readings.q', severity: 'warning' },
      { alertname: 'IngestLagHigh', severity: 'warning' },
    ],
    expected,
  );
  assert.deepEqual(state, expected);
});

test('the Watchdog reaches the dead man’s switch at DEADMAN_URL, and only there', async () => {
  const dir = tempDir('am-deadman-');
  const calls: { path: string; receiver: string; alertnames: string[] }[] = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        receiver: string;
        alerts: { labels: Record<string, string> }[];
      };
      calls.push({
        path: req.url ?? '',
        receiver: body.receiver,
        alertnames: body.alerts.map((a) => a.labels.alertname ?? ''),
      });
      res.writeHead(200).end();
    });
  });
  const [port, hookPort] = await Promise.all([freePort(), freePort()]);
  await new Promise<void>((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));
  const configFile = join(dir.path, 'alertmanager.yml');
  writeFileSync(
    configFile,
    renderAlertmanagerConfig(readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8'), {
      brokerAuthPort: hookPort,
      brokerAuthSecret: 'k',
      operatorsWebhookUrl: `http://127.0.0.1:${hookPort}/operators`,
      deadmanUrl: `http://127.0.0.1:${hookPort}/deadman`,
    }),
  );
  const am = await startAlertmanager({
    port,
    configFile,
    storagePath: join(dir.path, 'data'),
    logFile: join(dir.path, 'alertmanager.log'),
  });
  try {
    // As vmalert posts it: the rule's labels and an end in the future.
    const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'Watchdog', severity: 'none', team: 'operators' },
          startsAt: new Date().toISOString(),
          endsAt: new Date(Date.now() + 60_000).toISOString(),
        },
      ]),
    });
    assert.equal(res.status, 200);
    for (let i = 0; i < 100 && !calls.some((c) => c.path === '/deadman'); i++) await sleep(100);
    assert.deepEqual(
      calls.filter((c) => c.path === '/deadman'),
      [{ path: '/deadman', receiver: 'deadman', alertnames: ['Watchdog'] }],
    );
    assert.deepEqual(
      calls.filter((c) => c.alertnames.includes('Watchdog') && c.path !== '/deadman'),
      [],
    );
  } finally {
    await am.stop();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    dir.remove();
  }
});
