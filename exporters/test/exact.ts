import assert from 'node:assert/strict';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import type { HouseholdSimulator } from '@energy/device/simulator/household-simulator';

/** Consecutive batches of one boot carry exactly the simulator's energy between their ends. */
export function assertExactBatches(batches: readonly ReadingBatch[], sim: HouseholdSimulator): void {
  for (let i = 1; i < batches.length; i++) {
    const prev = batches[i - 1];
    const cur = batches[i];
    if (!prev || !cur) continue;
    assert.equal(cur.seq, prev.seq + 1, 'no gap in seq');
    assert.equal(cur.endUnixS, prev.endUnixS + 60);
    for (const r of cur.readings) {
      const p: { energyJoules: number } | undefined = prev.readings.find((x) => x.socket === r.socket);
      assert.ok(p);
      assert.equal(
        r.energyJoules - p.energyJoules,
        sim.energyJoules(r.socket, prev.endUnixS, cur.endUnixS),
        `socket ${r.socket} energy of minute ending ${cur.endUnixS}`,
      );
      assert.equal(r.powerWatts, sim.minuteDeciwatts(r.socket, cur.endUnixS / 60 - 1) / 10);
    }
  }
}

/**
 * Consecutive batches of one epoch, gaps allowed (a restart, an outage):
 * each counter increase equals the simulator's energy between the two ends,
 * so no energy is lost or counted twice. Returns the summed increases and the
 * truth over the whole span, per socket.
 */
export function assertNoEnergyLost(
  batches: readonly ReadingBatch[],
  sim: HouseholdSimulator,
): Map<number, { stored: number; truth: number }> {
  const sums = new Map<number, { stored: number; truth: number }>();
  for (let i = 1; i < batches.length; i++) {
    const prev = batches[i - 1];
    const cur = batches[i];
    if (!prev || !cur) continue;
    assert.equal(cur.bootId, prev.bootId, 'one epoch');
    assert.ok(cur.endUnixS > prev.endUnixS, 'end times grow within an epoch');
    for (const r of cur.readings) {
      const p: { energyJoules: number } | undefined = prev.readings.find((x) => x.socket === r.socket);
      assert.ok(p, `socket ${r.socket} in the batch before ${cur.endUnixS}`);
      const stored: number = r.energyJoules - p.energyJoules;
      const truth = sim.energyJoules(r.socket, prev.endUnixS, cur.endUnixS);
      assert.equal(stored, truth, `socket ${r.socket} energy from ${prev.endUnixS} to ${cur.endUnixS}`);
      const s = sums.get(r.socket) ?? { stored: 0, truth: 0 };
      s.stored += stored;
      s.truth += truth;
      sums.set(r.socket, s);
    }
  }
  return sums;
}
