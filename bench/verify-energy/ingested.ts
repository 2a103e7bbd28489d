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

/** One counter epoch of a device as stored: its first and last reading and its first counts. */
export interface EpochStretch {
  /** First and last energy reading, Unix seconds. */
  readonly fromS: number;
  readonly toS: number;
  /** Each socket's counter at its first reading of the epoch. */
  readonly firstJoules: number[];
  /** Distinct reading timestamps (minutes stored). */
  readonly minutes: number;
  /** The longest time between two stored readings, seconds. */
  readonly longestGapS: number;
}

/**
 * A one-device household's energy readings as VictoriaMetrics exports them,
 * cut into counter epochs where the collector wrote its epoch-start zeros
 * (collector/src/core/epoch-start.ts: 1 ms past a whole second; readings are
 * stamped at whole seconds).
 */
export async function epochStretches(
  vmUrl: string,
  householdId: string,
  sockets: number,
): Promise<EpochStretch[]> {
  const match = `${ENERGY_SERIES}{${L.household}="${householdId}"}`;
  const res = await fetch(`${vmUrl}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`);
  const stretches: { fromS: number; toS: number; firstJoules: number[]; stamps: Set<number> }[] = [];
  for (const line of (await res.text()).split('\n')) {
    if (line.trim() === '') continue;
    const s = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    const socket = Number(s.metric[L.socket]);
    const samples = s.timestamps.map((ms, i) => [ms, s.values[i] ?? 0] as const).sort((a, b) => a[0] - b[0]);
    let k = -1;
    let seen = false;
    for (const [ms, joules] of samples) {
      if (ms % 1000 !== 0) {
        k++;
        seen = false;
        continue;
      }
      k = Math.max(k, 0);
      const st = (stretches[k] ??= {
        fromS: Infinity,
        toS: -Infinity,
        firstJoules: new Array<number>(sockets).fill(0),
        stamps: new Set<number>(),
      });
      st.stamps.add(ms);
      if (!seen) st.firstJoules[socket] = joules;
      seen = true;
      st.fromS = Math.min(st.fromS, ms / 1000);
      st.toS = Math.max(st.toS, ms / 1000);
    }
  }
  return stretches
    .filter((st) => Number.isFinite(st.fromS))
    .map(({ stamps, ...st }) => {
      const sorted = [...stamps].sort((a, b) => a - b);
      const longestGapS = sorted.reduce((g, ms, i) => Math.max(g, (ms - (sorted[i - 1] ?? ms)) / 1000), 0);
      return { ...st, minutes: stamps.size, longestGapS };
    });
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
