/**
 * Waits until VictoriaMetrics holds every energy sample a household was
 * sent, asked of VictoriaMetrics and not of the API: the API keeps a day it
 * deems final (older than the outbox window) once asked, so asking it while
 * batches are still in flight would keep a partial day.
 */
import { ENERGY_SERIES, SERIES_LABELS as L } from '@energy/lib/series';

export async function energySamples(vmUrl: string, householdId: string): Promise<number> {
  const q = `sum(count_over_time(${ENERGY_SERIES}{${L.household}="${householdId}"}[400d]))`;
  const res = await fetch(`${vmUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data?: { result?: { value?: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value?.[1] ?? 0);
}

/** Resolves with the count reached: `expected` or, after `timeoutMs`, whatever arrived. */
export async function waitForSamples(
  vmUrl: string,
  flush: () => Promise<void>,
  householdId: string,
  expected: number,
  timeoutMs = 120_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await flush();
    const n = await energySamples(vmUrl, householdId);
    if (n >= expected || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 300));
  }
}
