import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Component } from './component.js';
import { Stack } from './stack.js';
import { statusTable } from './status-table.js';

function fake(name: string, log: string[], extra: Partial<Component> = {}): Component {
  return {
    name,
    start() {
      log.push(`start ${name}`);
      return Promise.resolve({
        address: `http://${name}`,
        pid: 1,
        stop: () => Promise.resolve(void log.push(`stop ${name}`)),
      });
    },
    ...extra,
  };
}

test('starts in order, skips missing entries and their dependents, stops in reverse', async () => {
  const log: string[] = [];
  const stack = new Stack([
    fake('store', log),
    fake('broker', log),
    fake('api', log, { needsFiles: ['/nonexistent/api/dist/main.js'] }),
    fake('fleet', log, { dependsOn: ['api'] }),
    fake('collector', log, { dependsOn: ['store', 'broker'] }),
  ]);
  await stack.start();
  assert.deepEqual(
    stack.list.map((s) => [s.name, s.status]),
    [
      ['store', 'running'],
      ['broker', 'running'],
      ['api', 'skipped'],
      ['fleet', 'skipped'],
      ['collector', 'running'],
    ],
  );
  assert.match(statusTable(stack.list), /api\s+skipped\s+missing \/nonexistent\/api\/dist\/main\.js/);
  assert.match(statusTable(stack.list), /fleet\s+skipped\s+needs api/);
  assert.equal(stack.failed, false);
  await stack.stop();
  await stack.stop();
  assert.deepEqual(log, [
    'start store',
    'start broker',
    'start collector',
    'stop collector',
    'stop broker',
    'stop store',
  ]);
});

test('a failed start is reported with its reason and the rest still start', async () => {
  const log: string[] = [];
  const stack = new Stack([
    {
      name: 'broken',
      start: () => Promise.reject(new Error('broken: port 8080 on 127.0.0.1 is already in use')),
    },
    fake('other', log),
  ]);
  await stack.start();
  assert.equal(stack.failed, true);
  assert.match(statusTable(stack.list), /broken\s+failed\s+broken: port 8080/);
  assert.deepEqual(log, ['start other']);
  await stack.stop();
});
