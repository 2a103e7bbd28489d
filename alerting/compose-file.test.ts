// compose/docker-compose.monitoring.yml runs the whole monitoring stack, traces included
// (its schema and mounts are checked with the other compose files in
// compose/src/compose-files.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './test-support.js';

const composeFile = join(repoRoot, 'compose/docker-compose.monitoring.yml');

interface ComposeFile {
  services: Record<string, { volumes?: string[]; image?: string }>;
}

test('the monitoring compose file runs the whole stack and mounts files that exist', () => {
  const doc = parse(readFileSync(composeFile, 'utf8')) as ComposeFile;
  assert.deepEqual(Object.keys(doc.services).sort(), [
    'alertmanager',
    'grafana',
    // The trace backend: one trace from the Pi to the store (compose/monitoring/README.md, Traces).
    'jaeger',
    'victoriametrics',
    'vmagent',
    'vmalert-households',
    'vmalert-operators',
  ]);
  for (const [name, service] of Object.entries(doc.services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0] ?? '';
      if (!source.startsWith('.')) continue; // a named volume
      assert.ok(existsSync(resolve(dirname(composeFile), source)), `${name}: ${source} does not exist`);
    }
  }
});
