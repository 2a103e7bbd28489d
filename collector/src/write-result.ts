/**
 * The outcome of one remote-write attempt, as a value (Prometheus
 * `storage/remote`: whether an error may be retried is part of its type).
 */
export type WriteResult =
  | { readonly kind: 'success' }
  /** Network error, 5xx, 429: the same request may succeed later. */
  | { readonly kind: 'retryable'; readonly error: string; readonly retryAfterMs?: number }
  /** 4xx other than 429: this request will never be accepted as it is. */
  | { readonly kind: 'permanent'; readonly status: number; readonly error: string };

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export function classifyResponse(status: number, body: string, retryAfter: string | null): WriteResult {
  if (status >= 200 && status < 300) return { kind: 'success' };
  const error = `HTTP ${status}: ${body.slice(0, 300)}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined
      ? { kind: 'retryable', error }
      : { kind: 'retryable', error, retryAfterMs };
  }
  return { kind: 'permanent', status, error };
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Capped exponential backoff with full jitter; Retry-After wins when larger (capped too). */
export function backoffMs(
  attempt: number,
  opts: BackoffOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  if (retryAfterMs !== undefined) return Math.min(opts.maxMs, Math.max(jittered, retryAfterMs));
  return jittered;
}
