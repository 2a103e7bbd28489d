// The rule files, their promtool tests and the generated dashboards are YAML
// and JSON: they cannot import lib/series. This test holds them to it, so a
// series or label renamed in lib and not followed here fails `npm test`
// instead of leaving a rule or a panel that silently matches nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ENERGY_SERIES, POWER_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { repoRoot, rulesDir } from './test-support.js';

const LIB_SERIES: readonly string[] = [POWER_SERIES, ENERGY_SERIES];
const LIB_LABELS: readonly string[] = Object.values(SERIES_LABELS);

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, ext);
    return name.endsWith(ext) ? [path] : [];
  });
}

const ruleFiles = filesUnder(rulesDir, '.yml');
const promtoolTests = filesUnder(join(repoRoot, 'alerting/tests'), '.yml');
const dashboards = filesUnder(join(repoRoot, 'grafana/dashboards'), '.json');
/** Files that only deal with the reading series, so every label they group by or print is a reading label. */
const readingRuleFiles = [join(rulesDir, 'recording.yml'), join(rulesDir, 'households.yml')];
const householdBoard = join(repoRoot, 'grafana/dashboards/household/household-energy.json');

const text = (file: string): string => readFileSync(file, 'utf8');
const where = (file: string): string => relative(repoRoot, file);

/** Metric names (PromQL identifiers, recording-rule colons included) that mention the socket series. */
function socketMetricNames(source: string): string[] {
  return [...source.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((name) => name.includes('energy_socket_'));
}

/** `record:` names of the recording rules. */
const recorded = new Set(
  ruleFiles.flatMap((f) => [...text(f).matchAll(/^\s*- record:\s*(\S+)/gm)].map((m) => m[1] ?? '')),
);

test('every raw socket series in the rules, their tests and the dashboards is one of lib/series', () => {
  const seen = new Set<string>();
  for (const file of [...ruleFiles, ...promtoolTests, ...dashboards]) {
    for (const name of socketMetricNames(text(file))) {
      if (name.includes(':')) continue; // a recorded series, checked below
      assert.ok(LIB_SERIES.includes(name), `${where(file)}: ${name} is not a series of lib/series`);
      seen.add(name);
    }
  }
  // Not vacuous: both of lib's series are watched by the rules or shown on a board.
  assert.deepEqual([...seen].sort(), [...LIB_SERIES].sort());
});

test('every recorded socket series that is read is one the recording rules write', () => {
  assert.ok(recorded.size >= 5);
  for (const file of [...ruleFiles, ...promtoolTests, ...dashboards]) {
    for (const name of socketMetricNames(text(file))) {
      if (!name.includes(':')) continue;
      assert.ok(recorded.has(name), `${where(file)}: ${name} is recorded by no rule in alerting/rules`);
    }
  }
});

test('recorded series are named after lib/series: their level is lib labels, their metric one of its series', () => {
  for (const name of recorded) {
    if (!name.includes('energy_socket_')) continue;
    const [level = '', metric = ''] = name.split(':');
    for (const label of level.split('_')) {
      assert.ok(LIB_LABELS.includes(label), `${name}: level label ${label} is not in SERIES_LABELS`);
    }
    // The hourly energy is recorded in kWh: its metric is the joule counter's, unit swapped.
    const kwhOf = ENERGY_SERIES.replace(/_joules_total$/, '_kwh');
    assert.ok(
      LIB_SERIES.includes(metric) || metric === kwhOf,
      `${name}: metric ${metric} is neither a lib series nor ${kwhOf}`,
    );
  }
});

test('the reading rules and the household board group by and print only lib labels', () => {
  let checked = 0;
  for (const file of readingRuleFiles) {
    const source = text(file);
    const grouped = [...source.matchAll(/\b(?:by|without) \(([^)]*)\)/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((s) => s.trim()),
    );
    const printed = [...source.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1] ?? '');
    for (const label of [...grouped, ...printed]) {
      assert.ok(LIB_LABELS.includes(label), `${where(file)}: label ${label} is not in SERIES_LABELS`);
      checked++;
    }
  }
  assert.ok(checked >= 5, 'the reading rules group by or print labels');
  const board = JSON.parse(text(householdBoard)) as {
    panels: { targets: { expr: string; legendFormat: string }[] }[];
  };
  const targets = board.panels.flatMap((p) => p.targets);
  const labels = targets.flatMap((t) => [
    ...[...t.expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => (m[1] ?? '').split(',').map((s) => s.trim())),
    ...[...t.legendFormat.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? ''),
  ]);
  assert.ok(labels.length > 0);
  for (const label of labels) {
    assert.ok(LIB_LABELS.includes(label), `${where(householdBoard)}: label ${label} is not in SERIES_LABELS`);
  }
});

test('the promtool test series carry exactly the reading labels of lib/series', () => {
  for (const file of promtoolTests) {
    for (const m of text(file).matchAll(/series: (energy_socket_\w+)\{([^}]*)\}/g)) {
      const labels = (m[2] ?? '').split(',').map((kv) => kv.split('=')[0]?.trim() ?? '');
      assert.deepEqual(labels.sort(), [...LIB_LABELS].sort(), `${where(file)}: ${m[0]}`);
    }
  }
});
