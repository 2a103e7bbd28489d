// Fault test on the real monitoring stack, with this folder's and
// compose/monitoring's configuration files: monitoring VictoriaMetrics +
// vmagent + vmalert (operators and households) + Alertmanager, scraping a
// platform VictoriaMetrics. The platform store is stopped; Alertmanager must
// hold VictoriaMetricsDown within 2 minutes (DESIGN.md: the monitoring stack
// does not go down with the platform), hand it to the operators' webhook,
// and the monitoring store must keep answering queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAlertmanager, startVmagent, startVmalert } from '@energy/lib/services/monitoring';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import {
  freePort,
  instantQuery,
  monitoringDir,
  renderAlertmanagerConfig,
  rulesDir,
  tempDir,
  type Service,
} from './test-support.js';

interface WebhookAlert {
  readonly status: string;
  readonly labels: Record<string, string>;
}
interface WebhookCall {
  readonly path: string;
  readonly body: { receiver: string; alerts: WebhookAlert[] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(1000);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('stopping the platform VictoriaMetrics raises VictoriaMetricsDown in the monitoring Alertmanager', async (t) => {
  const dir = tempDir('monitoring-stack-');
  const services: Service[] = [];
  const calls: WebhookCall[] = [];
  // Plays both the operators' webhook and the API's internal receiver.
  const hook = createServer((req, res) => {
    void readBody(req).then((text) => {
      calls.push({ path: req.url ?? '', body: JSON.parse(text) as WebhookCall['body'] });
      res.writeHead(200).end();
    });
  });
  try {
    const [platformVm, monitoringVm, vmagent, vmalertOps, vmalertHouse, am, hookPort, absent] =
      await Promise.all(Array.from({ length: 8 }, () => freePort()));
    await new Promise<void>((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`;
    const target = (port: number | undefined) => `127.0.0.1:${port}`;

    // The stores' own logs stay quiet: the test reads them only when one fails to start.
    const store = (name: string, port: number | undefined) =>
      startVictoriaMetrics({ name, port: port!, dataDir: join(dir.path, name), loggerLevel: 'ERROR' });
    const platform = await store('platform-vm', platformVm);
    services.push(platform);
    const monitoring = await store('monitoring-vm', monitoringVm);
    services.push(monitoring);

    const amConfig = join(dir.path, 'alertmanager.yml');
    writeFileSync(
      amConfig,
      renderAlertmanagerConfig(readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8'), {
        brokerAuthPort: hookPort!,
        brokerAuthSecret: 'test-secret',
        operatorsWebhookUrl: `${url(hookPort)}/operators`,
      }),
    );
    services.push(
      await startAlertmanager({
        port: am!,
        configFile: amConfig,
        storagePath: join(dir.path, 'alertmanager'),
        logFile: join(dir.path, 'alertmanager.log'),
      }),
    );

    // The components of the platform that this test does not run point at
    // a closed port: they are simply `up == 0`.
    const scrapeEnv = {
      SCRAPE_INTERVAL: '5s',
      COLLECTOR_TARGET: target(absent),
      API_TARGET: target(absent),
      EXPORTER_TARGET: target(absent),
      RABBITMQ_PROMETHEUS_TARGET: target(absent),
      VM_TARGET: target(platformVm),
      MONITORING_VM_TARGET: target(monitoringVm),
      VMAGENT_TARGET: target(vmagent),
      VMALERT_OPERATORS_TARGET: target(vmalertOps),
      VMALERT_HOUSEHOLDS_TARGET: target(vmalertHouse),
      ALERTMANAGER_TARGET: target(am),
    };
    services.push(
      await startVmagent({
        port: vmagent!,
        scrapeConfigFile: join(monitoringDir, 'scrape.yml'),
        remoteWriteUrl: `${url(monitoringVm)}/api/v1/write`,
        tmpDataPath: join(dir.path, 'vmagent'),
        env: scrapeEnv,
        logFile: join(dir.path, 'vmagent.log'),
      }),
    );
    services.push(
      await startVmalert({
        name: 'vmalert-operators',
        port: vmalertOps!,
        ruleFiles: [join(rulesDir, 'operators.yml')],
        datasourceUrl: url(monitoringVm),
        notifierUrl: url(am),
        remoteWriteUrl: url(monitoringVm),
        remoteReadUrl: url(monitoringVm),
        evaluationInterval: '5s',
        logFile: join(dir.path, 'vmalert-operators.log'),
      }),
    );
    services.push(
      await startVmalert({
        name: 'vmalert-households',
        port: vmalertHouse!,
        ruleFiles: [join(rulesDir, 'households.yml'), join(rulesDir, 'recording.yml')],
        datasourceUrl: url(platformVm),
        notifierUrl: url(am),
        remoteWriteUrl: url(platformVm),
        evaluationInterval: '1m',
        logFile: join(dir.path, 'vmalert-households.log'),
      }),
    );

    // Before the fault: the platform store is scraped and up.
    await waitFor('up{job="victoriametrics"} == 1', 60_000, async () => {
      await monitoring.forceFlush();
      const r = await instantQuery(url(monitoringVm), 'up{job="victoriametrics"}');
      return r[0]?.value[1] === '1' ? true : undefined;
    });

    await platform.stop();
    const stoppedAt = Date.now();

    const active = await waitFor('VictoriaMetricsDown in Alertmanager', 120_000, async () => {
      const res = await fetch(`${url(am)}/api/v2/alerts?filter=alertname="VictoriaMetricsDown"`);
      const alerts = (await res.json()) as { labels: Record<string, string>; status: { state: string } }[];
      return alerts.find((a) => a.status.state === 'active');
    });
    assert.equal(active.labels.job, 'victoriametrics');
    assert.equal(active.labels.instance, target(platformVm));
    assert.equal(active.labels.severity, 'critical');
    t.diagnostic(
      `VictoriaMetricsDown active in Alertmanager ${Math.round((Date.now() - stoppedAt) / 1000)} s after the stop`,
    );

    // The operators' route delivers it (after its group_wait), never the households' one.
    const call = await waitFor('the operators webhook', 60_000, () =>
      Promise.resolve(
        calls.find((c) => c.body.alerts.some((a) => a.labels.alertname === 'VictoriaMetricsDown')),
      ),
    );
    assert.equal(call.path, '/operators');
    assert.equal(call.body.receiver, 'operators');
    assert.ok(!calls.some((c) => c.path.startsWith('/internal/alertmanager')));

    // The monitoring store still stores and answers.
    await monitoring.forceFlush();
    const up = await instantQuery(url(monitoringVm), 'up{job="victoriametrics"}');
    assert.equal(up[0]?.value[1], '0');
    const selfUp = await instantQuery(url(monitoringVm), 'up{job="monitoring-victoriametrics"}');
    assert.equal(selfUp[0]?.value[1], '1');
  } finally {
    for (const s of services.reverse()) await s.stop();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    dir.remove();
  }
});
