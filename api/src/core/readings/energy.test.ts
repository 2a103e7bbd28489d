import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buckets } from '@energy/lib/local-time';
import { energyBuckets, energyCsv, energyView, localBuckets } from './energy.js';
import { InMemorySeries } from './in-memory-series.js';
import { socketNames, type ReadingHousehold } from './sockets.js';
import type { Tariff } from './tariff.js';

const QUARTER = 900_000;
const HOUR = 3_600_000;

/** A counter read every quarter hour from `fromIso` to `toIso` at a constant draw. */
function counter(fromIso: string, toIso: string, watts: number): [number, number][] {
  const from = Date.parse(fromIso);
  const out: [number, number][] = [];
  for (let t = from; t <= Date.parse(toIso); t += QUARTER) out.push([t, ((t - from) / 1000) * watts]);
  return out;
}

const flat = (pricePerKwh: number): Tariff => ({ periods: [{ from: '2000-01-01', pricePerKwh }] });
const berlin = (tariff: Tariff): ReadingHousehold => ({
  id: 'h1',
  timeZone: 'Europe/Berlin',
  currency: 'EUR',
  tariff,
});
const later = Date.parse('2027-01-01T00:00:00Z');

test('days in Berlin follow daylight saving: the spring day has 23 hours of energy', async () => {
  // 1 kW from Saturday 28 March 00:00 CET to Tuesday 31 March 00:00 CEST.
  const series = new InMemorySeries(() => later).addEnergy(
    'h1',
    'pi',
    0,
    counter('2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z', 1000),
  );
  const hh = berlin(flat(0.3));
  const bs = await energyBuckets(series, hh, {
    from: Date.parse('2026-03-27T23:00:00Z'),
    to: Date.parse('2026-03-30T22:00:00Z'),
    bucket: 'day',
    nowMs: later,
  });
  const view = energyView(hh, 'day', bs);
  assert.deepEqual(
    view.buckets.map((b) => [b.start, b.end, b.kwh, b.cost]),
    [
      ['2026-03-28T00:00:00+01:00', '2026-03-29T00:00:00+01:00', 24, 7.2],
      ['2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', 23, 6.9],
      ['2026-03-30T00:00:00+02:00', '2026-03-31T00:00:00+02:00', 24, 7.2],
    ],
  );
  assert.deepEqual(view.buckets[1]?.sockets, [{ device: 'pi', socket: 0, kwh: 23, cost: 6.9 }]);
  assert.equal(view.timeZone, 'Europe/Berlin');
});

test('the autumn day in Berlin has 25 hour buckets, the repeated hour shown twice on the wall clock', async () => {
  const series = new InMemorySeries(() => later).addEnergy(
    'h1',
    'pi',
    0,
    counter('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 1000),
  );
  const hh = berlin(flat(1));
  const bs = await energyBuckets(series, hh, {
    from: Date.parse('2026-10-24T22:00:00Z'),
    to: Date.parse('2026-10-25T23:00:00Z'),
    bucket: 'hour',
    nowMs: later,
  });
  assert.equal(bs.length, 25);
  assert.ok(bs.every((b) => b.kwh === 1 && b.cost === 1 && b.end - b.start === HOUR));
  const starts = energyView(hh, 'hour', bs).buckets.map((b) => b.start);
  assert.deepEqual(starts.slice(2, 4), ['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00']);
});

test('a bucket that spans a price change is priced quarter by quarter on either side of it', async () => {
  // From Wednesday 1 July (local) the price is 0.4 instead of 0.3; the week runs Monday 29 June to 6 July.
  const tariff: Tariff = {
    periods: [
      { from: '2026-01-01', pricePerKwh: 0.3 },
      { from: '2026-07-01', pricePerKwh: 0.4 },
    ],
  };
  const series = new InMemorySeries(() => later)
    .addEnergy('h1', 'pi', 0, counter('2026-06-28T22:00:00Z', '2026-07-05T22:00:00Z', 500))
    .addEnergy('h1', 'pi', 1, counter('2026-06-28T22:00:00Z', '2026-07-05T22:00:00Z', 500));
  const bs = await energyBuckets(series, berlin(tariff), {
    from: Date.parse('2026-06-30T12:00:00Z'),
    to: Date.parse('2026-07-01T12:00:00Z'),
    bucket: 'week',
    nowMs: later,
  });
  assert.equal(bs.length, 1);
  // 48 h at 0.3 and 120 h at 0.4, 1 kW in all, split over two sockets.
  assert.equal(bs[0]?.kwh, 168);
  assert.equal(bs[0]?.cost, 62.4);
  assert.deepEqual(bs[0]?.sockets, [
    { device: 'pi', socket: 0, kwh: 84, cost: 31.2 },
    { device: 'pi', socket: 1, kwh: 84, cost: 31.2 },
  ]);
});

test('quarters after now are not read; the CSV names sockets and quotes what needs it', async () => {
  const series = new InMemorySeries(() => later).addEnergy(
    'h1',
    'pi',
    2,
    counter('2026-03-02T00:00:00Z', '2026-03-02T03:00:00Z', 1000),
  );
  const hh: ReadingHousehold = { id: 'h1', timeZone: 'UTC', currency: 'CHF', tariff: null };
  const bs = await energyBuckets(series, hh, {
    from: Date.parse('2026-03-02T00:00:00Z'),
    to: Date.parse('2026-03-02T03:00:00Z'),
    bucket: 'hour',
    nowMs: Date.parse('2026-03-02T01:20:00Z'),
  });
  // The default tariff, 0.3 per kWh; the quarter that holds now is read, later ones are not.
  assert.deepEqual(
    bs.map((b) => [b.kwh, b.cost]),
    [
      [1, 0.3],
      [0.5, 0.15],
      [0, 0],
    ],
  );
  const names = socketNames([{ id: 'pi', sockets: [{ socket: 2, name: 'Kettle, "big"', role: 'socket' }] }]);
  assert.equal(
    energyCsv(hh, names, bs),
    [
      'start,end,device,socket,name,kwh,cost_CHF',
      '2026-03-02T00:00:00+00:00,2026-03-02T01:00:00+00:00,pi,2,"Kettle, ""big""",1,0.3',
      '2026-03-02T01:00:00+00:00,2026-03-02T02:00:00+00:00,pi,2,"Kettle, ""big""",0.5,0.15',
      '',
    ].join('\n'),
  );
});

test('a house meter is the household total, not added to its sockets; untracked is the rest, clamped at zero and counted', async () => {
  // Day 1: the meter reads 3 kW, the sockets 1 kW and 1.5 kW. Day 2: the meter reads 2 kW, less than its sockets.
  const day1 = ['2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'] as const;
  const day2 = ['2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z'] as const;
  const joined = (a: [number, number][], b: [number, number][]): [number, number][] => {
    const base = a[a.length - 1]?.[1] ?? 0;
    return [...a, ...b.slice(1).map(([t, j]): [number, number] => [t, base + j])];
  };
  const series = new InMemorySeries(() => later)
    .addEnergy('h1', 'meter', 0, joined(counter(...day1, 3000), counter(...day2, 2000)))
    .addEnergy('h1', 'pi', 1, joined(counter(...day1, 1000), counter(...day2, 1000)))
    .addEnergy('h1', 'pi', 2, joined(counter(...day1, 1500), counter(...day2, 1500)));
  const hh: ReadingHousehold = { id: 'h1', timeZone: 'UTC', currency: 'EUR', tariff: flat(0.5) };
  const names = socketNames([{ id: 'meter', sockets: [{ socket: 0, name: 'House', role: 'house-meter' }] }]);
  let negative = 0;
  const range = { from: Date.parse(day1[0]), to: Date.parse(day2[1]), bucket: 'day' as const, nowMs: later };
  const bs = await energyBuckets(series, hh, { ...range, names, onNegativeUntracked: () => negative++ });
  assert.deepEqual(
    bs.map((b) => [b.kwh, b.cost, b.untracked]),
    [
      [72, 36, { kwh: 12, cost: 6 }],
      [48, 24, { kwh: 0, cost: 0 }],
    ],
  );
  assert.equal(negative, 1, 'the second day only');
  // The meter stays listed with its own energy; the sockets are what they were.
  assert.deepEqual(bs[0]?.sockets, [
    { device: 'meter', socket: 0, kwh: 72, cost: 36 },
    { device: 'pi', socket: 1, kwh: 24, cost: 12 },
    { device: 'pi', socket: 2, kwh: 36, cost: 18 },
  ]);
  assert.deepEqual(energyView(hh, 'day', bs).buckets[0]?.untracked, { kwh: 12, cost: 6 });
  // Without a declared meter every socket is an ordinary one, and nothing is untracked.
  const plain = await energyBuckets(series, hh, range);
  assert.deepEqual(
    plain.map((b) => [b.kwh, b.untracked]),
    [
      [132, null],
      [108, null],
    ],
  );
});

test('local buckets served from the runs already computed are lib’s buckets, across DST and in half-hour zones', () => {
  const DAY = 86_400_000;
  // Requests that start anywhere (a month back from now, to the millisecond), overlap, meet or stand apart.
  let seed = 7;
  const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const base = Date.parse('2026-03-01T00:00:00Z');
  for (const tz of ['Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns']) {
    for (const kind of ['hour', 'day', 'week', 'month'] as const) {
      for (let i = 0; i < 25; i++) {
        const from = base + Math.floor(rnd() * 300 * DAY);
        const to = from + 1 + Math.floor(rnd() * (kind === 'hour' ? 3 : 60) * DAY);
        assert.deepEqual(
          localBuckets(from, to, kind, tz),
          buckets(from, to, kind, tz),
          `${tz} ${kind} ${from} ${to}`,
        );
      }
    }
  }
});
