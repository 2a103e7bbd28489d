import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FinalRangeCache, plainInstant, plainRange, RULE_MARGIN_MS, stepLocal } from './final-range-cache.js';

type Matrix = { data: { result: { values: [number, string][] }[] } };
const values = (r: { body: string }): [number, string][] =>
  (JSON.parse(r.body) as Matrix).data.result[0]?.values ?? [];

test('only plain, step-local range queries are cached', () => {
  assert.ok(stepLocal('sum by (device, socket) (increase(energy_socket_energy_joules_total[1d])) / 3600000'));
  assert.ok(stepLocal('max_over_time(x{household=~".*"}[10m:1m]) or on() vector(0)'));
  for (const q of [
    'x offset -1h',
    'x @ end()',
    'range_max(x)',
    'running_sum(x)',
    'topk_max(1, x)',
    'sort(x)',
  ])
    assert.equal(stepLocal(q), false, q);
  const p = (s: string) => plainRange(new URLSearchParams(s));
  assert.deepEqual(p('query=x&start=600&end=1200&step=60'), { query: 'x', start: 600, end: 1200, step: 60 });
  // Off the epoch's grid (a 1d step from local midnight): kept on its own grid.
  assert.deepEqual(p('query=x&start=610&end=1210&step=60'), { query: 'x', start: 610, end: 1210, step: 60 });
  assert.equal(p('query=x&start=600&end=1200&step=60&extra_label=household=b'), undefined);
  assert.equal(p('query=x&query=y&start=600&end=1200&step=60'), undefined);
  assert.equal(p('query=x&start=600&end=1200&step=0'), undefined);
});

test('final steps are kept and only the steps after them are fetched; per household', async () => {
  const cache = new FinalRangeCache();
  const asked: [string, number, number][] = [];
  const fetchFor = (h: string, v: string) => (start: number, end: number) => {
    asked.push([h, start, end]);
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += 60) values.push([t, v]);
    return Promise.resolve({
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: {}, values }] },
      }),
    });
  };
  const until = 1800 * 1000 + RULE_MARGIN_MS; // steps up to t = 1800 s are final
  const r = { query: 'x', start: 600, end: 2400, step: 60 };
  const first = values(await cache.answer('a', 'g', r, until, fetchFor('a', '1')));
  assert.equal(first.length, 31);
  const later = values(
    await cache.answer('a', 'g', { ...r, start: 660, end: 2460 }, until, fetchFor('a', '2')),
  );
  assert.deepEqual(asked.at(-1), ['a', 1860, 2460]);
  assert.deepEqual(later.slice(18, 21), [
    [1740, '1'],
    [1800, '1'],
    [1860, '2'],
  ]);
  // Another household with the same query reads its own.
  const b = values(await cache.answer('b', 'g', r, until, fetchFor('b', '9')));
  assert.deepEqual(asked.at(-1), ['b', 600, 2400]);
  assert.ok(b.length === 31 && b.every(([, v]) => v === '9'));
  // An error passes through as it came, and nothing is kept.
  const err = await cache.answer('c', 'g', r, until, () =>
    Promise.resolve({ status: 422, body: '{"status":"error"}' }),
  );
  assert.deepEqual(err, { status: 422, body: '{"status":"error"}' });
});

test('a grid off the epoch (a day from local midnight) keeps its final steps on its own phase', async () => {
  const cache = new FinalRangeCache();
  const asked: [number, number][] = [];
  const fetch = (v: string) => (start: number, end: number) => {
    asked.push([start, end]);
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += 86_400) values.push([t, v]);
    return Promise.resolve({
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: {}, values }] },
      }),
    });
  };
  // Local midnights in UTC+2: 22:00 UTC. Complete up to the fifth one (plus the rules' margin).
  const midnight = (d: number) => d * 86_400 - 7_200;
  const r = { query: 'x', start: midnight(1), end: midnight(8), step: 86_400 };
  const until = midnight(5) * 1000 + RULE_MARGIN_MS;
  assert.equal(values(await cache.answer('a', 'g', r, until, fetch('1'))).length, 8);
  // The next refresh fetches only the days after the fifth; the kept ones stay on the phase.
  const later = values(await cache.answer('a', 'g', { ...r, end: midnight(9) }, until, fetch('2')));
  assert.deepEqual(asked.at(-1), [midnight(6), midnight(9)]);
  assert.deepEqual(
    later.map(([t]) => t),
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map(midnight),
  );
  assert.deepEqual(later.map(([, v]) => v).join(''), '111112222');
  // The same query from UTC midnight is another grid: nothing of the other is reused.
  await cache.answer('a', 'g', { ...r, start: 86_400, end: 9 * 86_400 }, until, fetch('3'));
  assert.deepEqual(asked.at(-1), [86_400, 9 * 86_400]);
});

test('queries of the written-back daily series are never kept: their steps gain values after they look final', () => {
  const q = 'sum(last_over_time(energy_household_daily_cost[1d]))';
  assert.equal(
    plainRange(new URLSearchParams({ query: q, start: '0', end: '86400', step: '86400' })),
    undefined,
  );
  assert.equal(plainInstant(new URLSearchParams({ query: q, time: '86400' })), undefined);
  assert.ok(
    plainRange(
      new URLSearchParams({ query: 'sum(energy_socket_power_watts)', start: '0', end: '60', step: '60' }),
    ),
  );
});
