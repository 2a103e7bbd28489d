// Fault test of the alerting path's own health on the real monitoring
// stack (monitoring VictoriaMetrics, vmagent on compose/monitoring's scrape
// config, both vmalerts, Alertmanager on the rendered template): the
// Watchdog reaches the dead man's switch at DEADMAN_URL while everything
// runs; then the households' vmalert (the one that evaluates against the
// platform store) is stopped and VmalertNotEvaluating{ruleset="households"}
// must reach the operators. Its window is 5 minutes, so this takes about
// 8 minutes (476 s here; the alert reached the operators 405 s after the
// stop: 5 min window, 1 min `for`, group_wait): too long for CI's budget,
// it runs as `npm run verify:deadman`. CI checks the same rule on replayed
// history (vmalert-not-evaluating.test.ts) and the Watchdog's route on a
// real Alertmanager (alertmanager.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOUSEHOLDS_VMALERT_FLAGS } from '@energy/compose/monitoring-flags';
import { startAlertmanager, startVmagent, startVmalert } from '@energy/lib/services/monitoring';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import {
  freePort,
  monitoringDir,
  renderAlertmanagerConfig,
  rulesDir,
  tempDir,
  type Service,
} from './test-support.js';

interface WebhookCall {
  readonly path: string;
  readonly body: { receiver: string; alerts: { status: string; labels: Record<string, string> }[] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined) return value;
    await sleep(1000);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the Watchdog reaches the dead man’s switch; a stopped households vmalert raises VmalertNotEvaluating', async (t) => {
  const dir = tempDir('dead-mans-switch-');
  const services: Service[] = [];
  const calls: WebhookCall[] = [];
  // Plays the dead man's switch, the operators' webhook and the API's receiver.
  const hook = createServer((req, res) => {
    void readBody(req).then((text) => {
      calls.push({ path: req.url ?? '', body: JSON.parse(text) as WebhookCall['body'] });
      res.writeHead(200).end();
    });
  });
  const notEvaluating = (ruleset: string) =>
    calls.find(
      (c) =>
        c.path === '/operators' &&
        c.body.alerts.some(
          (a) =>
            a.status === 'firing' &&
            a.labels.alertname === 'VmalertNotEvaluating' &&
            a.labels.ruleset === ruleset,
        ),
    );
  try {
    const [platformVm, monitoringVm, vmagent, vmalertOps, vmalertHouse, am, hookPort, absent] =
      await Promise.all(Array.from({ length: 8 }, () => freePort()));
    await new Promise<void>((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`;
    const target = (port: number | undefined) => `127.0.0.1:${port}`;
    const store = (name: string, port: number | undefined) =>
      startVictoriaMetrics({ name, port: port!, dataDir: join(dir.path, name), loggerLevel: 'ERROR' });
    services.push(await store('platform-vm', platformVm));
    services.push(await store('monitoring-vm', monitoringVm));

    const amConfig = join(dir.path, 'alertmanager.yml');
    writeFileSync(
      amConfig,
      renderAlertmanagerConfig(readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8'), {
        brokerAuthPort: hookPort!,
        brokerAuthSecret: 'test-secret',
        operatorsWebhookUrl: `${url(hookPort)}/operators`,
        deadmanUrl: `${url(hookPort)}/deadman`,
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
    services.push(
      await startVmagent({
        port: vmagent!,
        scrapeConfigFile: join(monitoringDir, 'scrape.yml'),
        remoteWriteUrl: `${url(monitoringVm)}/api/v1/write`,
        tmpDataPath: join(dir.path, 'vmagent'),
        env: {
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
        },
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
    const households = await startVmalert({
      name: 'vmalert-households',
      port: vmalertHouse!,
      ruleFiles: [join(rulesDir, 'households.yml'), join(rulesDir, 'recording.yml')],
      datasourceUrl: url(platformVm),
      notifierUrl: url(am),
      remoteWriteUrl: url(platformVm),
      evaluationInterval: '1m',
      extraArgs: HOUSEHOLDS_VMALERT_FLAGS,
      logFile: join(dir.path, 'vmalert-households.log'),
    });
    services.push(households);

    // The heartbeat arrives at the switch, from the deadman receiver.
    const ping = await waitFor('the Watchdog at the dead man’s switch', 90_000, () =>
      calls.find((c) => c.path === '/deadman'),
    );
    assert.equal(ping.body.receiver, 'deadman');
    assert.deepEqual(
      ping.body.alerts.map((a) => a.labels.alertname),
      ['Watchdog'],
    );
    // Both rule sets evaluate: nothing about them reaches the operators
    // (their group_wait is 30 s; a minute of running covers it).
    await sleep(60_000);
    assert.equal(notEvaluating('households'), undefined, 'VmalertNotEvaluating while households evaluates');
    assert.equal(notEvaluating('operators'), undefined, 'VmalertNotEvaluating while operators evaluates');

    await households.stop();
    const stoppedAt = Date.now();
    const call = await waitFor('VmalertNotEvaluating{ruleset="households"} at the operators', 540_000, () =>
      notEvaluating('households'),
    );
    assert.equal(call.body.receiver, 'operators');
    t.diagnostic(
      `VmalertNotEvaluating reached the operators ${Math.round((Date.now() - stoppedAt) / 1000)} s after the stop`,
    );
    assert.ok(
      !calls.some(
        (c) => c.path === '/deadman' && c.body.alerts.some((a) => a.labels.alertname !== 'Watchdog'),
      ),
    );
  } finally {
    for (const s of services.reverse()) await s.stop();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    dir.remove();
  }
});
