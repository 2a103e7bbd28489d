/** Runs events on a started stack: publish each, wait until VictoriaMetrics holds it all, then compare. */
import { compare, type Check, type Row } from './compare.js';
import type { EnergyEvent } from './events.js';
import { waitForSamples } from './ingested.js';
import type { EnergyStack } from './stack.js';

export interface Missing {
  readonly householdId: string;
  readonly expected: number;
  readonly stored: number;
}

export async function runEvents(
  stack: EnergyStack,
  events: readonly EnergyEvent[],
): Promise<{ rows: Row[]; missing: Missing[]; failures: string[] }> {
  const checks: Check[] = [];
  const expected: { householdId: string; samples: number }[] = [];
  const failures: string[] = [];
  const rows: Row[] = [];
  for (const e of events) {
    const r = await e.run(stack);
    checks.push(...r.checks);
    expected.push(...r.expected);
    failures.push(...(r.failures ?? []));
    rows.push(...(r.rows ?? []));
  }
  const missing: Missing[] = [];
  for (const x of expected) {
    const stored = await waitForSamples(stack.vmUrl, () => stack.flushVm(), x.householdId, x.samples);
    if (stored < x.samples) missing.push({ householdId: x.householdId, expected: x.samples, stored });
  }
  for (const c of checks) rows.push(...(await compare(c)));
  return { rows, missing, failures };
}
