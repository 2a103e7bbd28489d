import { parseRetryAfter } from '@energy/lib/backoff';
import { GrafanaError } from './grafana-provisioner.js';

/** What Grafana answered: a status and the body, parsed when it was JSON. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The outcome of one request to Grafana, as a value (as the collector's
 * write-result.ts): an answer the caller reads (2xx, and 4xx that it may
 * expect, such as 404 or 409), or a failure worth trying again — no answer
 * in time, 5xx, 429 — with the wait Grafana asked for.
 */
export type Attempt =
  | { readonly kind: 'answered'; readonly answer: Answer }
  | { readonly kind: 'retryable'; readonly error: GrafanaError; readonly retryAfterMs?: number };

export function classifyAnswer(
  what: string,
  answer: Answer,
  retryAfter: string | null,
  nowMs = Date.now(),
): Attempt {
  if (answer.status < 500 && answer.status !== 429) return { kind: 'answered', answer };
  const error = new GrafanaError(`Grafana answered ${answer.status} to ${what}`, true, answer.status);
  // Retry-After comes with 429 and 503; elsewhere it is ignored.
  const retryAfterMs =
    answer.status === 429 || answer.status === 503 ? parseRetryAfter(retryAfter, nowMs) : undefined;
  return retryAfterMs === undefined
    ? { kind: 'retryable', error }
    : { kind: 'retryable', error, retryAfterMs };
}

/** No answer at all (refused, reset, timed out): always worth another try. */
export function unanswered(what: string, err: unknown): Attempt {
  return {
    kind: 'retryable',
    error: new GrafanaError(`Grafana did not answer ${what}: ${String(err)}`, true, undefined, {
      cause: err,
    }),
  };
}
