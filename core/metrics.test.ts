import { describe, expect, it } from 'vitest';
import { metricNameProblem } from './metrics.ts';

describe('metricNameProblem', () => {
  it('accepts <area>_<thing>_<unit> names whose unit fits the kind', () => {
    expect(metricNameProblem('storage_write_latency_seconds', 'histogram')).toBeNull();
    expect(metricNameProblem('source_requests_total', 'counter')).toBeNull();
    expect(metricNameProblem('bus_lag_messages', 'gauge')).toBeNull();
  });

  it('names what is wrong: too few parts, no unit, a counter without _total, a gauge with it', () => {
    expect(metricNameProblem('latency_seconds', 'histogram')).toMatch(/<area>_<thing>_<unit>/);
    expect(metricNameProblem('Storage_Write_seconds', 'histogram')).toMatch(/lower snake case/);
    expect(metricNameProblem('storage_write_latency', 'histogram')).toMatch(/must end in a unit/);
    expect(metricNameProblem('storage_rows_written_rows', 'counter')).toMatch(/must end in _total/);
    expect(metricNameProblem('api_requests_total', 'gauge')).toMatch(/only counters/);
  });
});
