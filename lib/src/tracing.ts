import { NodeSDK } from '@opentelemetry/sdk-node';
import { SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Starts OpenTelemetry tracing when the standard OTEL_* variables ask for it
 * (an OTLP endpoint or OTEL_TRACES_EXPORTER), or when a test hands in an
 * exporter (exported span by span, so the test sees every span at once).
 * Off otherwise: spans made through @opentelemetry/api are no-ops.
 */
export function startTracing(
  serviceName: string,
  opts: { exporter?: SpanExporter; env?: NodeJS.ProcessEnv } = {},
): { shutdown(): Promise<void> } {
  const env = opts.env ?? process.env;
  // Empty is unset: compose files pass `${OTEL_EXPORTER_OTLP_ENDPOINT:-}` through.
  const set = (v: string | undefined): boolean => v !== undefined && v !== '';
  const wanted =
    opts.exporter !== undefined ||
    set(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ||
    (set(env.OTEL_TRACES_EXPORTER) && env.OTEL_TRACES_EXPORTER !== 'none');
  if (!wanted || env.OTEL_SDK_DISABLED === 'true') return { shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    ...(opts.exporter ? { spanProcessors: [new SimpleSpanProcessor(opts.exporter)] } : {}),
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
