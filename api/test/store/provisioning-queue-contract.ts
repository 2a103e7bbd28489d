import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AccountsStore } from '../../src/store/accounts-store.js';

const hh = (): string => randomUUID().replaceAll('-', '').slice(0, 16);
const T0 = new Date('2026-12-01T10:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);

/**
 * The provisioning queue's contract, the same for every adapter: jobs of a
 * household come out one at a time in the order they went in, a failed one
 * holds back its household (not others) until its backoff ends, and jobs
 * outlive the store handle (a restart) and the household they are about.
 */
export function provisioningQueueContract(name: string, open: () => Promise<AccountsStore>): void {
  const withStore = (title: string, fn: (s: AccountsStore) => Promise<void>): void => {
    test(title, async () => {
      const s = await open();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });
  };
  /** Only this test's households: the store may be shared with other tests. */
  const mine = async (s: AccountsStore, ids: string[], now: Date) =>
    (await s.dueProvisioningJobs(now, 1000)).filter((j) => ids.includes(j.householdId));

  describe(`${name}: provisioning queue`, () => {
    withStore(
      'per household only the oldest job is due; households do not wait for each other',
      async (s) => {
        const [a, b] = [hh(), hh()];
        const a1 = await s.enqueueProvisioning({
          householdId: a,
          kind: 'sync',
          reason: 'household created',
          at: at(0),
        });
        const b1 = await s.enqueueProvisioning({
          householdId: b,
          kind: 'sync',
          reason: 'household created',
          at: at(1),
        });
        const a2 = await s.enqueueProvisioning({
          householdId: a,
          kind: 'delete',
          reason: 'household deleted',
          payload: { logins: ['x@example.com'] },
          at: at(2),
        });
        assert.ok(a1 < b1 && b1 < a2, 'seq grows');
        let due = await mine(s, [a, b], at(3));
        assert.deepEqual(
          due.map((j) => j.seq),
          [a1, b1],
        );
        assert.equal(due[0]?.kind, 'sync');
        assert.equal(due[0]?.reason, 'household created');
        assert.equal(due[0]?.attempts, 0);
        assert.equal(await s.completeProvisioningJob(a1), true);
        assert.equal(await s.completeProvisioningJob(a1), false, 'completing twice finds nothing');
        due = await mine(s, [a, b], at(3));
        assert.deepEqual(
          due.map((j) => j.seq),
          [b1, a2],
        );
        assert.deepEqual(due[1]?.payload, { logins: ['x@example.com'] });
        await s.completeProvisioningJob(b1);
        await s.completeProvisioningJob(a2);
        assert.deepEqual(await mine(s, [a, b], at(3)), []);
      },
    );

    withStore('a failed job waits out its backoff and holds back its household only', async (s) => {
      const [a, b] = [hh(), hh()];
      const a1 = await s.enqueueProvisioning({ householdId: a, kind: 'sync', reason: 'r', at: at(0) });
      const a2 = await s.enqueueProvisioning({ householdId: a, kind: 'sync', reason: 'r2', at: at(1) });
      const b1 = await s.enqueueProvisioning({ householdId: b, kind: 'sync', reason: 'r', at: at(2) });
      await s.failProvisioningJob(a1, 'Grafana answered 503', at(60));
      assert.deepEqual(
        (await mine(s, [a, b], at(10))).map((j) => j.seq),
        [b1],
        'a2 waits behind a1',
      );
      const again = await mine(s, [a, b], at(60));
      assert.deepEqual(
        again.map((j) => j.seq),
        [a1, b1],
      );
      assert.equal(again[0]?.attempts, 1);
      assert.equal(again[0]?.lastError, 'Grafana answered 503');
      const stats = await s.provisioningQueueStats();
      assert.ok(stats.depth >= 3);
      assert.ok(stats.failing >= 1);
      assert.ok(stats.oldestEnqueuedAt !== null && stats.oldestEnqueuedAt <= at(0));
      for (const seq of [a1, a2, b1]) await s.completeProvisioningJob(seq);
    });

    withStore('jobs outlive the household they are about', async (s) => {
      const h = hh();
      await s.createHousehold({ id: h, name: 'Home', timeZone: 'Europe/Berlin', currency: 'EUR' });
      const seq = await s.enqueueProvisioning({
        householdId: h,
        kind: 'delete',
        reason: 'household deleted',
        at: at(0),
      });
      await s.deleteHousehold(h);
      assert.deepEqual(
        (await mine(s, [h], at(1))).map((j) => j.seq),
        [seq],
      );
      await s.completeProvisioningJob(seq);
    });

    test('jobs survive closing and reopening the store (a restart)', async () => {
      const h = hh();
      const first = await open();
      const seq = await first.enqueueProvisioning({
        householdId: h,
        kind: 'migrate',
        reason: 'r',
        at: at(0),
      });
      await first.failProvisioningJob(seq, 'timeout', at(5));
      await first.close();
      const second = await open();
      try {
        const [j] = await mine(second, [h], at(5));
        assert.equal(j?.seq, seq);
        assert.equal(j?.kind, 'migrate');
        assert.equal(j?.attempts, 1);
        const next = await second.enqueueProvisioning({
          householdId: h,
          kind: 'sync',
          reason: 'r',
          at: at(6),
        });
        assert.ok(next > seq, 'seq keeps growing across a restart');
        await second.completeProvisioningJob(seq);
        await second.completeProvisioningJob(next);
      } finally {
        await second.close();
      }
    });

    withStore('household ids come in ascending pages after a given id', async (s) => {
      const ids = [hh(), hh(), hh()].sort();
      for (const id of ids) await s.createHousehold({ id, name: 'h', timeZone: 'UTC', currency: 'EUR' });
      const first = ids[0] ?? '';
      // The store may hold other tests' households: read from just before ours.
      const before = first.slice(0, -1);
      const pages: string[] = [];
      let after = before;
      for (;;) {
        const page = await s.householdIds(after, 2);
        assert.ok(page.length <= 2);
        assert.deepEqual(page, [...page].sort());
        pages.push(...page);
        if (page.length < 2 || (page.at(-1) ?? '') > (ids[2] ?? '')) break;
        after = page.at(-1) ?? '';
      }
      assert.deepEqual(
        pages.filter((id) => ids.includes(id)),
        ids,
      );
      assert.ok(pages.every((id) => id > before));
    });

    withStore('a pass cursor moves with its page of jobs, once, from where it stood', async (s) => {
      const key = `pass-${hh()}`;
      const [a, b] = [hh(), hh()];
      assert.deepEqual(await s.provisioningCursor(key), { after: '', done: false });
      const job = (householdId: string) => ({
        householdId,
        kind: 'migrate' as const,
        reason: 'r',
        at: at(0),
      });
      assert.equal(await s.advanceProvisioningCursor(key, '', a, [job(a)]), true);
      // A second process that read the cursor before the first moved it queues nothing.
      assert.equal(await s.advanceProvisioningCursor(key, '', a, [job(a)]), false);
      assert.deepEqual(await s.provisioningCursor(key), { after: a, done: false });
      assert.equal(await s.advanceProvisioningCursor(key, a, null, [job(b)]), true);
      assert.deepEqual(await s.provisioningCursor(key), { after: a, done: true });
      assert.equal(
        await s.advanceProvisioningCursor(key, a, null, [job(b)]),
        false,
        'a done pass stays done',
      );
      const jobs = await mine(s, [a, b], at(0));
      assert.deepEqual(
        jobs.map((j) => [j.householdId, j.kind]),
        [
          [a, 'migrate'],
          [b, 'migrate'],
        ],
      );
      for (const j of jobs) await s.completeProvisioningJob(j.seq);
    });

    withStore(
      'where a change and its job share a transaction, a failing change queues nothing',
      async (s) => {
        if (!s.withProvisioningJob) return; // MongoDB: queued after the change (docs/grafana.md)
        const [a, b] = [hh(), hh()];
        const job = (householdId: string) => ({ householdId, kind: 'sync' as const, reason: 'r', at: at(0) });
        const create = (name: string) => () =>
          s.createHousehold({ id: a, name, timeZone: 'UTC', currency: 'EUR' });
        await s.withProvisioningJob(create('a'), job(a));
        // The same id again: the change fails, and its job goes with it.
        await assert.rejects(async () => s.withProvisioningJob?.(create('again'), job(b)));
        assert.equal((await s.householdById(a))?.name, 'a');
        const jobs = await mine(s, [a, b], at(0));
        assert.deepEqual(
          jobs.map((j) => j.householdId),
          [a],
        );
        for (const j of jobs) await s.completeProvisioningJob(j.seq);
      },
    );
  });
}
