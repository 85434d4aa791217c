import { describe, expect, it } from 'vitest';
import { createPrometheusMetrics } from './prometheus.ts';

describe('createPrometheusMetrics', () => {
  it('refuses a name that is not <area>_<thing>_<unit>, naming the problem', () => {
    const metrics = createPrometheusMetrics();
    expect(() => metrics.counter('requests', 'x')).toThrow(/<area>_<thing>_<unit>/);
    expect(() => metrics.histogram('api_operation_duration', 'x', [], [1])).toThrow(/must end in a unit/);
  });

  it('hands back the same metric for a name registered twice, and refuses it as another kind', async () => {
    const metrics = createPrometheusMetrics({ role: 'store' });
    metrics.counter('storage_batches_written_total', 'batches', ['topic']).inc({ topic: 'market.enriched' });
    metrics.counter('storage_batches_written_total', 'batches', ['topic']).inc({ topic: 'market.enriched' }, 2);
    expect(await metrics.scrape()).toContain('storage_batches_written_total{topic="market.enriched",role="store"} 3');
    expect(() => metrics.gauge('storage_batches_written_total', 'x')).toThrow(/must not end in _total|already registered/);
  });

  it('reads collected metrics at each scrape, from every reader of the name, zero counters included', async () => {
    const metrics = createPrometheusMetrics();
    let queued = 4;
    metrics.collected('gauge', 'bus_lag_messages', 'lag', ['topic', 'group'], () => [{ labels: { topic: 'market.raw', group: 'processor' }, value: queued }]);
    metrics.collected('gauge', 'bus_lag_messages', 'lag', ['topic', 'group'], () => [{ labels: { topic: 'market.enriched', group: 'storage' }, value: 1 }]);
    metrics.collected('counter', 'source_requests_total', 'requests', ['source'], () => [{ labels: { source: 'simulator' }, value: 0 }]);
    let text = await metrics.scrape();
    expect(text).toContain('bus_lag_messages{topic="market.raw",group="processor"} 4');
    expect(text).toContain('bus_lag_messages{topic="market.enriched",group="storage"} 1');
    expect(text).toContain('source_requests_total{source="simulator"} 0');
    queued = 0;
    text = await metrics.scrape();
    expect(text).toContain('bus_lag_messages{topic="market.raw",group="processor"} 0');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});
