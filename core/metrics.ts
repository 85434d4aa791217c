/**
 * The instrumentation the components record into, without knowing the
 * backend: the roles get a `Metrics` (api/prometheus.ts, one registry per
 * process served at /metrics), tests and benchmarks may pass `NO_METRICS`.
 *
 * Names follow `<area>_<thing>_<unit>` (`storage_write_latency_seconds`,
 * `bus_lag_messages`, `source_requests_total`): `metricNameProblem` says what
 * is wrong with one that does not. Durations are in seconds, sizes in bytes,
 * counts of things end in `_total` (counters) or name the thing (gauges:
 * `_connections`, `_rows`, `_messages`).
 */
export type Labels = Record<string, string | number>;

export interface CounterMetric {
  inc(labels?: Labels, by?: number): void;
}

export interface GaugeMetric {
  set(labels: Labels, value: number): void;
}

export interface HistogramMetric {
  observe(labels: Labels, value: number): void;
}

/** One value of a metric read when it is scraped. */
export interface Reading {
  labels: Labels;
  value: number;
}

export interface Metrics {
  counter(name: string, help: string, labelNames?: readonly string[]): CounterMetric;
  gauge(name: string, help: string, labelNames?: readonly string[]): GaugeMetric;
  /** `buckets` in the metric's unit (seconds for latencies). */
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): HistogramMetric;
  /**
   * A metric whose values are read from existing stats when scraped: a
   * counter (`_total`, only ever growing) or a gauge. Registering the same
   * name again adds a reader: the readings of every reader are reported.
   */
  collected(kind: 'counter' | 'gauge', name: string, help: string, labelNames: readonly string[], read: () => Reading[]): void;
}

/** Latency buckets, seconds: 1 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const UNITS = ['total', 'seconds', 'bytes', 'rows', 'messages', 'connections', 'subscriptions', 'snapshots', 'state', 'ratio', 'info'];

/** Why `name` does not follow `<area>_<thing>_<unit>`, or null when it does. */
export function metricNameProblem(name: string, kind: 'counter' | 'gauge' | 'histogram'): string | null {
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+){2,}$/.test(name)) return `metric ${name} must be <area>_<thing>_<unit> in lower snake case`;
  const unit = name.slice(name.lastIndexOf('_') + 1);
  if (!UNITS.includes(unit)) return `metric ${name} must end in a unit (${UNITS.join(', ')})`;
  if (kind === 'counter' && unit !== 'total') return `counter ${name} must end in _total`;
  if (kind !== 'counter' && unit === 'total') return `${kind} ${name} must not end in _total (only counters do)`;
  return null;
}

const NOTHING = { inc() {}, set() {}, observe() {} };

/** Records nothing. */
export const NO_METRICS: Metrics = {
  counter: () => NOTHING,
  gauge: () => NOTHING,
  histogram: () => NOTHING,
  collected() {},
};
