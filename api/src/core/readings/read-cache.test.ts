import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnergyCache, deviceGeneration } from './energy-cache.js';
import { energyBuckets } from './energy.js';
import { completeUntil, OUTBOX_WINDOW_MS } from './finality.js';
import { InMemorySeries } from './in-memory-series.js';
import { DEVICE_MINUTE_MS, liveValidUntil, RECHECK_MS } from './live-cache.js';
import { buckets, localParts, rfc3339InZone } from '@energy/lib/local-time';
import { ByteLru } from './byte-lru.js';
import { ChartCache } from './chart-cache.js';
import { powerChart } from './power.js';
import { socketNames } from './sockets.js';
import { rfc3339, wallClock } from './zone-clock.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const Q = 900_000;
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const D0 = Date.UTC(2026, 2, 8);
const hh = { id: 'h1', timeZone: 'UTC', currency: 'EUR', tariff: null };

test('completeness: the lowest watermark of every device; none stated is now − 30 days; never after now', () => {
  const wm = (device: string, untilMs: number) => ({ device, untilMs });
  assert.equal(completeUntil([], [], NOW), NOW);
  assert.equal(
    completeUntil(['a', 'b'], [wm('a', NOW - HOUR), wm('b', NOW - 2 * HOUR)], NOW),
    NOW - 2 * HOUR,
  );
  // A device that never stated one (older exporter) holds everything in its outbox window.
  assert.equal(completeUntil(['a', 'old'], [wm('a', NOW - HOUR)], NOW), NOW - OUTBOX_WINDOW_MS);
  // A revoked (deleted) device's watermark no longer counts; the highest stated wins.
  assert.equal(
    completeUntil(['a'], [wm('a', NOW - 3 * HOUR), wm('a', NOW - HOUR), wm('gone', 0)], NOW),
    NOW - HOUR,
  );
  assert.equal(completeUntil(['a'], [wm('a', NOW + HOUR)], NOW), NOW);
});

test('energy cache: a day is kept only once final, read from the store once, and priced at read time', async () => {
  const series = new InMemorySeries(() => NOW);
  // 0.25 kWh every quarter over three days.
  const counter: [number, number][] = [];
  for (let t = D0; t <= NOW; t += Q) counter.push([t, ((t - D0) / Q) * 900_000]);
  series.addEnergy('h1', 'pi', 0, counter);
  const cache = new EnergyCache();
  let until = D0 + DAY + 12 * HOUR; // day 0 final, day 1 not yet
  let asked = 0;
  const reader = cache.reader(series, deviceGeneration([]), () => {
    asked++;
    return Promise.resolve(until);
  });
  const read = (tariff: unknown = null) =>
    energyBuckets(reader, { ...hh, tariff }, { from: D0, to: D0 + 2 * DAY, bucket: 'day', nowMs: NOW });
  const first = await read();
  assert.deepEqual(
    first.map((b) => b.kwh),
    [24, 24],
  );
  assert.equal(asked, 1);
  series.energyReads.length = 0;
  const second = await read();
  assert.deepEqual(
    second.map((b) => b.kwh),
    [24, 24],
  );
  // Only the day not yet final went to the store.
  assert.deepEqual(
    series.energyReads.map((r) => [r.grid.startMs, r.grid.endMs]),
    [[D0 + DAY, D0 + 2 * DAY]],
  );
  // Late data for day 1 shows at once (not cached); once final it is kept.
  series.addEnergy('h1', 'pi', 1, [
    [D0 + DAY + HOUR, 0],
    [D0 + DAY + 2 * HOUR, 3_600_000],
  ]);
  until = D0 + 2 * DAY;
  assert.deepEqual(
    (await read()).map((b) => b.kwh),
    [24, 25],
  );
  series.energyReads.length = 0;
  // A tariff change reprices cached days without reading them again.
  const priced = await read({ periods: [{ from: '2000-01-01', pricePerKwh: 0.5 }] });
  assert.deepEqual(
    priced.map((b) => b.cost),
    [12, 12.5],
  );
  assert.deepEqual(series.energyReads, []);
  // Another generation (a device deleted, a role changed) does not see these days.
  const other = cache.reader(series, 'pi@1:0=house-meter', () => Promise.resolve(0));
  await energyBuckets(other, hh, { from: D0, to: D0 + DAY, bucket: 'day', nowMs: NOW });
  assert.equal(series.energyReads.length, 1);
  // Two households with identical requests never share a day.
  const h2 = await energyBuckets(
    reader,
    { ...hh, id: 'h2' },
    { from: D0, to: D0 + DAY, bucket: 'day', nowMs: NOW },
  );
  assert.deepEqual(
    h2.map((b) => b.kwh),
    [0],
  );
  cache.dropHousehold('h1');
  cache.dropHousehold('h2');
  assert.equal(cache.bytes, 0);
});

test('device generation: changes with a device deleted or re-paired and with a role, not with a name', () => {
  const d = (id: string, at: number, role = 'socket', name = 'x') => ({
    id,
    createdAt: new Date(at),
    sockets: [{ socket: 0, role, name }],
  });
  const g = deviceGeneration([d('a', 1), d('b', 2)]);
  assert.equal(deviceGeneration([d('b', 2), d('a', 1, 'socket', 'renamed')]), g);
  assert.notEqual(deviceGeneration([d('a', 1)]), g);
  assert.notEqual(deviceGeneration([d('a', 1), d('b', 3)]), g);
  assert.notEqual(deviceGeneration([d('a', 1, 'house-meter'), d('b', 2)]), g);
});

test('live: valid until the next device-minute on each device phase, rechecked just after one is due', () => {
  const p = (device: string, atMs: number | undefined) => ({ device, socket: 0, watts: 1, atMs });
  const T = Date.UTC(2026, 2, 10, 12, 0, 0);
  assert.equal(liveValidUntil([p('a', T)], T + 20_000), T + DEVICE_MINUTE_MS);
  assert.equal(liveValidUntil([p('a', T), p('b', T + 30_000)], T + 40_000), T + DEVICE_MINUTE_MS);
  // Due at T + 60 s and not stored yet: read again shortly, so it shows soon after it is written.
  assert.equal(liveValidUntil([p('a', T)], T + 61_000), T + 61_000 + RECHECK_MS);
  // Offline for minutes: still on its phase, not rechecked all the time.
  assert.equal(liveValidUntil([p('a', T)], T + 200_000), T + 240_000);
  assert.equal(liveValidUntil([], T), T + 5_000);
  assert.equal(liveValidUntil([p('a', undefined)], T), T + RECHECK_MS);
});

test('byte LRU: bounded by bytes, least recently used dropped first', () => {
  const seen: string[] = [];
  const lru = new ByteLru<number>(100, { lookup: (r) => seen.push(r), size: () => {} });
  lru.set('a', 1, 40);
  lru.set('b', 2, 40);
  assert.equal(lru.get('a'), 1);
  lru.set('c', 3, 40);
  assert.equal(lru.get('b'), undefined);
  assert.deepEqual([lru.get('a'), lru.get('c'), lru.bytes], [1, 3, 80]);
  lru.set('huge', 4, 101);
  assert.equal(lru.get('huge'), undefined);
  assert.deepEqual(seen, ['hit', 'miss', 'hit', 'hit', 'miss']);
});

test('the zone clock from cached offsets says what Intl says, across both Berlin DST changes and in half-hour zones', () => {
  for (const tz of ['Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'UTC']) {
    for (let t = Date.UTC(2026, 2, 28, 20); t < Date.UTC(2026, 2, 29, 6); t += 7 * 60_000 + 13_000) {
      assert.equal(rfc3339(t, tz), rfc3339InZone(t, tz), `${tz} ${t}`);
    }
    for (let t = Date.UTC(2026, 9, 24, 20); t < Date.UTC(2026, 9, 25, 6); t += 7 * 60_000 + 13_000) {
      assert.equal(rfc3339(t, tz), rfc3339InZone(t, tz), `${tz} ${t}`);
    }
    // Lord Howe moves its clock by half an hour, at 15:00 UTC.
    for (let t = Date.UTC(2026, 3, 4, 13); t < Date.UTC(2026, 3, 4, 17); t += 7 * 60_000 + 13_000) {
      assert.equal(rfc3339(t, tz), rfc3339InZone(t, tz), `${tz} ${t}`);
    }
    const at = Date.UTC(2026, 3, 5, 14, 45);
    assert.equal(wallClock(at, tz).weekday, localParts(at, tz).weekday);
  }
});

test('chart cache: final chunks of steps kept, the same chart as the store gives, only the rest read again', async () => {
  const series = new InMemorySeries(() => NOW);
  const power: [number, number][] = [];
  for (let t = NOW - DAY; t <= NOW; t += 60_000) power.push([t, (t / 60_000) % 97]);
  series.addPower('h1', 'pi', 0, power).addPower('h1', 'pi', 1, power.slice(0, 500));
  let reads = 0;
  const counting = {
    meanPower: (h: string, g: Parameters<typeof series.meanPower>[1]) => {
      reads += (g.endMs - g.startMs) / g.stepMs + 1;
      return series.meanPower(h, g);
    },
    maxPower: (h: string, g: Parameters<typeof series.maxPower>[1]) => series.maxPower(h, g),
  };
  const cache = new ChartCache();
  const until = NOW - 2 * HOUR;
  const names = socketNames([]);
  const range = { fromMs: NOW - DAY + 3 * HOUR, toMs: NOW, stepSeconds: 300 };
  const direct = await powerChart(series, hh, names, range);
  const first = await powerChart(
    cache.reader(counting, 'g', () => Promise.resolve(until)),
    hh,
    names,
    range,
  );
  assert.deepEqual(first, direct);
  const firstReads = reads;
  reads = 0;
  const second = await powerChart(
    cache.reader(counting, 'g', () => Promise.resolve(until)),
    hh,
    names,
    range,
  );
  assert.deepEqual(second, direct);
  // Only the chunks ending after completeness (8 h chunks at 5 min) were read again.
  assert.ok(reads > 0 && reads <= 96, `${reads} steps read again, ${firstReads} the first time`);
});

test('bucket lists remembered by their start: a later or earlier `to` gets the buckets lib would give', async () => {
  const series = new InMemorySeries(() => NOW);
  const berlin = { ...hh, timeZone: 'Europe/Berlin' };
  const from = Date.UTC(2026, 2, 1);
  for (const to of [
    Date.UTC(2026, 2, 20),
    Date.UTC(2026, 2, 31, 12),
    Date.UTC(2026, 2, 5),
    Date.UTC(2026, 3, 2),
  ]) {
    const got = await energyBuckets(series, berlin, { from, to, bucket: 'day', nowMs: NOW });
    assert.deepEqual(
      got.map((b) => [b.start, b.end]),
      buckets(from, to, 'day', 'Europe/Berlin').map((b) => [b.start, b.end]),
    );
  }
});
