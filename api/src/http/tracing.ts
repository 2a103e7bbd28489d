import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Next } from 'koa';

const tracer = trace.getTracer('api.http');

/**
 * One server span per request, made the active span so that what the
 * request does (VictoriaMetrics queries) joins its trace. No-op spans when
 * tracing is off.
 */
export function traceRequests() {
  return (ctx: Context, next: Next): Promise<void> =>
    tracer.startActiveSpan(
      ctx.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path } },
      async (span) => {
        try {
          await next();
        } finally {
          const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
          if (route !== undefined) {
            span.updateName(`${ctx.method} ${String(route)}`);
            span.setAttribute('http.route', String(route));
          }
          span.setAttribute('http.response.status_code', ctx.status);
          if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    );
}
