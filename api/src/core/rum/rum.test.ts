import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRefusal, readFaroPayload, type RumReading } from './faro-payload.js';
import { OTHER_ROUTE, RouteTemplates } from './route-template.js';
import { TokenBuckets } from './token-bucket.js';

test('a fetched URL is labelled by its route template, or other — never by the URL itself', () => {
  const t = new RouteTemplates([
    '/api/v1/devices',
    '/api/v1/devices/:id',
    '/api/v1/devices/:id/sockets/:socket',
    '/api/v1/readings/live',
    '/api/v1/readings/:kind',
    '/metrics',
  ]);
  const cases: [string, string][] = [
    ['http://127.0.0.1:8080/api/v1/devices', '/api/v1/devices'],
    ['/api/v1/devices/pi-7', '/api/v1/devices/:id'],
    ['/api/v1/devices/pi-7/', '/api/v1/devices/:id'],
    ['https://portal.example/api/v1/devices/pi/sockets/4?x=1#y', '/api/v1/devices/:id/sockets/:socket'],
    // A literal segment wins over a parameter in the same place.
    ['/api/v1/readings/live?from=1', '/api/v1/readings/live'],
    ['/api/v1/readings/energy', '/api/v1/readings/:kind'],
    ['/api/v1/devices/a/b/c/d', OTHER_ROUTE],
    ['https://cdn.example/lib.js', OTHER_ROUTE],
    ['http://[::1', OTHER_ROUTE],
  ];
  for (const [url, template] of cases) assert.equal(t.match(url), template, url);
});

test('token buckets: a burst, then the refill rate; the least recently seen client is forgotten first', () => {
  let now = 0;
  const b = new TokenBuckets({ burst: 3, perSecond: 0.5, maxKeys: 2 }, () => now);
  assert.deepEqual([b.take('a'), b.take('a'), b.take('a'), b.take('a')], [true, true, true, false]);
  assert.equal(b.retryAfterSeconds('a'), 2);
  now = 2000;
  assert.deepEqual([b.take('a'), b.take('a')], [true, false]);
  // Another client has its own bucket.
  assert.equal(b.take('b'), true);
  // A third evicts 'a' (least recent): it comes back with a full burst.
  assert.equal(b.take('c'), true);
  assert.deepEqual([b.take('a'), b.take('a'), b.take('a')], [true, true, true]);
});

function reading(body: unknown, max = 100): RumReading {
  const r = readFaroPayload(body, max);
  assert.ok(!isRefusal(r), JSON.stringify(r));
  return r;
}

test('Faro payloads: web vitals in seconds, CLS as a score, page loads, fetch durations; bad values dropped and counted', () => {
  const r = reading({
    meta: { app: { name: 'energy-portal' } },
    measurements: [
      { type: 'web-vitals', values: { lcp: 1234, delta: 1234 } },
      { type: 'web-vitals', values: { ttfb: 80.5 } },
      { type: 'web-vitals', values: { inp: 'NaN' } },
      { type: 'web-vitals', values: { cls: 0.02 } },
      { type: 'web-vitals', values: { fcp: -5 } },
      { type: 'custom', values: { lcp: 1 } },
    ],
    events: [
      { name: 'faro.performance.navigation', attributes: { pageLoadTime: '950' } },
      {
        name: 'faro.performance.resource',
        attributes: { name: 'http://h/api/v1/devices', duration: '12', initiatorType: 'fetch' },
      },
      {
        name: 'faro.performance.resource',
        attributes: { name: 'http://h/x.png', duration: '3', initiatorType: 'img' },
      },
      {
        name: 'faro.performance.resource',
        attributes: { name: 'http://h/api/v1/me', duration: '9e9', initiatorType: 'fetch' },
      },
    ],
    logs: [{}, {}],
  });
  assert.deepEqual(r.vitals, [
    { vital: 'lcp', seconds: 1.234 },
    { vital: 'ttfb', seconds: 0.0805 },
  ]);
  assert.deepEqual(r.layoutShifts, [0.02]);
  assert.deepEqual(r.pageLoads, [0.95]);
  assert.deepEqual(r.fetches, [{ url: 'http://h/api/v1/devices', seconds: 0.012 }]);
  assert.deepEqual(
    [...r.dropped],
    [
      ['not_a_number', 1],
      ['out_of_range', 2],
    ],
  );
  assert.deepEqual(
    [...r.counts],
    [
      ['logs', 2],
      ['measurements', 6],
      ['events', 4],
    ],
  );
});

test('Faro payloads: refused without meta, or with more items than allowed', () => {
  assert.equal((readFaroPayload({ hello: 1 }, 100) as { reason: string }).reason, 'not_faro');
  assert.equal((readFaroPayload([], 100) as { reason: string }).reason, 'not_faro');
  const many = {
    meta: {},
    logs: Array.from({ length: 60 }, () => ({})),
    events: Array.from({ length: 41 }, () => ({})),
  };
  const r = readFaroPayload(many, 100);
  assert.ok(isRefusal(r));
  assert.equal(r.reason, 'too_many_events');
  assert.match(r.message, /101/);
  assert.ok(!isRefusal(readFaroPayload({ ...many, events: [] }, 100)));
});
