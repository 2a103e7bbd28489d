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

export interface SampleSpan {
  /** First and last energy sample of the household, Unix seconds. */
  readonly firstS: number;
  readonly lastS: number;
  /** Each socket's counter at its first sample. */
  readonly firstCount: Map<number, number>;
}

/** A household's energy samples as VictoriaMetrics exports them: their span and first counts. */
export async function sampleSpan(vmUrl: string, householdId: string): Promise<SampleSpan> {
  const match = `${ENERGY_SERIES}{${L.household}="${householdId}"}`;
  const res = await fetch(`${vmUrl}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`);
  let firstS = Infinity;
  let lastS = -Infinity;
  const firstCount = new Map<number, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line.trim() === '') continue;
    const s = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    const ts = s.timestamps;
    const first = ts.indexOf(Math.min(...ts));
    firstCount.set(Number(s.metric[L.socket]), s.values[first] ?? 0);
    for (const ms of ts) {
      firstS = Math.min(firstS, ms / 1000);
      lastS = Math.max(lastS, ms / 1000);
    }
  }
  return { firstS, lastS, firstCount };
}

/** Waits until a household's sample count stops growing (three unchanged looks a second apart). */
export async function waitForQuiet(
  vmUrl: string,
  flush: () => Promise<void>,
  householdId: string,
): Promise<number> {
  let last = -1;
  let same = 0;
  for (;;) {
    await flush();
    const n = await energySamples(vmUrl, householdId);
    same = n === last && n > 0 ? same + 1 : 0;
    if (same >= 3) return n;
    last = n;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
