import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@energy/lib/config';
import { readExporterConfig } from './exporter-config.js';

test('config: every problem is reported at once', () => {
  try {
    readExporterConfig({
      AMQP_USERNAME: 'not-a-device',
      REPLAY_RATE: 'fast',
      SAMPLE_INTERVAL_S: '0',
      METERS: '[{"type":"toaster"},{"type":"shelly-gen2","url":"ftp://x"}]',
    });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const want of [
      'AMQP_PASSWORD',
      'REPLAY_RATE',
      'SAMPLE_INTERVAL_S',
      'not-a-device',
      'METERS[0]',
      'METERS[1].url',
    ])
      assert.ok(text.includes(want), `missing ${want} in\n${text}`);
  }
});

test('config: file values, environment wins', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.json');
  writeFileSync(
    path,
    JSON.stringify({
      AMQP_USERNAME: 'h1.pi',
      AMQP_PASSWORD: 'file',
      METERS: [{ type: 'simulator', sockets: 3 }],
    }),
  );
  const c = readExporterConfig({ EXPORTER_CONFIG: path, AMQP_PASSWORD: 'env' });
  assert.equal(c.username, 'h1.pi');
  assert.equal(c.password, 'env');
  assert.deepEqual(c.meters, [{ type: 'simulator', sockets: 3, seed: 1, householdId: 'h1' }]);
});

test('config: /metrics listens on loopback unless EXPORTER_METRICS_HOST names an address', () => {
  const base = { AMQP_USERNAME: 'h1.pi', AMQP_PASSWORD: 'pw' };
  assert.equal(readExporterConfig(base).metricsHost, '127.0.0.1');
  assert.equal(readExporterConfig({ ...base, EXPORTER_METRICS_HOST: '0.0.0.0' }).metricsHost, '0.0.0.0');
  assert.equal(
    readExporterConfig({ ...base, EXPORTER_METRICS_HOST: '192.168.1.20' }).metricsHost,
    '192.168.1.20',
  );
  assert.equal(readExporterConfig({ ...base, EXPORTER_METRICS_HOST: '::' }).metricsHost, '::');
  assert.throws(
    () => readExporterConfig({ ...base, EXPORTER_METRICS_HOST: 'everywhere' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.some((p) => p.startsWith('EXPORTER_METRICS_HOST=everywhere')),
  );
});

test('config: a small share of batches is traced unless EXPORTER_TRACE_SAMPLE_RATIO says otherwise', () => {
  const base = { AMQP_USERNAME: 'h1.pi', AMQP_PASSWORD: 'pw' };
  assert.equal(readExporterConfig(base).traceSampleRatio, 0.01);
  assert.equal(readExporterConfig({ ...base, EXPORTER_TRACE_SAMPLE_RATIO: '0' }).traceSampleRatio, 0);
  assert.equal(readExporterConfig({ ...base, EXPORTER_TRACE_SAMPLE_RATIO: '1' }).traceSampleRatio, 1);
  assert.throws(
    () => readExporterConfig({ ...base, EXPORTER_TRACE_SAMPLE_RATIO: '5' }),
    (err: unknown) =>
      err instanceof ConfigError && err.problems.join().includes('EXPORTER_TRACE_SAMPLE_RATIO'),
  );
});
