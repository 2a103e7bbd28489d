// The rendered Alertmanager config on the real prometheus-alertmanager:
// causes inhibit their symptoms. Alerts are posted straight to its API, as
// vmalert does, so no rule has to wait out its `for`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, monitoringDir, renderAlertmanagerConfig, startService, tempDir } from './test-support.js';

interface AmAlert {
  readonly labels: Record<string, string>;
  readonly status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[] };
}

/** Posts the alerts to a fresh Alertmanager and returns each one's state by alertname. */
async function statesAfterPosting(labels: Record<string, string>[]): Promise<Record<string, string>> {
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
  const am = await startService(
    'alertmanager',
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { dir: dir.path, healthUrl: `http://127.0.0.1:${port}/-/ready` },
  );
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(labels.map((l) => ({ labels: l, startsAt: new Date().toISOString() }))),
    });
    assert.equal(res.status, 200);
    // Posted alerts are processed asynchronously.
    let alerts: AmAlert[] = [];
    for (let i = 0; i < 50; i++) {
      alerts = (await (await fetch(`http://127.0.0.1:${port}/api/v2/alerts`)).json()) as AmAlert[];
      if (alerts.length === labels.length && alerts.every((a) => a.status.state !== 'unprocessed')) break;
      await sleep(100);
    }
    return Object.fromEntries(
      alerts.map((a): [string, string] => [a.labels.alertname ?? '', a.status.state]),
    );
  } finally {
    await am.stop();
    dir.remove();
  }
}

test('VictoriaMetricsDown silences lag, write errors and household alerts; the rest stays active', async () => {
  const state = await statesAfterPosting([
    { alertname: 'VictoriaMetricsDown', job: 'victoriametrics', instance: 'vm:8428', severity: 'critical' },
    { alertname: 'IngestLagHigh', severity: 'warning' },
    { alertname: 'RemoteWriteErrors', instance: 'c:9464', severity: 'warning' },
    { alertname: 'DeviceOffline', household: 'h1', device: 'd1', severity: 'warning' },
    { alertname: 'CollectorDown', job: 'collector', instance: 'c:9464', severity: 'critical' },
    { alertname: 'LoginFailuresSpike', severity: 'warning' },
  ]);
  assert.deepEqual(state, {
    VictoriaMetricsDown: 'active',
    CollectorDown: 'active',
    LoginFailuresSpike: 'active',
    IngestLagHigh: 'suppressed',
    RemoteWriteErrors: 'suppressed',
    DeviceOffline: 'suppressed',
  });
});

test('CollectorDown leaves QueueBacklogGrowing active (both page when the collector dies under load)', async () => {
  const state = await statesAfterPosting([
    { alertname: 'CollectorDown', job: 'collector', instance: 'c:9464', severity: 'critical' },
    { alertname: 'QueueBacklogGrowing', vhost: '/', queue: 'energy.readings.q', severity: 'warning' },
    { alertname: 'IngestLagHigh', severity: 'warning' },
  ]);
  assert.deepEqual(state, {
    CollectorDown: 'active',
    QueueBacklogGrowing: 'active',
    IngestLagHigh: 'suppressed',
  });
});
