// Every dashboard file parses, is what build-dashboards.ts makes (not
// stale), and every panel query is accepted by a real VictoriaMetrics once
// Grafana's variables are replaced the way Grafana would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dashboardsDir, renderDashboards } from './build-dashboards.js';
import { startVictoriaMetrics } from '@energy/lib/services/victoria-metrics';
import { freePort } from '@energy/lib/services/ports';

interface PanelJson {
  readonly title: string;
  readonly type: string;
  readonly targets: readonly { readonly expr: string; readonly refId: string }[];
  readonly datasource: { readonly uid: string };
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

const files = jsonFiles(dashboardsDir);

/** What Grafana substitutes before it sends a query. */
function withGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1d')
    .replaceAll('$price_per_kwh', '0.30');
}

test('every dashboard file parses, has panels with queries, and matches build-dashboards.ts', async () => {
  const rendered = await renderDashboards();
  assert.deepEqual(
    files.map((f) => relative(dashboardsDir, f)).sort(),
    [...rendered.keys()].sort(),
    'run: node --conditions=source --import tsx grafana/build-dashboards.ts',
  );
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const board = JSON.parse(text) as { uid: string; panels: PanelJson[] };
    assert.ok(board.uid, file);
    assert.ok(board.panels.length > 0, file);
    for (const p of board.panels) {
      if (p.type === 'row') continue; // a heading, no queries
      assert.ok(p.targets.length > 0, `${file}: ${p.title} has no query`);
      assert.equal(
        p.datasource.uid,
        '${datasource}',
        `${file}: ${p.title} uses the board's datasource variable`,
      );
    }
    assert.equal(text, rendered.get(relative(dashboardsDir, file)), `${file} is stale: rebuild it`);
  }
});

test('the household board never filters by household itself (the API scopes every query)', () => {
  const text = readFileSync(join(dashboardsDir, 'household/household-energy.json'), 'utf8');
  assert.doesNotMatch(text, /household\s*=/);
});

test('every panel query is accepted by VictoriaMetrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grafana-test-'));
  const port = await freePort();
  const vm = await startVictoriaMetrics({
    name: 'vm',
    port,
    dataDir: join(dir, 'vm'),
    loggerLevel: 'ERROR',
  });
  try {
    let checked = 0;
    for (const file of files) {
      const board = JSON.parse(readFileSync(file, 'utf8')) as { panels: PanelJson[] };
      for (const p of board.panels) {
        for (const t of p.type === 'row' ? [] : p.targets) {
          const params = new URLSearchParams({ query: withGrafanaVariables(t.expr) });
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?${params.toString()}`);
          const body = await res.text();
          assert.equal(res.status, 200, `${relative(dashboardsDir, file)} "${p.title}" ${t.refId}: ${body}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 20);
  } finally {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
