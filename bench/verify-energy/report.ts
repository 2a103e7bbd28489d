/** Per-event and overall figures of the energy check, as a table and as one JSON line. */
import type { Row } from './compare.js';

export interface EnergyReport {
  readonly maxDeviationPct: number;
  readonly events: { name: string; maxDeviationPct: number; socketsChecked: number; worst?: Row }[];
  /** Socket-buckets compared (a house meter's total and untracked count as rows too). */
  readonly socketsChecked: number;
  readonly notDone: string[];
}

export function summarize(names: readonly string[], rows: readonly Row[], notDone: string[]): EnergyReport {
  const events = names.map((name) => {
    const mine = rows.filter((r) => r.event === name);
    const worst = mine.reduce<Row | undefined>(
      (w, r) => (w === undefined || r.deviationPct > w.deviationPct ? r : w),
      undefined,
    );
    return {
      name,
      maxDeviationPct: worst?.deviationPct ?? 0,
      socketsChecked: mine.length,
      ...(worst ? { worst } : {}),
    };
  });
  return {
    maxDeviationPct: Math.max(0, ...events.map((e) => e.maxDeviationPct)),
    events,
    socketsChecked: rows.length,
    notDone,
  };
}

const pct = (x: number): string => `${x.toFixed(4)} %`;

export function table(r: EnergyReport, rows: readonly Row[]): string {
  const out: string[] = [];
  for (const e of r.events) {
    out.push(`\n${e.name}: max deviation ${pct(e.maxDeviationPct)} over ${e.socketsChecked} socket-buckets`);
    out.push('  bucket start                     socket      API kWh    truth kWh   deviation');
    for (const row of rows.filter((x) => x.event === e.name)) {
      out.push(
        `  ${row.bucket.padEnd(6)} ${row.start.padEnd(25)} ${String(row.socket).padStart(9)} ${row.apiKwh
          .toFixed(6)
          .padStart(12)} ${row.truthKwh.toFixed(6).padStart(12)} ${pct(row.deviationPct).padStart(11)}`,
      );
    }
  }
  out.push(`\noverall: max deviation ${pct(r.maxDeviationPct)} over ${r.socketsChecked} socket-buckets`);
  if (r.notDone.length > 0) out.push(`not done: ${r.notDone.join('; ')}`);
  return out.join('\n');
}
