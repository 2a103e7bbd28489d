import { randomBytes } from 'node:crypto';

/**
 * W3C trace context (`traceparent`) without an OpenTelemetry SDK: a Pi only
 * makes the header for the few batches it samples, and the collector reads
 * it back to link its spans to them. `00-<32 hex trace id>-<16 hex span
 * id>-<2 hex flags>`: 55 bytes.
 */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** Bit 0: sampled. */
  readonly traceFlags: number;
}

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACEPARENT_LENGTH = 55;

const PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export function formatTraceparent(t: TraceParent): string {
  return `00-${t.traceId}-${t.spanId}-${t.traceFlags.toString(16).padStart(2, '0')}`;
}

/**
 * A new sampled context: a random 16-byte trace id and 8-byte span id
 * (never all zeros, which W3C reserves as invalid).
 */
export function newTraceparent(): TraceParent {
  for (;;) {
    const hex = randomBytes(24).toString('hex');
    const traceId = hex.slice(0, 32);
    const spanId = hex.slice(32);
    if (traceId !== ZERO_TRACE && spanId !== ZERO_SPAN) return { traceId, spanId, traceFlags: 1 };
  }
}

/**
 * A header for one message in `ratio` of them (0 — none, 1 — all), or
 * undefined: the unsampled majority pays one Math.random() and nothing else.
 */
export function sampleTraceparent(ratio: number, random: () => number = Math.random): string | undefined {
  if (ratio <= 0 || random() >= ratio) return undefined;
  return formatTraceparent(newTraceparent());
}

/**
 * The header as sent, or undefined when it is not one: wrong shape, version
 * ff, all-zero ids. A later version's header is read by its first four
 * fields, as the W3C spec asks (it may carry more after a dash).
 */
export function parseTraceparent(header: unknown): TraceParent | undefined {
  let s: string;
  if (typeof header === 'string') s = header;
  else if (Buffer.isBuffer(header)) s = header.toString('latin1');
  else return undefined;
  if (s.length > TRACEPARENT_LENGTH && s.charCodeAt(TRACEPARENT_LENGTH) === 0x2d && !s.startsWith('00-')) {
    s = s.slice(0, TRACEPARENT_LENGTH);
  }
  const m = PATTERN.exec(s.toLowerCase() === s ? s : '');
  if (!m) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}
