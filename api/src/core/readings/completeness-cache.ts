import { completeUntil, WATERMARK_LOOKBACK_MS } from './finality.js';
import type { SeriesReader } from './series-reader.js';

/** How long a household's completeness is reused: a stale one is only lower (watermarks only grow). */
export const COMPLETENESS_REUSE_MS = 10_000;

/**
 * Each household's completeness (finality.ts) from its devices and their
 * watermarks, read once per household and device generation every
 * COMPLETENESS_REUSE_MS on the API's clock. The bound itself is taken on
 * the real clock: what the store holds.
 */
export class CompletenessCache {
  private readonly known = new Map<string, { readonly atMs: number; readonly untilMs: number }>();

  constructor(
    private readonly series: Pick<SeriesReader, 'completeUntil'>,
    private readonly apiNowMs: () => number,
  ) {}

  async until(
    household: string,
    devices: readonly { readonly id: string }[],
    generation: string,
  ): Promise<number> {
    const key = `${household}\u0000${generation}`;
    const atMs = this.apiNowMs();
    const known = this.known.get(key);
    if (known && atMs >= known.atMs && atMs - known.atMs < COMPLETENESS_REUSE_MS) return known.untilMs;
    const wms = await this.series.completeUntil(household, WATERMARK_LOOKBACK_MS);
    const untilMs = completeUntil(
      devices.map((d) => d.id),
      wms,
      Date.now(),
    );
    // A crude bound: entries are tiny and a clear only costs one read each.
    if (this.known.size > 100_000) this.known.clear();
    this.known.set(key, { atMs, untilMs });
    return untilMs;
  }
}
