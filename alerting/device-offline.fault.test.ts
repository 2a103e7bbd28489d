// A device goes silent → the households' vmalert (households.yml +
// recording.yml against the platform VictoriaMetrics) fires DeviceOffline
// and Alertmanager hands it to the API's internal receiver (played here by
// a small HTTP server) with the household and device labels, the secret in
// the URL, and nothing to the operators. The readings and the recorded
// history are written into the past (vmalert's replay mode records the
// past minutes), so the test does not wait out the grace period.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { replayVmalert, startAlertmanager, startVmalert } from '@energy/lib/services/monitoring';
import { HOUSEHOLDS_VMALERT_FLAGS } from '@energy/compose/monitoring-flags';
import { POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import {
  freePort,
  monitoringDir,
  readingLine,
  renderAlertmanagerConfig,
  rulesDir,
  tempDir,
  type Service,
} from './test-support.js';

interface WebhookCall {
  readonly url: string;
  readonly body: { receiver: string; alerts: { status: string; labels: Record<string, string> }[] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('a silent device reaches the household receiver as DeviceOffline; a reporting one does not', async () => {
  const dir = tempDir('device-offline-');
  const services: Service[] = [];
  const calls: WebhookCall[] = [];
  const hook = createServer((req, res) => {
    void readBody(req).then((text) => {
      calls.push({ url: req.url ?? '', body: JSON.parse(text) as WebhookCall['body'] });
      res.writeHead(200).end();
    });
  });
  try {
    const [vmPort, amPort, vmalertPort, hookPort] = await Promise.all(
      Array.from({ length: 4 }, () => freePort()),
    );
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`;
    await new Promise<void>((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));
    const vm = await startVictoriaMetrics({
      name: 'platform-vm',
      port: vmPort!,
      dataDir: join(dir.path, 'platform-vm'),
      loggerLevel: 'ERROR',
    });
    services.push(vm);
    const vmUrl = vm.url;

    // Readings every minute for 40 minutes; device d-silent stopped 20
    // minutes ago, d-alive reports up to now.
    const now = Math.floor(Date.now() / 60_000) * 60;
    const lines: string[] = [];
    for (let t = now - 40 * 60; t <= now; t += 60) {
      lines.push(
        readingLine(POWER_SERIES, { household: 'h-test', device: 'd-alive', socket: 0 }, 42, t * 1000),
      );
      if (t <= now - 20 * 60) {
        lines.push(
          readingLine(POWER_SERIES, { household: 'h-test', device: 'd-silent', socket: 0 }, 7, t * 1000),
        );
        lines.push(
          readingLine(POWER_SERIES, { household: 'h-test', device: 'd-silent', socket: 1 }, 9, t * 1000),
        );
      }
    }
    const res = await fetch(`${vmUrl}/api/v1/import/prometheus`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204);
    await vm.forceFlush();

    // Record the past 40 minutes as the running vmalert would have.
    const replay = replayVmalert({
      ruleFiles: [join(rulesDir, 'recording.yml')],
      datasourceUrl: vmUrl,
      remoteWriteUrl: vmUrl,
      fromS: now - 40 * 60,
      toS: now - 60,
      queryStep: '1m',
      port: vmalertPort!,
    });
    assert.equal(replay.status, 0, replay.output);
    await vm.forceFlush();

    const amConfig = join(dir.path, 'alertmanager.yml');
    writeFileSync(
      amConfig,
      renderAlertmanagerConfig(readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8'), {
        brokerAuthPort: hookPort!,
        brokerAuthSecret: 'test secret',
        operatorsWebhookUrl: `${url(hookPort)}/operators`,
      }),
    );
    services.push(
      await startAlertmanager({
        port: amPort!,
        configFile: amConfig,
        storagePath: join(dir.path, 'alertmanager'),
        logFile: join(dir.path, 'alertmanager.log'),
      }),
    );
    services.push(
      await startVmalert({
        name: 'vmalert-households',
        port: vmalertPort!,
        ruleFiles: [join(rulesDir, 'households.yml'), join(rulesDir, 'recording.yml')],
        datasourceUrl: vmUrl,
        notifierUrl: url(amPort),
        remoteWriteUrl: vmUrl,
        evaluationInterval: '1m',
        extraArgs: HOUSEHOLDS_VMALERT_FLAGS,
        logFile: join(dir.path, 'vmalert-households.log'),
      }),
    );

    const deadline = Date.now() + 150_000;
    let call: WebhookCall | undefined;
    while (call === undefined && Date.now() < deadline) {
      await sleep(1000);
      call = calls.find((c) => c.body.alerts.some((a) => a.labels.alertname === 'DeviceOffline'));
    }
    assert.ok(call, `no DeviceOffline at the household receiver; calls: ${JSON.stringify(calls)}`);
    assert.equal(call.url, '/internal/alertmanager?key=test%20secret');
    assert.equal(call.body.receiver, 'households');
    const offline = call.body.alerts.filter((a) => a.labels.alertname === 'DeviceOffline');
    assert.deepEqual(
      offline.map((a) => [a.status, a.labels[SERIES_LABELS.household], a.labels[SERIES_LABELS.device]]),
      [['firing', 'h-test', 'd-silent']],
    );
    assert.ok(
      !calls.some(
        (c) => c.url === '/operators' && c.body.alerts.some((a) => a.labels[SERIES_LABELS.household]),
      ),
    );
  } finally {
    for (const s of services.reverse()) await s.stop();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    dir.remove();
  }
});
