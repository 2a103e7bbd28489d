// The rule files and the Alertmanager config as the Debian tools see them:
// promtool checks and unit-tests the rules (alerting/tests/*.yml), amtool
// checks the rendered Alertmanager config, and every operator alert points
// at a RUNBOOK.md section that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitoringDir, renderAlertmanagerConfig, repoRoot, rulesDir, run, tempDir } from './test-support.js';

const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(rulesDir, f));
const testFiles = readdirSync(join(repoRoot, 'alerting/tests'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(repoRoot, 'alerting/tests', f));

/** `- alert: Name` blocks of a rule file, each with its text. */
function alertBlocks(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  const blocks = new Map<string, string>();
  const parts = text.split(/^\s*- (?=alert:|record:)/m).slice(1);
  for (const part of parts) {
    const name = /^alert:\s*(\w+)/.exec(part)?.[1];
    if (name !== undefined) blocks.set(name, part);
  }
  return blocks;
}

test('promtool accepts every rule file', () => {
  const r = run('promtool', ['check', 'rules', ...ruleFiles]);
  assert.equal(r.status, 0, r.output);
});

for (const file of testFiles) {
  test(`promtool unit tests pass: ${file.slice(repoRoot.length)}`, () => {
    const r = run('promtool', ['test', 'rules', file]);
    assert.equal(r.status, 0, r.output);
  });
}

/** Alerts that fire by design whenever they are evaluated: the dead man's switch's heartbeat. */
const ALWAYS_FIRING = new Set(['Watchdog']);

test('every alert has a firing case and a quiet case in the promtool tests', () => {
  const tests = testFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const file of ruleFiles) {
    for (const name of alertBlocks(file).keys()) {
      const cases = [...tests.matchAll(new RegExp(`alertname: ${name}\\n\\s*exp_alerts:(.*)`, 'g'))];
      assert.ok(
        ALWAYS_FIRING.has(name) || cases.some((m) => m[1]?.trim() === '[]'),
        `${name}: no case where it must not fire`,
      );
      assert.ok(
        cases.some((m) => m[1]?.trim() === ''),
        `${name}: no case where it fires`,
      );
    }
  }
});

test('every operator alert has a summary, a description and a runbook section', () => {
  const runbook = readFileSync(join(repoRoot, 'alerting/RUNBOOK.md'), 'utf8');
  const anchors = new Set([...runbook.matchAll(/^## (\w+)/gm)].map((m) => m[1]?.toLowerCase()));
  const alerts = alertBlocks(join(rulesDir, 'operators.yml'));
  assert.ok(alerts.size >= 13);
  for (const [name, block] of alerts) {
    assert.match(block, /summary: /, `${name} summary`);
    assert.match(block, /description: /, `${name} description`);
    const url = /runbook_url: '([^']+)'/.exec(block)?.[1];
    assert.equal(url, `alerting/RUNBOOK.md#${name.toLowerCase()}`, `${name} runbook_url`);
    assert.ok(anchors.has(name.toLowerCase()), `RUNBOOK.md has no section "## ${name}"`);
  }
});

test('household alerts keep household and device, and never carry team=operators', () => {
  for (const [name, block] of alertBlocks(join(rulesDir, 'households.yml'))) {
    assert.doesNotMatch(block, /team: operators/, name);
    // Aggregations must keep both labels; a `by (...)` without them would drop them.
    for (const m of block.matchAll(/\bby \(([^)]*)\)/g)) {
      const labels = (m[1] ?? '').split(',').map((s) => s.trim());
      assert.ok(labels.includes('household') && labels.includes('device'), `${name}: by (${m[1]})`);
    }
  }
});

test('amtool accepts the rendered Alertmanager config, with and without an operators webhook', () => {
  const template = readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8');
  const dir = tempDir('am-config-');
  try {
    const variants = [
      {
        brokerAuthPort: 8081,
        brokerAuthSecret: 's3cr&t/+',
        operatorsWebhookUrl: 'http://127.0.0.1:9999/ops',
        deadmanUrl: 'https://deadman.example/ping/abc',
      },
      { brokerAuthPort: 8081, brokerAuthSecret: 's3cr&t/+' },
    ];
    for (const [i, vars] of variants.entries()) {
      const text = renderAlertmanagerConfig(template, vars);
      assert.doesNotMatch(text, /\$\{/, 'every placeholder replaced');
      assert.match(text, /key=s3cr%26t%2F%2B'/, 'the secret is URL-encoded');
      const file = join(dir.path, `am-${i}.yml`);
      writeFileSync(file, text);
      const r = run('amtool', ['check-config', file]);
      assert.equal(r.status, 0, r.output);
    }
  } finally {
    dir.remove();
  }
});

test('amtool routes household alerts to the API and the rest to operators', () => {
  const template = readFileSync(join(monitoringDir, 'alertmanager.yml.tmpl'), 'utf8');
  const dir = tempDir('am-routes-');
  try {
    const file = join(dir.path, 'am.yml');
    writeFileSync(file, renderAlertmanagerConfig(template, { brokerAuthPort: 8081, brokerAuthSecret: 'k' }));
    const route = (labels: string[]) =>
      run('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels]);
    assert.match(route(['alertname=DeviceOffline', 'household=h1', 'device=d1']).output, /^households$/m);
    assert.match(route(['alertname=VictoriaMetricsDown', 'job=victoriametrics']).output, /^operators$/m);
    // The heartbeat goes to the dead man's switch only, never to operators.
    assert.match(route(['alertname=Watchdog', 'severity=none', 'team=operators']).output, /^deadman$/m);
  } finally {
    dir.remove();
  }
});
