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
