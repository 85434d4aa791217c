/**
 * Subscription deliveries in the snapshot's trace: the API's publish of a
 * snapshot (`subscription.publish`, inside the snapshot's trace) notes its
 * span by the snapshot's `processedAt`; when a shared subscription event
 * whose root field carries that `processedAt` has been handed to the
 * sockets, a `subscription.deliver` span, the child of that publish, covers
 * the time from the publish to the sockets. The last `max` publishes are
 * remembered; without an SDK (no trace) nothing is noted.
 */
import type { ExecutionResult } from 'graphql';
import { context as otelContext, trace, type SpanContext } from '@opentelemetry/api';
import { TRACER_NAME } from '../pipeline/traceContext.ts';

/** The `processedAt` (epoch ms) of each root field of a subscription event that selects it. */
export function processedAtOf(result: ExecutionResult): [field: string, at: number][] {
  const found: [string, number][] = [];
  for (const [field, value] of Object.entries(result.data ?? {})) {
    const processedAt = (value as { processedAt?: unknown } | null)?.processedAt;
    const at = typeof processedAt === 'string' ? Date.parse(processedAt) : typeof processedAt === 'number' ? processedAt : NaN;
    if (Number.isFinite(at)) found.push([field, at]);
  }
  return found;
}

export class DeliveryTraces {
  private readonly recent = new Map<number, { parent: SpanContext; publishedAt: number }>();

  constructor(private readonly max = 256) {}

  /** Called inside the publish span of the snapshot processed at `processedAt`. */
  notePublish(processedAt: number): void {
    const parent = trace.getActiveSpan()?.spanContext();
    if (!parent || !trace.isSpanContextValid(parent)) return;
    this.recent.delete(processedAt);
    this.recent.set(processedAt, { parent, publishedAt: Date.now() });
    if (this.recent.size > this.max) this.recent.delete(this.recent.keys().next().value!);
  }

  /** A shared event was handed to its sockets: its delivery span, in its snapshot's trace. */
  delivered(result: ExecutionResult): void {
    if (this.recent.size === 0) return;
    for (const [field, at] of processedAtOf(result)) {
      const published = this.recent.get(at);
      if (!published) continue;
      const parent = trace.setSpanContext(otelContext.active(), published.parent);
      trace.getTracer(TRACER_NAME).startSpan('subscription.deliver', { startTime: published.publishedAt, attributes: { 'graphql.field': field } }, parent).end();
    }
  }
}
