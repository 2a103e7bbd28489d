import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClockSource } from './clock-source.js';
import { ClockSanity, RELEASE_FLOOR_S, type ClockCheckMode } from './clock-sanity.js';

const NOW = 1_790_000_000;

/** A hand-set clock: each step gives wall, mono and the sync flag. */
function steps(...points: [wall: number, mono: number, synced: boolean | undefined][]): ClockSource & {
  next(): void;
} {
  let i = 0;
  const at = () => points[Math.min(i, points.length - 1)] as [number, number, boolean | undefined];
  return {
    wallS: () => at()[0],
    monoS: () => at()[1],
    synchronised: () => at()[2],
    next: () => void i++,
  };
}

const cases: [string, ClockCheckMode, [number, number, boolean | undefined][], boolean[]][] = [
  ['timesyncd says synchronised', 'wait', [[NOW, 10, true]], [true]],
  [
    'timesyncd runs, not yet synchronised',
    'wait',
    [
      [NOW, 10, false],
      [NOW + 5, 15, false],
    ],
    [false, false],
  ],
  ['auto without timesyncd: nothing to wait for', 'auto', [[NOW, 10, undefined]], [true]],
  ['wait without timesyncd: only a jump tells', 'wait', [[NOW, 10, undefined]], [false]],
  ['auto with timesyncd: waits for it', 'auto', [[NOW, 10, false]], [false]],
  [
    'the clock set a day forward (NTP step, flag not yet seen): known from then on',
    'wait',
    [
      [NOW - 86_400, 10, false],
      [NOW + 5, 15, false],
      [NOW + 10, 20, false],
    ],
    [false, true, true],
  ],
  [
    'drift of a few seconds is not a jump',
    'wait',
    [
      [NOW, 10, false],
      [NOW + 35, 15, false],
    ],
    [false, false],
  ],
  ['trust, but not before the release', 'trust', [[RELEASE_FLOOR_S - 1, 10, true]], [false]],
  [
    'synchronised but a year behind the release: wrong',
    'auto',
    [[RELEASE_FLOOR_S - 365 * 86_400, 1, true]],
    [false],
  ],
];

for (const [name, mode, points, want] of cases) {
  test(`clock sanity: ${name}`, () => {
    const src = steps(...points);
    const sanity = new ClockSanity(src, { mode });
    const got = want.map(() => {
      const k = sanity.check();
      src.next();
      return k;
    });
    assert.deepEqual(got, want);
  });
}

test('clock sanity: a clock behind the last persisted interval is wrong even when trusted', () => {
  const s = new ClockSanity(steps([NOW - 60, 1, true]), { mode: 'trust', floorS: NOW });
  assert.equal(s.check(), false);
});

test('clock sanity: a monotonic instant is stamped with the wall time it had, once the clock is set', () => {
  const src = steps([NOW - 365 * 86_400, 100, false], [NOW, 160, false]);
  const s = new ClockSanity(src, { mode: 'wait' });
  assert.equal(s.check(), false);
  src.next();
  assert.equal(s.check(), true);
  assert.equal(s.wallAt(100), NOW - 60);
});
