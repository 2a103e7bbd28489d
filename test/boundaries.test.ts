import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// The repository's root config, not a room: loaded by URL, the way eslint.config.js sits beside it.
const { boundaries } = (await import(new URL('../eslint.boundaries.js', import.meta.url).href)) as {
  boundaries: object[];
};

// The walls alone (no type information needed), on snippets placed where a
// file of that room would live. eslint.config.js spreads the same array, so
// `npm run check` fails on the same imports.
const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [tseslint.configs.base, ...boundaries],
});

async function ruleHits(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, `no lint result for ${filePath}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `parse error in the snippet for ${filePath}`);
  return result.messages.map((m) => m.ruleId ?? '');
}

const cases: [name: string, filePath: string, code: string, expected: string[]][] = [
  // Wall 1: rooms.
  [
    'api reads the device simulator',
    'api/src/seed-x.ts',
    "import { x } from '@energy/device/simulator/appliances';",
    ['no-restricted-imports'],
  ],
  [
    'collector imports the device package',
    'collector/src/x.ts',
    "import '@energy/device';",
    ['no-restricted-imports'],
  ],
  [
    'lib imports one of ours',
    'lib/src/x.ts',
    "import { y } from '@energy/api/app';",
    ['no-restricted-imports'],
  ],
  [
    'device imports the exporters',
    'device/src/drivers/x.ts',
    "import { y } from '@energy/exporters/outbox';",
    ['no-restricted-imports'],
  ],
  [
    'alerting imports the API',
    'alerting/x.test.ts',
    "import { y } from '@energy/api/app';",
    ['no-restricted-imports'],
  ],
  [
    'a unit test in test/ imports the collector',
    'test/x.test.ts',
    "import { y } from '@energy/collector/main';",
    ['no-restricted-imports'],
  ],
  [
    'exporters import device and lib',
    'exporters/src/x.ts',
    "import { a } from '@energy/device/power-meter';\nimport { b } from '@energy/lib/series';",
    [],
  ],
  [
    'an end-to-end test imports anything',
    'test/e2e/x.test.ts',
    "import { a } from '@energy/api/app';\nimport { b } from '@energy/collector/main';",
    [],
  ],
  [
    'a bench imports anything',
    'bench/ingest/x.ts',
    "import { a } from '@energy/device/simulator/household-simulator';",
    [],
  ],
  // Wall 2: relative escapes.
  [
    'api reaches into device/ by path',
    'api/src/x.ts',
    "import { y } from '../../device/src/power-meter.js';",
    ['no-restricted-imports'],
  ],
  [
    'a deep api file reaches out of api/',
    'api/src/core/readings/x.ts',
    "import { y } from '../../../../lib/src/series.js';",
    ['no-restricted-imports'],
  ],
  [
    'a deep api file stays in api/',
    'api/src/core/readings/x.ts',
    "import { y } from '../../store/accounts-store.js';",
    [],
  ],
  [
    'a package test imports its own src',
    'collector/test/x.test.ts',
    "import { y } from '../src/main.js';",
    [],
  ],
  // Wall 3: core/ has no I/O.
  [
    'collector core imports amqplib',
    'collector/src/core/x.ts',
    "import { connect } from 'amqplib';",
    ['@typescript-eslint/no-restricted-imports'],
  ],
  [
    'api core imports node:http',
    'api/src/core/accounts/x.ts',
    "import { createServer } from 'node:http';",
    ['@typescript-eslint/no-restricted-imports'],
  ],
  [
    'api core imports better-sqlite3',
    'api/src/core/devices/x.ts',
    "import Database from 'better-sqlite3';",
    ['@typescript-eslint/no-restricted-imports'],
  ],
  [
    'api core imports mongoose',
    'api/src/core/households/x.ts',
    "import mongoose from 'mongoose';",
    ['@typescript-eslint/no-restricted-imports'],
  ],
  [
    'core calls the global fetch',
    'collector/src/core/x.ts',
    "export const f = () => fetch('http://127.0.0.1');",
    ['no-restricted-globals'],
  ],
  [
    'core imports lib and a sibling',
    'collector/src/core/x.ts',
    "import { a } from '@energy/lib/series';\nimport { b } from './y.js';",
    [],
  ],
  [
    'both walls at once',
    'collector/src/core/x.ts',
    "import '@energy/device';\nimport 'amqplib';",
    ['no-restricted-imports', '@typescript-eslint/no-restricted-imports'],
  ],
];

for (const [name, filePath, code, expected] of cases) {
  test(`boundaries: ${name}`, async () => {
    assert.deepEqual(await ruleHits(filePath, code), expected);
  });
}

test('eslint.config.js enforces the same walls', async () => {
  const full = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
  const config = (await full.calculateConfigForFile('api/src/fleet-seed.ts')) as {
    rules: Record<string, unknown>;
  };
  assert.ok(config.rules['no-restricted-imports'], 'the room wall is on for api/');
  const core = (await full.calculateConfigForFile('collector/src/core/pipeline.ts')) as {
    rules: Record<string, unknown>;
  };
  assert.ok(core.rules['@typescript-eslint/no-restricted-imports'], 'the core wall is on for core/');
  assert.ok(core.rules['no-restricted-globals'], 'fetch is banned in core/');
});
