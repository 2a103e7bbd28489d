import type { TokenBucketLimits } from './token-bucket.js';

/**
 * The bounds of POST /api/v1/rum. Faro batches up to 50 items per request
 * and a page load sends a handful of requests; a client past these is
 * broken or hostile and is refused (413, 429), each refusal counted.
 */
export const RUM_LIMITS = {
  /** Bytes of one request body. */
  maxBodyBytes: 256 * 1024,
  /** Items (logs, exceptions, measurements, events, trace batches) in one request. */
  maxEventsPerRequest: 100,
  /** Requests per client address: a burst, then one every two seconds. */
  perClient: { burst: 30, perSecond: 0.5, maxKeys: 10_000 } satisfies TokenBucketLimits,
} as const;
