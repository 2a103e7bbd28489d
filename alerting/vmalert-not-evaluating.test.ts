// VmalertNotEvaluating on the real vmalert and VictoriaMetrics, checked on
// backfilled history instead of by stopping a vmalert and waiting out its
// 5-minute window (alerting/dead-mans-switch.verify.ts does that, in
// `npm run verify:deadman`, ~8 minutes): the monitoring store gets what
// vmagent would have scraped from both vmalerts — the operators' counter
// keeps rising, the households' one stops — and vmalert's replay mode
// evaluates operators.yml over that past, writing ALERTS samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { replayVmalert } from '@energy/lib/services/monitoring';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import { freePort, rulesDir, tempDir } from './test-support.js';

const MINUTE = 60;
const SCRAPE = 15;

test('VmalertNotEvaluating fires for the rule set whose vmalert stopped, 5-7 minutes after, and the Watchdog fires throughout', async () => {
  const dir = tempDir('vmalert-not-evaluating-');
  const vm = await startVictoriaMetrics({
    name: 'monitoring-vm',
    port: await freePort(),
    dataDir: join(dir.path, 'vm'),
    loggerLevel: 'ERROR',
  });
  try {
    const end = Math.floor(Date.now() / 1000 / MINUTE) * MINUTE - 2 * MINUTE;
    const start = end - 30 * MINUTE;
    const stoppedAt = end - 15 * MINUTE;
    const lines: string[] = [];
    for (let t = start; t <= end; t += SCRAPE) {
      const series = (ruleset: string, port: number, value: number) =>
        `vmalert_iteration_total{job="vmalert",instance="127.0.0.1:${port}",ruleset="${ruleset}"} ${value} ${t * 1000}`;
      // Five groups every 15 s on one side; three every minute on the other.
      lines.push(series('operators', 8880, ((t - start) / SCRAPE) * 5));
      if (t <= stoppedAt) lines.push(series('households', 8881, Math.floor((t - start) / MINUTE) * 3));
    }
    const res = await fetch(`${vm.url}/api/v1/import/prometheus`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204);
    await vm.forceFlush();

    // Only the alerting-path group of operators.yml: replay spends a second
    // per rule, and the other groups have nothing to read here.
    const rules = parse(readFileSync(join(rulesDir, 'operators.yml'), 'utf8')) as {
      groups: { name: string }[];
    };
    const ruleFile = join(dir.path, 'alerting-path.yml');
    writeFileSync(ruleFile, stringify({ groups: rules.groups.filter((g) => g.name === 'alerting-path') }));
    const replay = replayVmalert({
      ruleFiles: [ruleFile],
      datasourceUrl: vm.url,
      remoteWriteUrl: vm.url,
      fromS: start,
      toS: end,
      queryStep: '15s',
      port: await freePort(),
    });
    assert.equal(replay.status, 0, replay.output);
    await vm.forceFlush();

    const params = new URLSearchParams({ 'match[]': 'ALERTS{alertstate="firing"}' });
    const exported = await (await fetch(`${vm.url}/api/v1/export?${params.toString()}`)).text();
    const firstFiring = new Map<string, number>();
    for (const line of exported.split('\n').filter(Boolean)) {
      const s = JSON.parse(line) as { metric: Record<string, string>; timestamps: number[] };
      const key = `${s.metric.alertname}/${s.metric.ruleset ?? ''}`;
      firstFiring.set(
        key,
        Math.min(firstFiring.get(key) ?? Infinity, ...s.timestamps.map((ms) => ms / 1000)),
      );
    }
    assert.deepEqual(
      [...firstFiring.keys()].sort(),
      ['VmalertNotEvaluating/households', 'Watchdog/'],
      exported,
    );
    const minutes = ((firstFiring.get('VmalertNotEvaluating/households') ?? 0) - stoppedAt) / MINUTE;
    assert.ok(minutes >= 5 && minutes <= 7, `VmalertNotEvaluating fired ${minutes} minutes after the stop`);
  } finally {
    await vm.stop();
    dir.remove();
  }
});
