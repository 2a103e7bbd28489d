import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buckets, rfc3339InZone } from './local-time.js';

const iso = (ms: number, tz: string): string => rfc3339InZone(ms, tz);

test('day buckets follow the household zone across a DST change', () => {
  const b = buckets(
    Date.parse('2026-03-28T12:00:00Z'),
    Date.parse('2026-03-30T12:00:00Z'),
    'day',
    'Europe/Berlin',
  );
  assert.deepEqual(
    b.map((x) => [iso(x.start, 'Europe/Berlin'), (x.end - x.start) / 3_600_000]),
    [
      ['2026-03-28T00:00:00+01:00', 24],
      ['2026-03-29T00:00:00+01:00', 23],
      ['2026-03-30T00:00:00+02:00', 24],
    ],
  );
});

test('weeks start on Monday; months in the zone', () => {
  const w = buckets(Date.parse('2026-03-05T12:00:00Z'), Date.parse('2026-03-06T00:00:00Z'), 'week', 'UTC');
  assert.equal(iso(w[0]?.start ?? 0, 'UTC'), '2026-03-02T00:00:00+00:00');
  const m = buckets(
    Date.parse('2026-01-31T20:00:00Z'),
    Date.parse('2026-02-02T00:00:00Z'),
    'month',
    'Asia/Tokyo',
  );
  assert.deepEqual(
    m.map((x) => iso(x.start, 'Asia/Tokyo')),
    ['2026-02-01T00:00:00+09:00'],
  );
  const h = buckets(
    Date.parse('2026-03-05T12:10:00Z'),
    Date.parse('2026-03-05T13:10:00Z'),
    'hour',
    'Asia/Kolkata',
  );
  assert.deepEqual(
    h.map((x) => iso(x.start, 'Asia/Kolkata')),
    ['2026-03-05T17:00:00+05:30', '2026-03-05T18:00:00+05:30'],
  );
});
