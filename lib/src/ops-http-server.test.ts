import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { startOpsHttpServer } from './ops-http-server.js';

test('serves /metrics, /healthz, /readyz (503 with the reason until ready) and 404 elsewhere', async () => {
  const registry = new Registry();
  new Counter({ name: 'ops_test_total', help: 'a counter', registers: [registry] }).inc(3);
  let ready = false;
  const server = await startOpsHttpServer({
    port: 0,
    registry,
    isReady: () => ready,
    notReadyText: 'not consuming from the broker',
  });
  try {
    const { address, port } = server.address() as AddressInfo;
    assert.equal(address, '127.0.0.1');
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, text: await res.text() };
    };
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^ops_test_total 3$/m);
    assert.deepEqual(await get('/healthz'), { status: 200, text: 'ok\n' });
    assert.deepEqual(await get('/readyz'), { status: 503, text: 'not consuming from the broker\n' });
    ready = true;
    assert.deepEqual(await get('/readyz?verbose=1'), { status: 200, text: 'ready\n' });
    assert.equal((await get('/nothing')).status, 404);
  } finally {
    server.close();
  }
});
