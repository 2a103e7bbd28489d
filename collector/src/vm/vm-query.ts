/** Reads back from VictoriaMetrics: tests and the ingest benchmark count what was stored. */

export interface ExportedSeries {
  readonly metric: Record<string, string>;
  readonly values: number[];
  readonly timestamps: number[];
}

/** Every raw sample of the matching series (`/api/v1/export`, JSON lines). */
export async function exportSeries(vmUrl: string, match: string): Promise<ExportedSeries[]> {
  const url = new URL('/api/v1/export', vmUrl);
  url.searchParams.set('match[]', match);
  url.searchParams.set('start', '0');
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`export ${match}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ExportedSeries);
}

/** Instant query; one number (0 when empty). */
export async function queryScalar(vmUrl: string, query: string): Promise<number> {
  const url = new URL('/api/v1/query', vmUrl);
  url.searchParams.set('query', query);
  url.searchParams.set('nocache', '1');
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`query ${query}: HTTP ${res.status} ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data: { result: { value: [number, string] }[] } };
  const first = body.data.result[0];
  return first === undefined ? 0 : Number(first.value[1]);
}

/**
 * Samples stored for a selector (exact: count_over_time of raw samples). The
 * window must stay inside the retention (a 100y window answers nothing); the
 * collector refuses anything older than its 30-day outbox window anyway.
 */
export function countSamples(vmUrl: string, selector: string, window = '60d'): Promise<number> {
  return queryScalar(vmUrl, `sum(count_over_time(${selector}[${window}]))`);
}
