/**
 * GraphQL operations measured and traced (an envelop plugin): each
 * execution's duration in `api_operation_duration_seconds` by operation name
 * and outcome (`ok`, or `error` when the result carries errors or execution
 * threw), and one span per execution (`graphql.<type>`, with the operation
 * name) that the resolvers' own spans nest under.
 *
 * Operation names are the client's to choose: the first
 * MAX_OPERATION_NAMES distinct ones are kept, any later one is counted as
 * `other`, so a client cannot grow the metric without bound.
 */
import { getOperationAST, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { context as otelContext, SpanStatusCode, trace } from '@opentelemetry/api';
import { LATENCY_BUCKETS_SECONDS, type Metrics } from '../core/metrics.ts';
import type { Installation, YogaPlugin } from './installation.ts';
import { TRACER_NAME } from '../pipeline/traceContext.ts';

export const MAX_OPERATION_NAMES = 200;

export function installMetrics(metrics: Metrics): Installation {
  const duration = metrics.histogram('api_operation_duration_seconds', 'GraphQL operation execution time, seconds, by operation name and outcome', ['operation', 'type', 'outcome'], LATENCY_BUCKETS_SECONDS);
  const names = new Set<string>();
  const labelOf = (name: string) => {
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return 'other';
    names.add(name);
    return name;
  };
  const tracer = trace.getTracer(TRACER_NAME);

  const plugin: YogaPlugin = {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { operation, type } = describe(args);
      const began = performance.now();
      const span = tracer.startSpan(`graphql.${type}`, { attributes: { 'graphql.operation.name': operation, 'graphql.operation.type': type } });
      let ended = false;
      const done = (outcome: 'ok' | 'error') => {
        if (ended) return;
        ended = true;
        duration.observe({ operation: labelOf(operation), type, outcome }, (performance.now() - began) / 1000);
        if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
      setExecuteFn(async (executeArgs) => {
        try {
          return await otelContext.with(trace.setSpan(otelContext.active(), span), () => executeFn(executeArgs));
        } catch (error) {
          // Thrown rather than answered with errors: timed and ended here, as onExecuteDone is not called.
          done('error');
          throw error;
        }
      });
      return {
        onExecuteDone(payload: { result: ExecutionResult | AsyncIterable<unknown> }) {
          // A stream (incremental delivery) is timed to its start.
          const { result } = payload;
          const errors = Symbol.asyncIterator in result ? undefined : result.errors;
          done(errors && errors.length > 0 ? 'error' : 'ok');
        },
      };
    },
  };
  return { plugins: [plugin] };
}

function describe(args: ExecutionArgs): { operation: string; type: string } {
  const node = getOperationAST(args.document, args.operationName);
  return { operation: args.operationName ?? node?.name?.value ?? 'anonymous', type: node?.operation ?? 'unknown' };
}
