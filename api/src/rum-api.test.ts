import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { buildApp } from './app.js';
import { RUM_LIMITS } from './core/rum/rum-limits.js';
import { testDeps } from './test-support/test-deps.js';

const meta = { app: { name: 'energy-portal' } };

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

test('RUM: web vitals, page loads and API call durations become histograms, API calls by route template', async () => {
  const app = buildApp(testDeps());
  const http = () => request(app.callback());
  await http()
    .post('/api/v1/rum')
    .send({
      meta,
      measurements: [
        { type: 'web-vitals', values: { lcp: 1800 } },
        { type: 'web-vitals', values: { inp: 120 } },
        { type: 'web-vitals', values: { ttfb: 40 } },
        { type: 'web-vitals', values: { cls: 0.03 } },
      ],
      events: [
        { name: 'faro.performance.navigation', attributes: { pageLoadTime: '700' } },
        ...['pi-1', 'pi-2', 'pi-3'].map((id) => ({
          name: 'faro.performance.resource',
          attributes: {
            name: `http://127.0.0.1/api/v1/devices/${id}`,
            duration: '30',
            initiatorType: 'fetch',
          },
        })),
        {
          name: 'faro.performance.resource',
          attributes: { name: 'http://127.0.0.1/no/such/thing/9f2c', duration: '5', initiatorType: 'fetch' },
        },
        {
          name: 'faro.performance.resource',
          attributes: { name: 'http://127.0.0.1/api/v1/me', duration: 'soon', initiatorType: 'fetch' },
        },
      ],
    })
    .expect(202);
  const m = (await http().get('/metrics').expect(200)).text;
  for (const vital of ['lcp', 'inp', 'ttfb']) {
    assert.match(m, new RegExp(`^api_rum_web_vital_seconds_count\\{vital="${vital}"\\} 1$`, 'm'));
  }
  assert.match(m, /^api_rum_web_vital_seconds_bucket\{le="2.5",vital="lcp"\} 1$/m);
  assert.match(m, /^api_rum_web_vital_seconds_bucket\{le="1.8",vital="lcp"\} 1$/m);
  assert.match(m, /^api_rum_web_vital_seconds_bucket\{le="1",vital="lcp"\} 0$/m);
  assert.match(m, /^api_rum_cumulative_layout_shift_count 1$/m);
  assert.match(m, /^api_rum_page_load_seconds_count 1$/m);
  assert.match(m, /^api_rum_api_call_seconds_count\{route="\/api\/v1\/devices\/:id"\} 3$/m);
  assert.match(m, /^api_rum_api_call_seconds_count\{route="other"\} 1$/m);
  assert.doesNotMatch(m, /pi-1|9f2c|no\/such/);
  assert.match(m, /^api_rum_values_dropped_total\{reason="not_a_number"\} 1$/m);
});

test('RUM: more items than allowed is 413, a client past its rate is 429 with Retry-After; both counted', async () => {
  const app = buildApp(testDeps());
  const http = () => request(app.callback());
  const tooMany = Array.from({ length: RUM_LIMITS.maxEventsPerRequest + 1 }, () => ({ message: 'x' }));
  const big = await http().post('/api/v1/rum').send({ meta, logs: tooMany }).expect(413);
  const bigBody = big.body as ErrorBody;
  assert.equal(bigBody.error.code, 'payload_too_large');
  assert.match(bigBody.error.message, /At most 100 items/);
  // The burst (less the request above), then refusals: same client address.
  for (let i = 1; i < RUM_LIMITS.perClient.burst; i++) {
    await http()
      .post('/api/v1/rum')
      .send({ meta, logs: [{}] })
      .expect(202);
  }
  const limited = await http()
    .post('/api/v1/rum')
    .send({ meta, logs: [{}] })
    .expect(429);
  assert.equal((limited.body as ErrorBody).error.code, 'throttled');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  const m = (await http().get('/metrics').expect(200)).text;
  assert.match(m, /^api_rum_rejected_total\{reason="too_many_events"\} 1$/m);
  assert.match(m, /^api_rum_rejected_total\{reason="rate_limited"\} 1$/m);
  assert.match(
    m,
    new RegExp(`^api_rum_events_total\\{kind="logs"\\} ${RUM_LIMITS.perClient.burst - 1}$`, 'm'),
  );
});
