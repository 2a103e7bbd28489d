import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemorySeries } from './in-memory-series.js';
import { socketNames, type NamedDevice, type ReadingHousehold } from './sockets.js';
import { standbyView } from './standby.js';

const NOW = Date.parse('2026-07-10T12:00:00Z');
const MINUTE = 60_000;

/** A week of minute readings at a constant draw, with an occasional burst that the 5th percentile ignores. */
function week(watts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = NOW - 7 * 86_400_000 + MINUTE; t <= NOW; t += MINUTE)
    out.push([t, t % 17 === 0 ? 2000 : watts]);
  return out;
}

const hh: ReadingHousehold = {
  id: 'h1',
  timeZone: 'Europe/Berlin',
  currency: 'EUR',
  // The price changed on 1 July: standby costs use today's price.
  tariff: {
    periods: [
      { from: '2026-01-01', pricePerKwh: 0.5 },
      { from: '2026-07-01', pricePerKwh: 0.3 },
    ],
  },
};
const devices: NamedDevice[] = [
  { id: 'pi', sockets: [{ socket: 0, name: 'Fridge', role: 'socket' }] },
  { id: 'meter', sockets: [{ socket: 0, name: 'Mains', role: 'house-meter' }] },
];

test('standby per socket: the baseline, its kWh a year and their cost at today’s price; no house meter, no untracked', async () => {
  const series = new InMemorySeries(() => NOW)
    .addPower('h1', 'pi', 1, week(20))
    .addPower('h1', 'pi', 0, week(5));
  const v = await standbyView(series, hh, socketNames(devices), NOW);
  assert.equal(v.pricePerKwh, 0.3);
  assert.equal(v.currency, 'EUR');
  assert.deepEqual(v.sockets, [
    {
      device: 'pi',
      socket: 0,
      name: 'Fridge',
      role: 'socket',
      baselineWatts: 5,
      kwhPerYear: 43.83,
      costPerYear: 13.149,
    },
    {
      device: 'pi',
      socket: 1,
      name: 'Socket 1',
      role: 'socket',
      baselineWatts: 20,
      kwhPerYear: 175.32,
      costPerYear: 52.596,
    },
  ]);
  assert.deepEqual(v.houseMeters, []);
  assert.equal(v.untracked, null);
});

test('with a house meter, untracked is the meter’s baseline less the sockets’, never below zero', async () => {
  const series = new InMemorySeries(() => NOW)
    .addPower('h1', 'pi', 0, week(5))
    .addPower('h1', 'pi', 1, week(20))
    .addPower('h1', 'meter', 0, week(100));
  const v = await standbyView(series, hh, socketNames(devices), NOW);
  assert.deepEqual(
    v.houseMeters.map((s) => [s.device, s.name, s.baselineWatts]),
    [['meter', 'Mains', 100]],
  );
  assert.deepEqual(
    v.sockets.map((s) => s.baselineWatts),
    [5, 20],
  );
  assert.deepEqual(v.untracked, { baselineWatts: 75, kwhPerYear: 657.45, costPerYear: 197.235 });

  const low = new InMemorySeries(() => NOW)
    .addPower('h1', 'pi', 0, week(50))
    .addPower('h1', 'meter', 0, week(30));
  assert.deepEqual((await standbyView(low, hh, socketNames(devices), NOW)).untracked, {
    baselineWatts: 0,
    kwhPerYear: 0,
    costPerYear: 0,
  });
});
