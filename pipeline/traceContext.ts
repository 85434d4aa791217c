/**
 * Trace context across the bus, so one snapshot is one trace from the source
 * to a subscriber: a publisher puts the active context into the message's
 * headers (W3C `traceparent`/`tracestate`; Kafka headers on the distributed
 * bus), a consumer's span for the message is its child.
 *
 * Only the OpenTelemetry API is used here: with no SDK registered (no
 * OTEL_EXPORTER_OTLP_ENDPOINT, see api/tracing.ts) every span is a no-op,
 * nothing is injected and messages carry no headers.
 */
import { context as otelContext, createContextKey, propagation, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { BusMessage } from './bus.ts';

export const TRACER_NAME = 'options-platform';

/** The snapshot a span works on, for the log lines written inside it (see traceLogFields). */
const SNAPSHOT_ID = createContextKey('options.snapshot.id');

export type MessageHeaders = Record<string, string>;

const tracer = () => trace.getTracer(TRACER_NAME);

/** The active trace context as message headers, or undefined when there is none to carry. */
export function traceHeaders(): MessageHeaders | undefined {
  const headers: MessageHeaders = {};
  propagation.inject(otelContext.active(), headers);
  return Object.keys(headers).length > 0 ? headers : undefined;
}

function contextOf(message: Pick<BusMessage, 'headers'>): Context {
  return message.headers ? propagation.extract(otelContext.active(), message.headers) : otelContext.active();
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `work` inside a span named `name`, the child of the trace the message
 * carries (a new trace when it carries none), with `snapshotId` set for the
 * log lines written meanwhile. The span ends when `work` settles.
 */
export async function inSpan<R>(name: string, parent: Pick<BusMessage, 'headers'> | null, attributes: Attributes, work: () => Promise<R> | R): Promise<R> {
  let ctx = parent ? contextOf(parent) : otelContext.active();
  const snapshotId = attributes['snapshot.id'];
  if (typeof snapshotId === 'string') ctx = ctx.setValue(SNAPSHOT_ID, snapshotId);
  return tracer().startActiveSpan(name, { attributes }, ctx, async (span) => {
    try {
      return await work();
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A span that already happened (`startTime`..`endTime`, epoch ms), a new
 * trace's root, e.g. a source's fetch timed on its own thread; returned as
 * the parent for the spans that follow it (null when not tracing).
 */
export function pastSpan(name: string, attributes: Attributes, startTime: number, endTime: number): Pick<BusMessage, 'headers'> | null {
  const span = tracer().startSpan(name, { attributes, startTime, root: true });
  span.end(endTime);
  const headers: MessageHeaders = {};
  propagation.inject(trace.setSpan(otelContext.active(), span), headers);
  return Object.keys(headers).length > 0 ? { headers } : null;
}

/**
 * One span per message of a batch handled at once (a storage write), each
 * the child of its own message's trace, so every snapshot's trace shows the
 * write that stored it. `end` closes them all, with the error if it failed.
 */
export function batchSpans(name: string, messages: readonly Pick<BusMessage, 'headers' | 'key'>[], attributes: Attributes): { end(error?: unknown): void } {
  const spans = messages.filter((m) => m.headers).map((m) => tracer().startSpan(name, { attributes: { ...attributes, 'messaging.batch.message_count': messages.length } }, contextOf(m)));
  return {
    end(error) {
      for (const span of spans) {
        if (error !== undefined) fail(span, error);
        span.end();
      }
    },
  };
}

/** The active trace and span ids and snapshot id, for every log line (a Logger mixin). */
export function traceLogFields(): Record<string, unknown> {
  const ctx = otelContext.active();
  const span = trace.getSpan(ctx)?.spanContext();
  const snapshotId = ctx.getValue(SNAPSHOT_ID);
  return {
    ...(span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {}),
    ...(typeof snapshotId === 'string' ? { snapshotId } : {}),
  };
}
