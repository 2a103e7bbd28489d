import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemorySeries } from './in-memory-series.js';
import { devicesLastSeen } from './last-seen.js';
import { liveView } from './live.js';
import { defaultStepSeconds, powerChart, stepProblem } from './power.js';
import { socketNames, type ReadingHousehold } from './sockets.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const hh: ReadingHousehold = { id: 'h1', timeZone: 'Europe/Berlin', currency: 'EUR', tariff: null };
const names = socketNames([{ id: 'pi', sockets: [{ socket: 3, name: 'Kettle', role: 'socket' }] }]);

test('live: the last watts of every socket heard from in ten minutes, by device and socket, in the household zone', async () => {
  const series = new InMemorySeries(() => NOW)
    .addPower('h1', 'pi', 3, [
      [NOW - 120_000, 10],
      [NOW - 60_000, 2150],
    ])
    .addPower('h1', 'b-pi', 0, [[NOW - 30_000, 7]])
    .addPower('h1', 'pi', 1, [[NOW - 11 * 60_000, 99]])
    .addPower('h2', 'pi', 3, [[NOW - 1000, 5]]);
  const v = await liveView(series, hh, names, () => NOW);
  assert.deepEqual(v, {
    at: '2026-03-02T13:00:00+01:00',
    sockets: [
      { device: 'b-pi', socket: 0, name: 'Socket 0', watts: 7, at: '2026-03-02T12:59:30+01:00' },
      { device: 'pi', socket: 3, name: 'Kettle', watts: 2150, at: '2026-03-02T12:59:00+01:00' },
    ],
  });
  const seen = await devicesLastSeen(series, 'h1');
  assert.deepEqual([...seen].map(([d, at]) => [d, at.toISOString()]).sort(), [
    ['b-pi', '2026-03-02T11:59:30.000Z'],
    ['pi', '2026-03-02T11:59:00.000Z'],
  ]);
});

test('power: whole steps inside the range, a value per step and socket, null where it did not report', async () => {
  const series = new InMemorySeries(() => NOW).addPower('h1', 'pi', 3, [
    [NOW - 170_000, 100],
    [NOW - 150_000, 300],
    [NOW - 30_000, 50],
  ]);
  const chart = await powerChart(series, hh, names, {
    fromMs: NOW - 190_000,
    toMs: NOW + 10_000,
    stepSeconds: 60,
  });
  assert.equal(chart.from, '2026-03-02T12:57:00+01:00');
  assert.equal(chart.to, '2026-03-02T13:00:00+01:00');
  assert.equal(chart.stepSeconds, 60);
  assert.equal(chart.timestamps.length, 4);
  assert.deepEqual(chart.series, [
    {
      device: 'pi',
      socket: 3,
      name: 'Kettle',
      watts: [null, 200, null, 50],
      maxWatts: [null, 300, null, 50],
    },
  ]);
  const empty = await powerChart(series, hh, names, {
    fromMs: NOW + 1000,
    toMs: NOW + 2000,
    stepSeconds: 60,
  });
  assert.deepEqual([empty.timestamps, empty.series], [[], []]);
});

test('the chart step: about 300 points by default, refused when too fine or too many', () => {
  assert.equal(defaultStepSeconds(0, 86_400_000), 300);
  assert.equal(defaultStepSeconds(0, 7 * 86_400_000), 2040);
  assert.equal(defaultStepSeconds(0, 3_600_000), 60);
  assert.equal(stepProblem(0, 86_400_000, 60), undefined);
  for (const step of [9, 1.5, Number.NaN, 7])
    assert.match(stepProblem(0, 86_400_000, step) ?? '', /whole seconds, at least 10/);
  assert.match(stepProblem(0, 31 * 86_400_000, 10) ?? '', /at most 11000 points/);
});
