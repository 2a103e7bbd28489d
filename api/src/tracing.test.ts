import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTracing } from '@energy/lib/tracing';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { buildApp } from './app.js';
import { register, testDeps } from './test-support/test-deps.js';

const exporter = new InMemorySpanExporter();
let tracing: { shutdown(): Promise<void> };

before(() => {
  tracing = startTracing('api-test', { exporter });
});
after(async () => {
  await tracing.shutdown();
});

test('a request and the VictoriaMetrics queries it makes form one trace', async () => {
  const vm = await testVictoriaMetrics();
  const app = buildApp(testDeps({ vmUrl: vm.url }));
  const a = await register(app);
  exporter.reset();
  await request(app.callback())
    .get('/api/v1/readings/live')
    .set('authorization', `Bearer ${a.accessToken}`)
    .expect(200);
  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.name === 'GET /api/v1/readings/live');
  assert.ok(server, `no server span among ${spans.map((s) => s.name).join(', ')}`);
  const queries = spans.filter((s) => s.name.startsWith('vm '));
  assert.ok(queries.length >= 1, 'the live endpoint queries VictoriaMetrics');
  for (const q of queries) {
    assert.equal(q.spanContext().traceId, server.spanContext().traceId);
    assert.equal(q.parentSpanContext?.spanId, server.spanContext().spanId);
  }
  assert.equal(server.attributes['http.response.status_code'], 200);
});
