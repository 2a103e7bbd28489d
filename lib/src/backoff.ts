/**
 * The platform's one backoff: capped exponential with jitter, honouring a
 * server's Retry-After. The exporter's reconnects (a fleet of Pis must not
 * come back in step), the collector's remote writes and gateway look-ups and
 * the API's Grafana client all wait with it.
 */

export interface BackoffOptions {
  /** The ceiling of the first wait; it doubles per attempt... */
  readonly initialMs: number;
  /** ...up to this. */
  readonly maxMs: number;
}

/**
 * The wait before retry number `attempt` (0-based): uniform in
 * [ceiling / 2, ceiling] with ceiling = min(maxMs, initialMs · 2^attempt);
 * a Retry-After wins when it is longer, capped at maxMs too.
 */
export function backoffMs(
  attempt: number,
  opts: BackoffOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  if (retryAfterMs !== undefined) return Math.min(opts.maxMs, Math.max(jittered, retryAfterMs));
  return jittered;
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
