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
import {
  forceFlush,
  freePort,
  monitoringDir,
  renderAlertmanagerConfig,
  rulesDir,
  run,
  startService,
  startVictoriaMetrics,
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
    services.push(await startVictoriaMetrics('platform-vm', dir.path, vmPort!));
    const vmUrl = url(vmPort);

    // Readings every minute for 40 minutes; device d-silent stopped 20
    // minutes ago, d-alive reports up to now.
    const now = Math.floor(Date.now() / 60_000) * 60;
    const lines: string[] = [];
    for (let t = now - 40 * 60; t <= now; t += 60) {
      lines.push(`energy_socket_power_watts{household="h-test",device="d-alive",socket="0"} 42 ${t * 1000}`);
      if (t <= now - 20 * 60) {
        lines.push(
          `energy_socket_power_watts{household="h-test",device="d-silent",socket="0"} 7 ${t * 1000}`,
        );
        lines.push(
          `energy_socket_power_watts{household="h-test",device="d-silent",socket="1"} 9 ${t * 1000}`,
        );
      }
    }
    const res = await fetch(`${vmUrl}/api/v1/import/prometheus`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204);
    await forceFlush(vmUrl);

    // Record the past 40 minutes as the running vmalert would have.
    const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
    const replay = run('vmalert', [
      `-rule=${join(rulesDir, 'recording.yml')}`,
      `-datasource.url=${vmUrl}`,
      `-remoteWrite.url=${vmUrl}`,
      `-replay.timeFrom=${iso(now - 40 * 60)}`,
      `-replay.timeTo=${iso(now - 60)}`,
      '-replay.disableProgressBar',
      '-datasource.queryStep=1m',
      `-httpListenAddr=127.0.0.1:${vmalertPort}`,
    ]);
    assert.equal(replay.status, 0, replay.output);
    await forceFlush(vmUrl);

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
      await startService(
        'alertmanager',
        'prometheus-alertmanager',
        [
          `--config.file=${amConfig}`,
          `--storage.path=${join(dir.path, 'alertmanager')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
        ],
        { dir: dir.path, healthUrl: `${url(amPort)}/-/ready` },
      ),
    );
    services.push(
      await startService(
        'vmalert-households',
        'vmalert',
        [
          `-httpListenAddr=127.0.0.1:${vmalertPort}`,
          `-rule=${join(rulesDir, 'households.yml')}`,
          `-rule=${join(rulesDir, 'recording.yml')}`,
          `-datasource.url=${vmUrl}`,
          `-notifier.url=${url(amPort)}`,
          `-remoteWrite.url=${vmUrl}`,
          '-evaluationInterval=1m',
        ],
        { dir: dir.path, healthUrl: `${url(vmalertPort)}/health` },
      ),
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
      offline.map((a) => [a.status, a.labels.household, a.labels.device]),
      [['firing', 'h-test', 'd-silent']],
    );
    assert.ok(!calls.some((c) => c.url === '/operators' && c.body.alerts.some((a) => a.labels.household)));
  } finally {
    for (const s of services.reverse()) await s.stop();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    dir.remove();
  }
});
