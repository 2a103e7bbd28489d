/**
 * Trace context across the broker. The exporter puts a W3C `traceparent` on
 * the few batches it samples (about 1 in 100); the collector handles
 * messages in batches of hundreds, so its decode and write spans cannot be
 * children of each message's trace: they link to the sampled ones instead
 * (OpenTelemetry's batch-receive pattern). Each sampled message also gets a
 * short span of its own inside the Pi's trace, from the batch's start to its
 * outcome, linked to the write that stored it: searching the Pi's trace id
 * in Jaeger finds it, and its link leads to the write and its
 * remote-write call. Messages without the header allocate nothing here.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { parseTraceparent } from '@energy/lib/trace-context';
import type { RemoteWriter } from './remote-writer.js';

export const tracer = trace.getTracer('collector');

/** What is read of a message here (the pipeline's InboundMessage has it). */
interface Traced {
  readonly traceparent?: string;
  readonly messageId?: string;
  readonly routingKey: string;
}

export interface SampledMessage {
  readonly message: Traced;
  /** The exporter's context, as the remote parent. */
  readonly context: SpanContext;
}

const NONE: readonly SampledMessage[] = [];
const NO_LINKS: Link[] = [];

/** The messages that carry a valid traceparent (usually none: then the shared empty list). */
export function sampledMessages(messages: readonly Traced[]): readonly SampledMessage[] {
  let out: SampledMessage[] | undefined;
  for (const message of messages) {
    if (message.traceparent === undefined) continue;
    const t = parseTraceparent(message.traceparent);
    if (!t) continue;
    (out ??= []).push({
      message,
      context: { traceId: t.traceId, spanId: t.spanId, traceFlags: t.traceFlags, isRemote: true },
    });
  }
  return out ?? NONE;
}

/** Links to the sampled messages, or to those of them that `keep` holds. */
export function linksTo(sampled: readonly SampledMessage[], keep?: (m: Traced) => boolean): Link[] {
  if (sampled.length === 0) return NO_LINKS;
  const links: Link[] = [];
  for (const s of sampled) {
    if (keep && !keep(s.message)) continue;
    links.push({
      context: s.context,
      attributes: s.message.messageId === undefined ? {} : { 'messaging.message.id': s.message.messageId },
    });
  }
  return links;
}

/** Each attempt at VictoriaMetrics a child span of the write (retries and bisection halves show as siblings). */
export function tracedWriter(writer: RemoteWriter, parent: Span): RemoteWriter {
  const ctx = trace.setSpan(context.active(), parent);
  return {
    async writeOnce(compressed) {
      const span = tracer.startSpan(
        'collector.remote_write',
        { kind: SpanKind.CLIENT, attributes: { 'http.request.body.size': compressed.length } },
        ctx,
      );
      try {
        const r = await writer.writeOnce(compressed);
        span.setAttribute('collector.result', r.kind);
        if (r.kind !== 'success') span.setStatus({ code: SpanStatusCode.ERROR, message: r.error });
        return r;
      } finally {
        span.end();
      }
    },
  };
}

/**
 * One span per sampled message in its own trace: `stored` (linked to the
 * write), `rejected` (with the reason; it went to the dead-letter queue) or
 * `returned` (neither: the broker delivers it again).
 */
export function endMessageSpans(
  sampled: readonly SampledMessage[],
  startTime: number,
  write: SpanContext | undefined,
  stored: readonly { readonly message: Traced }[],
  rejected: readonly { readonly message: Traced; readonly rejection: { readonly reason: string } }[],
): void {
  for (const s of sampled) {
    const isStored = stored.some((e) => e.message === s.message);
    const refused = isStored ? undefined : rejected.find((r) => r.message === s.message);
    const span = tracer.startSpan(
      'collector.message',
      {
        kind: SpanKind.CONSUMER,
        startTime,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.rabbitmq.destination.routing_key': s.message.routingKey,
          ...(s.message.messageId === undefined ? {} : { 'messaging.message.id': s.message.messageId }),
          'collector.outcome': isStored ? 'stored' : refused ? 'rejected' : 'returned',
          ...(refused ? { 'collector.reject_reason': refused.rejection.reason } : {}),
        },
        links: isStored && write ? [{ context: write }] : [],
      },
      trace.setSpanContext(ROOT_CONTEXT, s.context),
    );
    if (refused) span.setStatus({ code: SpanStatusCode.ERROR, message: refused.rejection.reason });
    span.end();
  }
}
