import { SpanStatusCode, trace } from '@opentelemetry/api';
import { ApiError } from '../errors.js';
import { householdFilter, householdSeries } from './promql.js';
import { vmDeleteBase } from './vm-urls.js';
import { postForm } from './vm-http.js';

const tracer = trace.getTracer('api.vm-client');

export interface VmSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}
export interface VmRange {
  readonly metric: Record<string, string>;
  readonly values: [number, string][];
}

/**
 * The one HTTP client of VictoriaMetrics: the Prometheus-compatible
 * pass-through, the reads behind `VmSeriesReader`, series deletion and the
 * health probe. Every read carries
 * `extra_label=household=<id>`: the household is forced here, never taken
 * from the query text, so no query can reach another household's series.
 */
export class VmClient {
  /** Where delete_series lives: the single node's root, or vmselect's `/delete/<tenant>/prometheus`. */
  readonly deleteUrl: string;

  constructor(
    readonly url: string,
    private readonly onResult: (result: 'ok' | 'error') => void = () => {},
    deleteUrl?: string,
  ) {
    this.deleteUrl = (deleteUrl ?? vmDeleteBase(url)).replace(/\/$/, '');
  }

  /** Raw pass-through for the Prometheus-compatible read endpoint. */
  async raw(
    path: string,
    params: URLSearchParams,
    household: string,
  ): Promise<{ status: number; body: string }> {
    const p = new URLSearchParams(params);
    // Whatever filters a caller smuggles in are dropped; only the household's own is sent.
    for (const k of ['extra_label', 'extra_label[]', 'extra_filters', 'extra_filters[]']) p.delete(k);
    p.append('extra_label', householdFilter(household));
    return tracer.startActiveSpan(`vm ${path}`, async (span) => {
      try {
        const res = await postForm(`${this.url}${path}`, p.toString());
        span.setAttribute('http.status_code', res.status);
        this.onResult(res.status < 500 ? 'ok' : 'error');
        return res;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        this.onResult('error');
        throw new ApiError(
          'upstream_unavailable',
          'The time-series store is unavailable',
          {},
          { cause: err },
        );
      } finally {
        span.end();
      }
    });
  }

  private async data<T>(path: string, params: Record<string, string>, household: string): Promise<T> {
    const { status, body } = await this.raw(
      path,
      new URLSearchParams({ ...params, nocache: '1' }),
      household,
    );
    if (status !== 200) {
      throw new ApiError('upstream_unavailable', `The time-series store answered ${status}`);
    }
    return (JSON.parse(body) as { data: { result: T } }).data.result;
  }

  query(household: string, query: string, time?: number): Promise<VmSample[]> {
    return this.data(
      '/api/v1/query',
      { query, ...(time === undefined ? {} : { time: String(time) }) },
      household,
    );
  }

  queryRange(household: string, query: string, start: number, end: number, step: number): Promise<VmRange[]> {
    return this.data(
      '/api/v1/query_range',
      { query, start: String(start), end: String(end), step: String(step) },
      household,
    );
  }

  /** Deletes every series of the household (DELETE /api/v1/household). */
  async deleteHousehold(household: string): Promise<void> {
    const res = await fetch(`${this.deleteUrl}/api/v1/admin/tsdb/delete_series`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'match[]': householdSeries(household) }).toString(),
    });
    if (res.status >= 300) throw new ApiError('upstream_unavailable', `delete_series answered ${res.status}`);
  }

  async healthy(): Promise<boolean> {
    try {
      // At the server's root: vmselect has no /health under /select/<tenant>/prometheus.
      return (await fetch(new URL('/health', this.url))).ok;
    } catch {
      return false;
    }
  }
}
