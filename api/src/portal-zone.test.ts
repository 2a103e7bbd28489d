import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketLabel, instantOf, localDate, periodOf, shift, startOf, wallTimeOf } from './portal/zone.js';

/* The portal's calendar is the household's, whatever zone the browser is in. */

test('a local day starts at the zone’s midnight, across DST and half-hour offsets', () => {
  assert.equal(new Date(startOf('2026-03-29', 'Europe/Berlin')).toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(new Date(startOf('2026-03-30', 'Europe/Berlin')).toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(new Date(startOf('2026-10-26', 'Europe/Berlin')).toISOString(), '2026-10-25T23:00:00.000Z');
  assert.equal(new Date(startOf('2026-12-01', 'Asia/Kolkata')).toISOString(), '2026-11-30T18:30:00.000Z');
  assert.equal(localDate(Date.parse('2026-11-30T23:30:00Z'), 'Europe/Berlin'), '2026-12-01');
  assert.equal(localDate(Date.parse('2026-11-30T23:30:00Z'), 'America/New_York'), '2026-11-30');
});

test('periods: weeks from Monday, months and years, previous and next', () => {
  assert.deepEqual(periodOf('week', '2026-12-03'), { first: '2026-11-30', next: '2026-12-07' });
  assert.deepEqual(periodOf('month', '2026-12-31'), { first: '2026-12-01', next: '2027-01-01' });
  assert.equal(shift('month', '2026-03-31', -1), '2026-02-01');
  assert.equal(shift('year', '2026-06-15', 1), '2027-01-01');
  assert.equal(shift('day', '2026-03-01', -1), '2026-02-28');
});

test('bucket labels are the household’s wall clock, not the browser’s', () => {
  // 23:00 UTC is midnight in Berlin in winter.
  assert.match(bucketLabel('day', '2026-11-30T23:00:00.000Z', 'Europe/Berlin'), /^00:00$/);
  assert.match(bucketLabel('day', '2026-11-30T23:00:00.000Z', 'Asia/Kolkata'), /^04:30$/);
});

test('a mute typed as the household’s wall time is that instant, and shows back the same', () => {
  const t = instantOf('2026-07-01T18:30', 'Europe/Berlin');
  assert.equal(new Date(t).toISOString(), '2026-07-01T16:30:00.000Z');
  assert.equal(wallTimeOf(t, 'Europe/Berlin'), '2026-07-01T18:30');
  assert.equal(wallTimeOf(t, 'Asia/Kolkata'), '2026-07-01T22:00');
});
