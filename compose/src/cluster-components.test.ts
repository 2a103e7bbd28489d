import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { clusterAmqpsUrls, clusterNodePorts, clusterScrapeTargets } from './cluster-components.js';
import { REPO_ROOT } from './repo-paths.js';
import { stackComponents } from './components.js';
import { parseCli } from './stack-config.js';

const secrets = { brokerAuthSecret: 'k', collectorPassword: 'p w' };

test('--cluster: three broker nodes on ports of their own, a collector per shard, the fleet after the first', () => {
  const { config } = parseCli(['--cluster', '--fleet'], { STATE_DIR: '/tmp/x', AMQPS_PORT: '6671' });
  assert.equal(config.cluster, true);
  const ports = clusterNodePorts(config);
  for (const key of ['amqp', 'amqps', 'dist', 'management', 'prometheus'] as const) {
    assert.equal(new Set(ports.map((p) => p[key])).size, 3, `${key} distinct per node`);
  }
  const all = ports.flatMap((p) => [p.amqp, p.amqps, p.dist, p.management, p.prometheus]);
  assert.equal(new Set(all).size, all.length, 'no port shared between nodes or kinds');
  assert.equal(ports[0]?.amqps, 6671);
  assert.deepEqual(clusterAmqpsUrls(config, 'collector', 'p w'), [
    'amqps://collector:p%20w@127.0.0.1:6671/%2F',
    'amqps://collector:p%20w@127.0.0.1:6771/%2F',
    'amqps://collector:p%20w@127.0.0.1:6871/%2F',
  ]);
  const components = stackComponents(config, secrets, {});
  const names = components.map((c) => c.name);
  assert.equal(names.filter((n) => n === 'rabbitmq').length, 1);
  assert.deepEqual(
    names.filter((n) => n.startsWith('collector')),
    ['collector-1', 'collector-2', 'collector-3'],
  );
  assert.ok(components.find((c) => c.name === 'exporter-fleet')?.dependsOn?.includes('collector-1'));
});

test('without --cluster the stack keeps one broker node and one collector', () => {
  const { config } = parseCli([], { STATE_DIR: '/tmp/x' });
  assert.equal(config.cluster, false);
  const names = stackComponents(config, secrets, {}).map((c) => c.name);
  assert.deepEqual(
    names.filter((n) => n.startsWith('collector') || n === 'rabbitmq'),
    ['rabbitmq', 'collector'],
  );
});

test('--cluster: vmagent scrapes every collector and every node, as one flow list in scrape.yml', () => {
  const { config } = parseCli(['--cluster'], { STATE_DIR: '/tmp/x', COLLECTOR_METRICS_PORT: '9464' });
  const t = clusterScrapeTargets(config);
  const line = `      - targets: ['%{COLLECTOR_TARGET}']`.replace('%{COLLECTOR_TARGET}', t.collectors);
  assert.deepEqual(parse(line), [{ targets: ['127.0.0.1:9464', '127.0.0.1:9465', '127.0.0.1:9466'] }]);
  const scrape = readFileSync(join(REPO_ROOT, 'compose/monitoring/scrape.yml'), 'utf8');
  assert.match(scrape, /targets: \['%\{COLLECTOR_TARGET\}'\]/);
  assert.match(scrape, /targets: \['%\{RABBITMQ_PROMETHEUS_TARGET\}'\]/);
  assert.equal(t.rabbitmq.split("', '").length, 3);
});
