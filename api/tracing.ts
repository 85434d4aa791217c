/**
 * OpenTelemetry tracing for this process: the Node SDK exporting over
 * OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger in docker-compose.yml),
 * started by main.ts only when that is set; otherwise nothing is registered
 * and every span in the code (pipeline/traceContext.ts, api/installMetrics.ts)
 * is a no-op.
 *
 * Registering sets the process-wide tracer provider, the W3C trace-context
 * propagator (what rides in the bus messages' headers) and the async context
 * manager (what makes a span the parent of those started inside it).
 * `exporter` replaces OTLP (tests pass an in-memory one, exported at once).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';

export interface Tracing {
  /** Sends what is buffered, then stops. */
  shutdown(): Promise<void>;
}

export function startTracing(options: { serviceName: string; endpoint?: string; exporter?: SpanExporter }): Tracing | null {
  if (!options.exporter && !options.endpoint) return null;
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint!.replace(/\/+$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName }), spanProcessors: [spanProcessor] });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
