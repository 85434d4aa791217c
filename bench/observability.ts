/**
 * What the observability costs per snapshot and per scrape: a span around a
 * bus message with its trace context injected (no SDK registered: what runs
 * without OTEL_EXPORTER_OTLP_ENDPOINT), a histogram observation, a log line
 * through pino with the secret scrubbing, and one /metrics scrape of a
 * registry with every metric a role registers (Node's included).
 */
import { inSpan, traceHeaders } from '../pipeline/traceContext.ts';
import { createPrometheusMetrics } from '../api/prometheus.ts';
import { LATENCY_BUCKETS_SECONDS } from '../core/metrics.ts';
import { createLogger } from '../core/log.ts';

export interface ObservabilityBenchRow {
  what: string;
  calls: number;
  microsecondsPerCall: number;
}

async function timed(what: string, calls: number, run: (i: number) => unknown): Promise<ObservabilityBenchRow> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await run(i);
  return { what, calls, microsecondsPerCall: ((performance.now() - started) * 1000) / calls };
}

export async function runObservabilityBench(calls = 100_000): Promise<ObservabilityBenchRow[]> {
  const message = { headers: undefined };
  const metrics = createPrometheusMetrics({ role: 'all' });
  const latency = metrics.histogram('processor_latency_seconds', 'bench', [], LATENCY_BUCKETS_SECONDS);
  const rows = metrics.counter('storage_rows_written_total', 'bench', ['topic']);
  for (let i = 0; i < 20; i++) metrics.collected('gauge', 'bus_lag_messages', 'bench', ['topic', 'group'], () => [{ labels: { topic: 'market.raw', group: `g${i}` }, value: i }]);
  let bytes = 0;
  const log = createLogger('info', { role: 'all', component: 'storage' }, (line) => void (bytes += line.length), { secrets: ['operator-token-0123456789', 'dhan-token-abcdef'] });
  const result = [
    await timed('baseline: an empty async call', calls, async () => undefined),
    await timed('span around a bus message + trace headers (no SDK)', calls, () => inSpan('processor.enrich', message, { 'snapshot.id': 'sim:NIFTY:1' }, async () => traceHeaders())),
    await timed('histogram observation', calls, () => latency.observe({}, 0.004)),
    await timed('counter increment with a label', calls, () => rows.inc({ topic: 'market.enriched' }, 80)),
    await timed('log line (pino, redaction and scrubbing)', calls / 4, (i) => log.info('batch written', { snapshotId: `sim:NIFTY:${i}`, rows: 80 })),
    await timed('/metrics scrape (Node defaults + these)', 200, () => metrics.scrape()),
  ];
  if (bytes === 0) throw new Error('the logger wrote nothing');
  return result;
}
