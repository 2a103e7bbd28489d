import { ENERGY_SERIES, SERIES_LABELS } from '@energy/lib/series';
import { ApiError } from '../errors.js';
import { householdDailySeries, lastDailyWrite } from './promql.js';
import type { VmClient } from './vm-client.js';

const SELECT_PATH = /\/select\/[^/]+\/prometheus\/?$/;

/**
 * Where the API writes series of its own (the daily write-back): VM_WRITE_URL,
 * else VM_URL when it is a single node (which takes writes at its root). A
 * cluster's vmselect takes no writes and vminsert's address cannot be derived
 * from it: undefined, and nothing is written back.
 */
export function vmWriteBase(vmUrl: string, vmWriteUrl: string | undefined): string | undefined {
  if (vmWriteUrl) return vmWriteUrl.replace(/\/$/, '');
  return SELECT_PATH.test(new URL(vmUrl).pathname) ? undefined : vmUrl.replace(/\/$/, '');
}

/**
 * The API's writes to VictoriaMetrics and the reads across households that
 * go with them (VmClient forces one household on every read; these do not
 * return readings, only household ids and the write-back's own progress).
 */
export class VmWriter {
  constructor(
    private readonly vm: VmClient,
    private readonly writeBase: string,
  ) {}

  /** Prometheus text lines with millisecond timestamps, through `/api/v1/import/prometheus`. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    let res: Response;
    try {
      res = await fetch(`${this.writeBase}/api/v1/import/prometheus`, {
        method: 'POST',
        body: `${lines.join('\n')}\n`,
      });
    } catch (err) {
      throw new ApiError('upstream_unavailable', 'The time-series store is unavailable', {}, { cause: err });
    }
    if (res.status >= 300) {
      throw new ApiError('upstream_unavailable', `The time-series store answered ${res.status} to a write`);
    }
  }

  /** Households with an energy counter between the two instants: the index's label values, no samples read. */
  async householdsWithEnergy(startMs: number, endMs: number): Promise<string[]> {
    const p = new URLSearchParams({
      'match[]': ENERGY_SERIES,
      start: String(Math.floor(startMs / 1000)),
      end: String(Math.ceil(endMs / 1000)),
    });
    let res: Response;
    try {
      res = await fetch(`${this.vm.url}/api/v1/label/${SERIES_LABELS.household}/values?${p}`);
    } catch (err) {
      throw new ApiError('upstream_unavailable', 'The time-series store is unavailable', {}, { cause: err });
    }
    if (res.status !== 200) throw new ApiError('upstream_unavailable', `label values answered ${res.status}`);
    return ((await res.json()) as { data: string[] }).data;
  }

  /**
   * Per pricing fingerprint the household's days were written with, the
   * start of the newest (ms): read back from the marks themselves.
   */
  async writtenDays(
    household: string,
    withinMs: number,
    nowMs: number,
  ): Promise<{ readonly pricing: string; readonly lastStartMs: number }[]> {
    const r = await this.vm.query(household, lastDailyWrite(withinMs), nowMs / 1000);
    return r.map((x) => ({
      pricing: x.metric.pricing ?? '',
      lastStartMs: Math.round(Number(x.value[1]) * 1000),
    }));
  }

  /** Deletes the household's written-back daily series (a repricing rewrites them). */
  async deleteDaily(household: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.vm.deleteUrl}/api/v1/admin/tsdb/delete_series`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'match[]': householdDailySeries(household) }).toString(),
      });
    } catch (err) {
      throw new ApiError('upstream_unavailable', 'The time-series store is unavailable', {}, { cause: err });
    }
    if (res.status >= 300) throw new ApiError('upstream_unavailable', `delete_series answered ${res.status}`);
  }
}
