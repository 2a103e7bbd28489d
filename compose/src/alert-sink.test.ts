import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAlertSink, type DeadmanState, type ReceivedAlert } from './alert-sink.js';

/** What Alertmanager posts to a webhook (version 4), trimmed to what matters. */
function webhook(receiver: string, ...names: string[]) {
  return {
    version: '4',
    receiver,
    status: 'firing',
    alerts: names.map((alertname) => ({
      status: 'firing',
      labels: { alertname, severity: 'critical', team: 'operators' },
      annotations: { summary: `${alertname} summary` },
      startsAt: '2026-12-01T20:00:00Z',
    })),
  };
}

test('the sink keeps and logs the last operator alerts, newest first, and refuses what is not a webhook', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-sink-'));
  const logFile = join(dir, 'sink.log');
  const sink = await startAlertSink({ port: 0, logFile, keep: 3 });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${sink.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await post('/alerts', webhook('operators', 'CollectorDown', 'RabbitMQDown'))).status, 200);
    assert.equal(
      (await post('/alerts', webhook('operators', 'IngestLagHigh', 'APIErrorRateHigh'))).status,
      200,
    );
    const { alerts } = (await (await fetch(sink.alertsUrl)).json()) as { alerts: ReceivedAlert[] };
    assert.deepEqual(
      alerts.map((a) => a.labels.alertname),
      ['APIErrorRateHigh', 'IngestLagHigh', 'RabbitMQDown'],
    );
    assert.equal(alerts[0]?.receiver, 'operators');
    assert.equal(alerts[0]?.annotations.summary, 'APIErrorRateHigh summary');
    assert.match(readFileSync(logFile, 'utf8'), /firing CollectorDown .*CollectorDown summary/);

    const bad = await fetch(sink.alertsUrl, { method: 'POST', body: '{"alerts": 3}' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'bad_webhook');
    assert.equal((await fetch(sink.alertsUrl, { method: 'POST', body: 'not json' })).status, 400);
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the dead man’s switch is alive while the Watchdog arrives and says so when it stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-sink-'));
  const sink = await startAlertSink({ port: 0, logFile: join(dir, 'sink.log'), deadmanSilenceMs: 300 });
  try {
    const state = async () => (await (await fetch(sink.deadmanUrl)).json()) as DeadmanState;
    assert.deepEqual(await state(), { lastPingAt: null, alive: false });
    const ping = await fetch(sink.deadmanUrl, {
      method: 'POST',
      body: JSON.stringify(webhook('deadman', 'Watchdog')),
    });
    assert.equal(ping.status, 200);
    assert.equal((await state()).alive, true);
    // The heartbeat goes to the switch, not into the operators' list.
    assert.deepEqual(((await (await fetch(sink.alertsUrl)).json()) as { alerts: unknown[] }).alerts, []);
    await sleep(400);
    const silent = await state();
    assert.equal(silent.alive, false);
    assert.notEqual(silent.lastPingAt, null);
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
