// When DeviceOffline fires, on the real vmalert and VictoriaMetrics with
// the households' evaluation settings: readings are backfilled and vmalert's
// replay mode evaluates the recording and household rules minute by minute
// over that past (as the running vmalert with -datasource.queryStep=1m
// does), writing the alert's state as ALERTS samples. With vmalert's default
// 5-minute step the recorded count outlived the device by 5 minutes and the
// alert came 15-16 minutes after the last reading instead of 10-13.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { replayVmalert } from '@energy/lib/services/monitoring';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import { HOUSEHOLDS_QUERY_STEP } from '@energy/compose/monitoring-flags';
import { freePort, readingLine, rulesDir, tempDir } from './test-support.js';

const MINUTE = 60;

/** Unix seconds of every firing DeviceOffline sample per device, from the raw export. */
async function firingSince(vmUrl: string): Promise<Map<string, number[]>> {
  const params = new URLSearchParams({ 'match[]': 'ALERTS{alertname="DeviceOffline",alertstate="firing"}' });
  const res = await fetch(`${vmUrl}/api/v1/export?${params.toString()}`);
  assert.equal(res.status, 200);
  const byDevice = new Map<string, number[]>();
  for (const line of (await res.text()).split('\n').filter(Boolean)) {
    const s = JSON.parse(line) as { metric: Record<string, string>; timestamps: number[] };
    const device = s.metric[SERIES_LABELS.device] ?? '';
    byDevice.set(device, [...(byDevice.get(device) ?? []), ...s.timestamps.map((ms) => ms / 1000)]);
  }
  return byDevice;
}

test('DeviceOffline fires 10 to 13 minutes after a device’s last reading, and never for a reporting one', async () => {
  const dir = tempDir('device-offline-timing-');
  const vm = await startVictoriaMetrics({
    name: 'vm',
    port: await freePort(),
    dataDir: join(dir.path, 'vm'),
    loggerLevel: 'ERROR',
  });
  try {
    // A minute grid in the past: d-alive reports throughout, d-silent's
    // two sockets stop 30 minutes before the end.
    const end = Math.floor(Date.now() / 1000 / MINUTE) * MINUTE - 2 * MINUTE;
    const start = end - 60 * MINUTE;
    const lastReading = end - 30 * MINUTE;
    const lines: string[] = [];
    for (let t = start; t <= end; t += MINUTE) {
      const at = (device: string, socket: number) => ({ household: 'h-timing', device, socket });
      lines.push(readingLine(POWER_SERIES, at('d-alive', 0), 40, t * 1000));
      if (t <= lastReading) {
        lines.push(readingLine(POWER_SERIES, at('d-silent', 0), 7, t * 1000));
        lines.push(readingLine(POWER_SERIES, at('d-silent', 1), 9, t * 1000));
      }
    }
    const res = await fetch(`${vm.url}/api/v1/import/prometheus`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204);
    await vm.forceFlush();

    // Recording rules first, in a replay of their own: the household
    // rules read what they record, and a sample written during a replay
    // is queryable only after a flush.
    for (const file of ['recording.yml', 'households.yml']) {
      const replay = replayVmalert({
        ruleFiles: [join(rulesDir, file)],
        datasourceUrl: vm.url,
        remoteWriteUrl: vm.url,
        fromS: start,
        toS: end,
        queryStep: HOUSEHOLDS_QUERY_STEP,
        port: await freePort(),
      });
      assert.equal(replay.status, 0, replay.output);
      await vm.forceFlush();
    }

    const firing = await firingSince(vm.url);
    assert.deepEqual([...firing.keys()], ['d-silent'], `firing: ${JSON.stringify([...firing])}`);
    const first = Math.min(...(firing.get('d-silent') ?? []));
    const minutes = (first - lastReading) / MINUTE;
    assert.ok(
      minutes >= 10 && minutes <= 13,
      `DeviceOffline fired ${minutes} minutes after the last reading`,
    );
  } finally {
    await vm.stop();
    dir.remove();
  }
});
