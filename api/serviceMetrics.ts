/**
 * The metrics read from the roles' own stats when /metrics is scraped
 * (source, ingest, bus, storage buffers, caches, subscriptions), plus the
 * delivery latency of live updates. What the components record as it
 * happens (processor latency and rejects, storage writes, GraphQL operation
 * durations) they record themselves (pipeline/processor.ts,
 * pipeline/storage.ts, api/installMetrics.ts).
 */
import type { ExecutionResult } from 'graphql';
import { LATENCY_BUCKETS_SECONDS, type Metrics, type Reading } from '../core/metrics.ts';
import type { AppServices } from './app.ts';
import { deliveredInstants } from './deliveryTraces.ts';

const BREAKER_STATE: Record<string, number> = { closed: 0, 'half-open': 0.5, open: 1 };

export function registerServiceMetrics(metrics: Metrics, services: AppServices): void {
  const source = () => services.source?.status() as (ReturnType<NonNullable<AppServices['source']>['status']> & { requests?: number; errors?: Record<string, number>; breaker?: string }) | undefined;
  const one = (value: number | undefined, labels: Reading['labels'] = {}): Reading[] => (value === undefined ? [] : [{ labels, value }]);

  metrics.collected('counter', 'source_requests_total', 'Requests the source sent to its upstream API (Dhan), by source', ['source'], () => {
    const status = source();
    return status ? one(status.requests ?? 0, { source: status.name }) : [];
  });
  metrics.collected('counter', 'source_errors_total', 'Failed source requests, by source and error kind (rate_limited, auth, server, network…)', ['source', 'kind'], () => {
    const status = source();
    return status ? Object.entries(status.errors ?? {}).map(([kind, value]) => ({ labels: { source: status.name, kind }, value })) : [];
  });
  metrics.collected('gauge', 'source_circuit_state', "The source's circuit breaker: 0 closed, 0.5 half-open, 1 open", ['source'], () => {
    const status = source();
    return status?.breaker ? one(BREAKER_STATE[status.breaker], { source: status.name }) : [];
  });
  metrics.collected('counter', 'source_snapshots_ingested_total', 'Snapshots the source handed over and ingest published to market.raw (repeats excluded), by source', ['source'], () =>
    services.ingest ? one(services.ingest.stats.published, { source: services.ingest.source.name }) : [],
  );
  metrics.collected('counter', 'source_duplicates_skipped_total', 'Snapshots skipped as repeats of the last stored one, by source', ['source'], () =>
    services.ingest ? one(services.ingest.stats.duplicates, { source: services.ingest.source.name }) : [],
  );

  metrics.collected('gauge', 'bus_lag_messages', 'Messages published to a topic and not yet handled by a consumer group of this process', ['topic', 'group'], () => [
    ...(services.bus.queues?.() ?? []).map((q) => ({ labels: { topic: q.topic, group: q.group }, value: q.queued })),
    ...(services.bus.lag?.() ?? []).map((l) => ({ labels: { topic: l.topic, group: l.group }, value: l.messages })),
  ]);
  metrics.collected('gauge', 'storage_buffered_snapshots', 'Messages waiting in memory for the storage role to write them, by topic (in-process bus; Kafka keeps them in the topic)', ['topic'], () =>
    (services.bus.queues?.() ?? []).filter((q) => q.group.startsWith('storage')).map((q) => ({ labels: { topic: q.topic }, value: q.queued })),
  );
  metrics.collected('gauge', 'storage_buffered_rows', 'Rows (option quotes; analytics flow rows, at most) in messages waiting in memory for the storage role or in the batch it is writing, by topic (in-process bus; Kafka keeps them in the topic)', ['topic'], () =>
    (services.bus.queues?.() ?? []).filter((q) => q.group.startsWith('storage')).map((q) => ({ labels: { topic: q.topic }, value: q.queuedRows + q.handlingRows })),
  );
  metrics.collected('gauge', 'storage_spooled_bytes', 'Bytes waiting in the on-disk spool for the database, by topic', ['topic'], () => [
    ...one(services.storage?.stats.spool?.bytes, { topic: 'market.enriched' }),
    ...one(services.analyticsStorage?.stats.spool?.bytes, { topic: 'market.analytics' }),
  ]);

  metrics.collected('counter', 'cache_hits_total', 'Reads answered by a cache, by cache and level', ['cache', 'level'], () => {
    const chain = services.cache?.stats();
    const readings: Reading[] = chain
      ? [
          { labels: { cache: 'latest_chain', level: 'memory' }, value: chain.memoryHits },
          { labels: { cache: 'latest_chain', level: 'redis' }, value: chain.redisHits },
        ]
      : [];
    for (const [name, cache] of Object.entries(services.readCaches ?? {})) if (cache) readings.push({ labels: { cache: name, level: 'memory' }, value: cache.stats().hits });
    return readings;
  });
  metrics.collected('counter', 'cache_misses_total', 'Reads a cache could not answer (loaded from the database), by cache', ['cache'], () => {
    const readings: Reading[] = one(services.cache?.stats().misses, { cache: 'latest_chain' });
    for (const [name, cache] of Object.entries(services.readCaches ?? {})) if (cache) readings.push({ labels: { cache: name }, value: cache.stats().misses });
    return readings;
  });

  metrics.collected('counter', 'api_snapshots_published_total', 'Enriched snapshots published to the API’s live subscribers', [], () => (services.role === 'all' || services.role === 'api' ? one(services.published.count) : []));
  metrics.collected('gauge', 'api_websocket_connections', 'WebSocket connections open', [], () => one(services.webSocketConnections?.()));
  metrics.collected('gauge', 'api_active_subscriptions', 'Live subscriptions attached to shared executions', [], () => one(services.sharedSubscriptions?.().subscribers));
  metrics.collected('counter', 'api_frames_sent_total', 'Subscription frames written to sockets', [], () => one(services.sharedSubscriptions?.().frames));
  metrics.collected('counter', 'api_frames_dropped_total', 'Subscription frames skipped because the socket was too far behind', [], () => one(services.sharedSubscriptions?.().dropped));
}

/**
 * A fan-out hook recording `api_delivery_latency_seconds`: from the
 * snapshot's `processedAt` to the moment its event was handed to the
 * sockets, for every event of a snapshot (chainUpdated, chainDelta, the live
 * strategy…) whatever it selects: the fan-out passes the source event's
 * `processedAt`; without it, the one the root field selects counts.
 */
export function deliveryLatency(metrics: Metrics, now: () => number = Date.now): (result: ExecutionResult, processedAt?: number) => void {
  const latency = metrics.histogram('api_delivery_latency_seconds', "Time from a snapshot's processedAt to its subscription event handed to the sockets, seconds", ['field'], LATENCY_BUCKETS_SECONDS);
  return (result, processedAt) => {
    for (const [field, at] of deliveredInstants(result, processedAt)) latency.observe({ field }, Math.max(0, now() - at) / 1000);
  };
}
