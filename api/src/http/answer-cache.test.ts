import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerCache, REVALIDATE_FOR_MS, STALE_MS, STALE_WAIT_MS, type KeptAnswer } from './answer-cache.js';
import { Answer } from './cached-answer.js';

const kept = (body: string, standsUntilMs: number): KeptAnswer => ({
  answer: new Answer({ body }),
  freshness: { kind: 'until', untilMs: standsUntilMs },
  standsUntilMs,
});
const body = (k: KeptAnswer): unknown => (JSON.parse(k.answer.raw.toString()) as { body: unknown }).body;

/** A build the test finishes when it wants, counting how often it was started. */
function slowBuild(): {
  build: () => Promise<KeptAnswer>;
  finish: (k: KeptAnswer) => void;
  fail: (e: Error) => void;
  started: () => number;
} {
  let started = 0;
  let settle: { finish: (k: KeptAnswer) => void; fail: (e: Error) => void } | undefined;
  return {
    build: () => {
      started++;
      return new Promise<KeptAnswer>((finish, fail) => (settle = { finish, fail }));
    },
    finish: (k) => settle?.finish(k),
    fail: (e) => settle?.fail(e),
    started: () => started,
  };
}

test('an answer stands until its time; then, while one rebuild runs, the previous one is sent as stale', async () => {
  const cache = new AnswerCache();
  const first = await cache.answer('h1\u0000live', 0, () => Promise.resolve(kept('minute 1', 60_000)));
  assert.deepEqual([body(first.kept), first.stale], ['minute 1', false]);
  // Still standing: the same answer, nothing built.
  assert.equal((await cache.answer('h1\u0000live', 59_999, () => assert.fail('built'))).kept, first.kept);

  // Past its time, with a slow rebuild: the previous answer after STALE_WAIT_MS, stale; one build for all.
  const slow = slowBuild();
  const t0 = performance.now();
  const [a, b] = await Promise.all([
    cache.answer('h1\u0000live', 60_001, slow.build),
    cache.answer('h1\u0000live', 60_002, slow.build),
  ]);
  assert.ok(performance.now() - t0 >= STALE_WAIT_MS - 1);
  assert.deepEqual([body(a.kept), a.stale, body(b.kept), b.stale], ['minute 1', true, 'minute 1', true]);
  assert.equal(slow.started(), 1);
  // The rebuild lands: the next request gets it, fresh.
  slow.finish(kept('minute 2', 120_000));
  await new Promise((r) => setImmediate(r));
  const after = await cache.answer('h1\u0000live', 60_100, () => assert.fail('built again'));
  assert.deepEqual([body(after.kept), after.stale], ['minute 2', false]);
});

test('a quick rebuild is waited for; an answer long past its time is never sent stale', async () => {
  const cache = new AnswerCache();
  await cache.answer('k', 0, () => Promise.resolve(kept('old', 1_000)));
  const quick = await cache.answer('k', 2_000, () => Promise.resolve(kept('new', 61_000)));
  assert.deepEqual([body(quick.kept), quick.stale], ['new', false]);

  // More than STALE_MS past its time: the request waits for the rebuild, however long.
  const slow = slowBuild();
  const waiting = cache.answer('k', 61_000 + STALE_MS, slow.build);
  let done = false;
  void waiting.then(() => (done = true));
  await new Promise((r) => setTimeout(r, STALE_WAIT_MS * 3));
  assert.equal(done, false);
  slow.finish(kept('newest', 200_000));
  assert.deepEqual(body((await waiting).kept), 'newest');
});

test("a view moved on to its grid's next step is sent its family's previous answer while it is built", async () => {
  const cache = new AnswerCache();
  await cache.answer(
    'h1\u0000chart@10:00',
    0,
    () => Promise.resolve(kept('to 10:00', 60_000)),
    'h1\u0000chart',
  );
  const slow = slowBuild();
  const moved = await cache.answer('h1\u0000chart@10:05', 60_500, slow.build, 'h1\u0000chart');
  assert.deepEqual([body(moved.kept), moved.stale], ['to 10:00', true]);
  // Another household's family is its own: nothing of h1's is sent for it.
  const other = slowBuild();
  const h2 = cache.answer('h2\u0000chart@10:05', 60_500, other.build, 'h2\u0000chart');
  other.finish(kept('h2 to 10:05', 120_000));
  assert.deepEqual(body((await h2).kept), 'h2 to 10:05');
  slow.finish(kept('to 10:05', 120_000));
});

test('a failed rebuild reaches whoever waits for it and leaves no build behind', async () => {
  const cache = new AnswerCache();
  await cache.answer('k', 0, () => Promise.resolve(kept('old', 1_000)));
  const slow = slowBuild();
  // Sent stale; the failure comes later, with nobody waiting: no unhandled rejection.
  assert.equal((await cache.answer('k', 1_001, slow.build)).stale, true);
  slow.fail(new Error('VictoriaMetrics down'));
  await new Promise((r) => setImmediate(r));
  // Past the stale window the next request builds anew and gets its failure.
  await assert.rejects(
    cache.answer('k', 1_000 + STALE_MS, () => Promise.reject(new Error('still down'))),
    /still down/,
  );
  assert.deepEqual(
    body((await cache.answer('k', 1_000 + STALE_MS, () => Promise.resolve(kept('back', 99_000)))).kept),
    'back',
  );
});

test('an answer past its time that was built from what is still there stands on, for REVALIDATE_FOR_MS at most', async () => {
  const cache = new AnswerCache();
  const look = (validator: string, untilMs: number) => () => Promise.resolve({ validator, untilMs });
  // Built after a look: the cache remembers what it was built from, and when.
  const first = await cache.answer(
    'h1\u0000chart',
    0,
    () => Promise.resolve(kept('to 10:00', 60_000)),
    undefined,
    look('pi@10:00', 60_000),
  );
  assert.deepEqual(first.kept.builtFrom, { validator: 'pi@10:00', atMs: 0 });
  // Just after the next minute was due, nothing new written: not rebuilt, it stands until the recheck.
  const stood = await cache.answer(
    'h1\u0000chart',
    61_000,
    () => assert.fail('rebuilt although nothing changed'),
    undefined,
    look('pi@10:00', 63_000),
  );
  assert.deepEqual([body(stood.kept), stood.stale, stood.kept.standsUntilMs], ['to 10:00', false, 63_000]);
  // Never past REVALIDATE_FOR_MS after it was built: then it is rebuilt, whatever the look says.
  const capped = await cache.answer(
    'h1\u0000chart',
    REVALIDATE_FOR_MS - 1_000,
    () => assert.fail('rebuilt'),
    undefined,
    look('pi@10:00', REVALIDATE_FOR_MS + 60_000),
  );
  assert.equal(capped.kept.standsUntilMs, REVALIDATE_FOR_MS);
  const rebuilt = await cache.answer(
    'h1\u0000chart',
    REVALIDATE_FOR_MS + 1,
    () => Promise.resolve(kept('to 10:01 (replayed)', 180_000)),
    undefined,
    look('pi@10:00', REVALIDATE_FOR_MS + 60_000),
  );
  assert.deepEqual(body(rebuilt.kept), 'to 10:01 (replayed)');
  assert.deepEqual(rebuilt.kept.builtFrom, { validator: 'pi@10:00', atMs: REVALIDATE_FOR_MS + 1 });
  // A new minute written: rebuilt at once.
  let looks = 0;
  const next = await cache.answer(
    'h1\u0000chart',
    180_001,
    () => Promise.resolve(kept('to 10:02', 240_000)),
    undefined,
    () => {
      looks++;
      return Promise.resolve({ validator: 'pi@10:02', untilMs: 240_000 });
    },
  );
  assert.deepEqual([body(next.kept), looks], ['to 10:02', 1]);
  // A final answer is never revalidated: nothing is remembered for it.
  const final = await cache.answer(
    'h1\u0000day',
    0,
    () => Promise.resolve({ ...kept('yesterday', Infinity), freshness: { kind: 'final' } }),
    undefined,
    look('pi@10:00', 60_000),
  );
  assert.equal(final.kept.builtFrom, undefined);
});
