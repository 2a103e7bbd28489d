/** Capped exponential backoff with full jitter: reconnect storms from a fleet of Pis spread out. */
export function backoffDelayMs(
  attempt: number,
  initialMs = 500,
  maxMs = 30_000,
  random = Math.random,
): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
