/**
 * Subscription deliveries in the snapshot's trace: the API's publish of a
 * snapshot (`subscription.publish`, inside the snapshot's trace) notes its
 * span by the snapshot's `processedAt`; when a shared subscription event of
 * that snapshot has been handed to the sockets, a `subscription.deliver`
 * span, the child of that publish, covers the time from the publish to the
 * sockets. Which snapshot an event is of the fan-out is told by the
 * execution (the source event's processedAt, api/subscriptions.ts), whatever
 * the operation selects; else it is the `processedAt` its root field
 * selects. The last `max` publishes are remembered; without an SDK (no
 * trace) nothing is noted.
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

/**
 * The processing instant (epoch ms) of a live source event: a chain
 * snapshot's `processedAt`, a chain delta's header's; undefined for events
 * that are not of one snapshot (mood, analytics, market events).
 */
export function processedAtOfEvent(event: unknown): number | undefined {
  const of = (value: unknown) => (value as { processedAt?: unknown } | null | undefined)?.processedAt;
  const at = of(event) ?? of((event as { header?: unknown } | null | undefined)?.header);
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}

/** Each root field of a delivered event with the processedAt it is of: the source event's when known, else the one it selects. */
export function deliveredInstants(result: ExecutionResult, processedAt?: number): [field: string, at: number][] {
  if (processedAt === undefined) return processedAtOf(result);
  return Object.keys(result.data ?? {}).map((field) => [field, processedAt]);
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
  delivered(result: ExecutionResult, processedAt?: number): void {
    if (this.recent.size === 0) return;
    for (const [field, at] of deliveredInstants(result, processedAt)) {
      const published = this.recent.get(at);
      if (!published) continue;
      const parent = trace.setSpanContext(otelContext.active(), published.parent);
      trace.getTracer(TRACER_NAME).startSpan('subscription.deliver', { startTime: published.publishedAt, attributes: { 'graphql.field': field } }, parent).end();
    }
  }
}
