// The energy recording rules on the real vmalert and VictoriaMetrics with
// known data: VictoriaMetrics' increase() does not extrapolate the way
// promtool's Prometheus engine does, so the kWh must be checked here.
// vmalert's replay mode evaluates the rules over a past window and writes
// the results back, which is also how an operator backfills recorded hours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { replayVmalert } from '@energy/lib/services/monitoring';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import { freePort, instantQuery, readingLine, rulesDir, tempDir, type VectorSample } from './test-support.js';

const MINUTE = 60;
const HOUR = 3600;

/** Prometheus text lines with millisecond timestamps, for /api/v1/import/prometheus. */
function readings(t0: number): string {
  const lines: string[] = [];
  for (let m = 0; m <= 180; m++) {
    const ts = (t0 + m * MINUTE) * 1000;
    const at = (socket: number) => ({ household: 'h1', device: 'd1', socket });
    const series = (socket: number, joules: number) =>
      lines.push(readingLine(ENERGY_SERIES, at(socket), joules, ts));
    series(0, m * 60_000); // 1 kW
    series(1, m * 30_000); // 500 W
    // 1 kW, but the device rebooted at minute 90 and its counter restarted
    // from 0: the minute 89→90 is lost, the rest counts.
    series(2, m < 90 ? m * 60_000 : (m - 90) * 60_000);
    lines.push(readingLine(POWER_SERIES, at(0), 1000, ts));
    lines.push(readingLine(POWER_SERIES, at(1), 500, ts));
  }
  return lines.join('\n');
}

function valueOf(result: VectorSample[], socket?: string): number {
  const sample = result.find((s) => socket === undefined || s.metric[SERIES_LABELS.socket] === socket);
  assert.ok(sample, `no sample for socket ${socket}`);
  return Number(sample.value[1]);
}

test('hourly energy recording rules give exact kWh per UTC hour on VictoriaMetrics', async () => {
  const dir = tempDir('recording-test-');
  const port = await freePort();
  // vmalert's queries and writes here are tiny: the store's log stays quiet.
  const vm = await startVictoriaMetrics({
    name: 'vm',
    port,
    dataDir: join(dir.path, 'vm'),
    loggerLevel: 'ERROR',
  });
  const vmUrl = vm.url;
  try {
    // Whole UTC hours, in the past (never stamp readings ahead), inside retention.
    const t0 = (Math.floor(Date.now() / 1000 / HOUR) - 5) * HOUR;
    const res = await fetch(`${vmUrl}/api/v1/import/prometheus`, { method: 'POST', body: readings(t0) });
    assert.equal(res.status, 204);
    await vm.forceFlush();

    const replay = replayVmalert({
      ruleFiles: [join(rulesDir, 'recording.yml')],
      datasourceUrl: vmUrl,
      remoteWriteUrl: vmUrl,
      fromS: t0,
      toS: t0 + 3 * HOUR,
      // vmalert 1.79 replays with -datasource.queryStep (default 5m) as the
      // step, not the group's interval: without this, partial hours would be
      // recorded every 5 minutes.
      queryStep: '1h',
      port: await freePort(),
    });
    assert.equal(replay.status, 0, replay.output);
    await vm.forceFlush();

    // The sample stamped t holds the energy of the hour that ends at t.
    const perSocket = 'household_device_socket:energy_socket_energy_kwh:increase1h';
    const perHousehold = 'household:energy_socket_energy_kwh:increase1h';
    for (const hour of [1, 2, 3]) {
      const at = t0 + hour * HOUR;
      const sockets = await instantQuery(vmUrl, perSocket, at);
      assert.equal(valueOf(sockets, '0'), 1, `hour ${hour} socket 0`);
      assert.equal(valueOf(sockets, '1'), 0.5, `hour ${hour} socket 1`);
      const rebooted = hour === 2 ? 59 / 60 : 1;
      assert.ok(Math.abs(valueOf(sockets, '2') - rebooted) < 1e-9, `hour ${hour} socket 2`);
      const household = await instantQuery(vmUrl, perHousehold, at);
      assert.ok(Math.abs(valueOf(household) - (1.5 + rebooted)) < 1e-9, `hour ${hour} household`);
      assert.equal(household[0]?.metric[SERIES_LABELS.household], 'h1');
    }

    // One point per hour, no partial hours in between: a day's total is the
    // plain sum of the recorded hours.
    const day = await instantQuery(vmUrl, `sum_over_time(${perHousehold}[3h])`, t0 + 3 * HOUR);
    assert.ok(Math.abs(valueOf(day) - (3 * 1.5 + 2 + 59 / 60)) < 1e-9, 'sum of three hours');

    const power = await instantQuery(vmUrl, 'household:energy_socket_power_watts:sum', t0 + HOUR);
    assert.equal(valueOf(power), 1500);
  } finally {
    await vm.stop();
    dir.remove();
  }
});
