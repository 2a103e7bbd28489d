import { backoffMs, type BackoffOptions } from '@energy/lib/backoff';
import type { WriteResult } from './write-result.js';

/**
 * The port to VictoriaMetrics' remote-write endpoint (the adapter is
 * vm/remote-write-client.ts; tests pass one in memory).
 */
export interface RemoteWriter {
  /** One attempt with a snappy-compressed WriteRequest; never throws. */
  writeOnce(compressed: Buffer): Promise<WriteResult>;
}

export interface RetryOptions extends BackoffOptions {
  /** Stop retrying when this says so (shutdown, channel gone). */
  readonly shouldStop?: () => boolean;
  readonly onRetry?: (result: WriteResult & { kind: 'retryable' }, attempt: number, delayMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Retries retryable results until success, a permanent error, or shouldStop.
 * Nothing is acked meanwhile, so the broker keeps holding the messages.
 */
export async function writeWithRetry(
  writer: RemoteWriter,
  compressed: Buffer,
  opts: RetryOptions = DEFAULT_RETRY,
): Promise<WriteResult> {
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    const result = await writer.writeOnce(compressed);
    if (result.kind !== 'retryable' || opts.shouldStop?.() === true) return result;
    const delay = backoffMs(attempt, opts, result.retryAfterMs);
    opts.onRetry?.(result, attempt, delay);
    await sleep(delay);
    if (opts.shouldStop?.() === true) return result;
  }
}

/**
 * A 400 for a whole request must not condemn its good messages: write
 * halves until each rejected part is a single message. Returns the indexes
 * of the messages VictoriaMetrics refuses; every other one was written.
 * `encode` builds the compressed request of a subset of messages.
 */
export async function bisectRejected(
  count: number,
  encode: (indexes: readonly number[]) => Promise<Buffer>,
  write: (compressed: Buffer) => Promise<WriteResult>,
): Promise<{ rejected: number[]; errors: Map<number, string> }> {
  const rejected: number[] = [];
  const errors = new Map<number, string>();
  const all = Array.from({ length: count }, (_, i) => i);
  const visit = async (part: readonly number[], knownBad: boolean, knownError?: string): Promise<void> => {
    if (part.length === 0) return;
    let error = knownError;
    if (!knownBad) {
      const result = await write(await encode(part));
      if (result.kind === 'success') return;
      if (result.kind === 'retryable') throw new Error(`retryable during bisection: ${result.error}`);
      error = result.error;
    }
    if (part.length === 1) {
      const i = part[0] as number;
      rejected.push(i);
      errors.set(i, error ?? 'rejected');
      return;
    }
    const mid = part.length >> 1;
    await visit(part.slice(0, mid), false);
    await visit(part.slice(mid), false);
  };
  await visit(all, true, 'rejected');
  return { rejected: rejected.sort((a, b) => a - b), errors };
}
