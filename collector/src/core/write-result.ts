import { parseRetryAfter } from '@energy/lib/backoff';

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
