/* eslint-disable @typescript-eslint/no-unsafe-member-access -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import request from 'supertest';
import { buildApp } from '../app.js';
import { register, testDeps } from '../test-support/test-deps.js';
import { VmClient } from './vm-client.js';
import { vmDeleteBase } from './vm-urls.js';

test('the delete base follows the cluster layout: /select/<tenant>/prometheus → /delete/<tenant>/prometheus', () => {
  assert.equal(vmDeleteBase('http://vm:8428'), 'http://vm:8428');
  assert.equal(
    vmDeleteBase('http://vmselect:8481/select/0/prometheus'),
    'http://vmselect:8481/delete/0/prometheus',
  );
  assert.equal(vmDeleteBase('http://lb/vm/select/42/prometheus/'), 'http://lb/vm/delete/42/prometheus');
  assert.equal(
    new VmClient('http://vmselect:8481/select/0/prometheus', undefined, 'http://other:1/delete/7/prometheus/')
      .deleteUrl,
    'http://other:1/delete/7/prometheus',
  );
});

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/**
 * vmselect's routes as the VictoriaMetrics cluster documents them (no
 * vmselect binary here): reads under /select/<tenant>/prometheus,
 * delete_series only under /delete/<tenant>/prometheus, /health at the root;
 * any other path is refused as vmselect refuses it.
 */
async function vmselectStandIn(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ method: req.method ?? '', path, body });
      if (path === '/health') return void res.end('OK');
      if (path === '/delete/0/prometheus/api/v1/admin/tsdb/delete_series' && req.method === 'POST') {
        res.statusCode = 204;
        return void res.end();
      }
      if (/^\/select\/0\/prometheus\/api\/v1\/query(_range)?$/.test(path)) {
        res.setHeader('content-type', 'application/json');
        return void res.end('{"status":"success","data":{"resultType":"vector","result":[]}}');
      }
      res.statusCode = 400;
      res.end(`unsupported path requested: ${path}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

test('household deletion on a VictoriaMetrics cluster calls delete_series under /delete/0/prometheus', async () => {
  const vm = await vmselectStandIn();
  const deps = testDeps({ vmUrl: `${vm.url}/select/0/prometheus` });
  after(() => deps.store.close());
  const app = buildApp(deps);
  const acc = await register(app, { timeZone: 'UTC', currency: 'EUR' });
  const r = await request(app.callback())
    .delete('/api/v1/household')
    .set({ authorization: `Bearer ${acc.accessToken}` })
    .expect(200);
  assert.equal(r.body.deleted.users, 1);
  const deletes = vm.seen.filter((s) => s.path.endsWith('/delete_series'));
  assert.deepEqual(
    deletes.map((d) => `${d.method} ${d.path}`),
    ['POST /delete/0/prometheus/api/v1/admin/tsdb/delete_series'],
  );
  const match = new URLSearchParams(deletes[0]?.body).getAll('match[]');
  assert.equal(match.length, 1);
  assert.ok(match[0]?.includes(`household="${acc.householdId}"`), match[0]);
  // The health probe goes to vmselect's root, where it is served.
  assert.equal(await deps.vm.healthy(), true);
});
