/**
 * `Metrics` (core/metrics.ts) on a prom-client registry of this process's
 * own, with Node's process metrics (`process_*`, `nodejs_*`), served in the
 * Prometheus text format at /metrics on every role (`serveMetrics`).
 *
 * One registry per built app, so two apps in one test process (or the
 * embedded roles of `all`) never collide, and a name registered twice is
 * the same metric.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { metricNameProblem, type CounterMetric, type GaugeMetric, type HistogramMetric, type Labels, type Metrics, type Reading } from '../core/metrics.ts';

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** The text exposition of every metric. */
  scrape(): Promise<string>;
}

export function createPrometheusMetrics(defaultLabels: Record<string, string> = {}): PrometheusMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  const made = new Map<string, { kind: string; metric: unknown }>();
  const readers = new Map<string, (() => Reading[])[]>();

  const once = <M>(name: string, kind: 'counter' | 'gauge' | 'histogram' | 'collected', make: () => M): M => {
    const existing = made.get(name);
    if (existing) {
      if (existing.kind !== kind) throw new Error(`metric ${name} is already registered as a ${existing.kind}`);
      return existing.metric as M;
    }
    const metric = make();
    made.set(name, { kind, metric });
    return metric;
  };
  const checked = (name: string, kind: 'counter' | 'gauge' | 'histogram') => {
    const problem = metricNameProblem(name, kind);
    if (problem) throw new Error(problem);
  };

  return {
    registry,
    scrape: () => registry.metrics(),
    counter(name, help, labelNames = []) {
      checked(name, 'counter');
      return once<CounterMetric>(name, 'counter', () => {
        const counter = new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
        return { inc: (labels: Labels = {}, by = 1) => counter.inc(labels, by) };
      });
    },
    gauge(name, help, labelNames = []) {
      checked(name, 'gauge');
      return once<GaugeMetric>(name, 'gauge', () => {
        const gauge = new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
        return { set: (labels: Labels, value: number) => gauge.set(labels, value) };
      });
    },
    histogram(name, help, labelNames, buckets) {
      checked(name, 'histogram');
      return once<HistogramMetric>(name, 'histogram', () => {
        const histogram = new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
        return { observe: (labels: Labels, value: number) => histogram.observe(labels, value) };
      });
    },
    collected(kind, name, help, labelNames, read) {
      checked(name, kind);
      const list = readers.get(name) ?? [];
      list.push(read);
      readers.set(name, list);
      once(name, 'collected', () => {
        const readAll = () => list.flatMap((r) => r());
        const common = { name, help, labelNames: [...labelNames], registers: [registry] };
        if (kind === 'counter') {
          return new Counter({
            ...common,
            collect() {
              this.reset();
              for (const { labels, value } of readAll()) if (value >= 0) this.inc(labels, value);
            },
          });
        }
        return new Gauge({
          ...common,
          collect() {
            this.reset();
            for (const { labels, value } of readAll()) this.set(labels, value);
          },
        });
      });
    },
  };
}

/** Serves GET /metrics from `metrics`; false for any other path. */
export function serveMetrics(metrics: PrometheusMetrics): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    if ((request.url ?? '').split('?')[0] !== '/metrics') return false;
    metrics.scrape().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return true;
  };
}
