/**
 * One snapshot is one trace: the embedded platform with the OpenTelemetry SDK
 * registered on an in-memory exporter (api/tracing.ts), its spans followed
 * from the source's fetch through the bus (the trace context rides in the messages'
 * headers) to the storage writes, the analytics role and the API's publish
 * to subscribers and its delivery to a graphql-ws subscriber; a GraphQL
 * query gets a span of its own; log lines written
 * inside a span carry its trace and snapshot ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { buildApp, type App } from '../api/app.ts';
import { startTracing, type Tracing } from '../api/tracing.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import { inSpan, traceLogFields } from '../pipeline/traceContext.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import type { DatabaseHandle } from '../db/client.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing | null;
let database: DatabaseHandle;
let app: App;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'options-test', exporter });
  database = await openTestDatabase();
  const config = loadConfig({ SOURCE: 'simulator', SYMBOLS: 'NIFTY', SIM_TICK_MS: '50', SIM_SPEED: '60', SIM_CLOCK: 'always-open', SIM_STRIKES_EACH_SIDE: '5', HOST: '127.0.0.1', DATA_DIR: scratchDir('tracing'), PIPELINE_THREADS: 'off' });
  const log = createLogger('debug', { role: 'all' }, (line) => void lines.push(JSON.parse(line)), { mixin: traceLogFields });
  app = await buildApp(config, { database, log });
  const { url, port } = await app.start(0);
  // Seconds alone; the whole suite on two cores has been seen to take over 30 s.
  const deadline = Date.now() + 90_000;
  const stored = () => app.services.storage?.stats.snapshotsWritten ?? 0;
  // Without an expiry the subscriptions follow the nearest one with a stored chain, and answer NO_DATA (then complete)
  // before there is one: subscribe once the first chain is stored.
  while (stored() < 1) {
    if (Date.now() > deadline) throw new Error('no snapshot stored within 90 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  let events = 0;
  const ended: unknown[] = [];
  const sink = (name: string, count: (result: { errors?: unknown }) => void) => ({
    next: (result: { errors?: unknown }) => (result.errors ? void ended.push({ [name]: result.errors }) : count(result)),
    error: (error: unknown) => void ended.push({ [name]: error }),
    complete: () => void ended.push(`${name} complete`),
  });
  ws.subscribe({ query: 'subscription { chainUpdated(symbol: "NIFTY") { processedAt } }' }, sink('chainUpdated', () => void events++));
  // Selects no processedAt: its deliveries are in their snapshots' traces all the same.
  let deltas = 0;
  ws.subscribe({ query: 'subscription { chainDelta(symbol: "NIFTY") { sequence } }' }, sink('chainDelta', () => void deltas++));
  const progress = () =>
    `deltas ${deltas}/3, chain events ${events}/2, snapshots stored ${stored()}/3, analytics stored ${app.services.analyticsStorage?.stats.snapshotsWritten ?? 0}/1, subscriptions ended: ${JSON.stringify(ended)}`;
  while (deltas < 3 || stored() < 3 || (app.services.analyticsStorage?.stats.snapshotsWritten ?? 0) < 1 || events < 2) {
    if (Date.now() > deadline || ended.length > 0) throw new Error(`the pipeline did not get this far: ${progress()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Symbols { symbols { symbol } }' }) });
  expect(response.status).toBe(200);
  await ws.dispose();
  await app.stop();
}, 120_000);

afterAll(async () => {
  await database?.close();
  await tracing?.shutdown();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('traces', () => {
  it('follows one snapshot from the source through processing to the storage write, the analytics role and the API publish, in one trace', () => {
    const spans = exporter.getFinishedSpans();
    const stored = spans.find((s) => s.name === 'storage.write' && s.attributes['messaging.source'] === 'market.enriched');
    expect(stored, `spans: ${[...new Set(spans.map((s) => s.name))].join(', ')}`).toBeDefined();
    const trace = spans.filter((s) => s.spanContext().traceId === stored!.spanContext().traceId);
    const byName = (name: string) => trace.filter((s) => s.name === name);

    const [fetched] = byName('source.fetch');
    expect(fetched, 'the trace starts at the source fetch').toBeDefined();
    expect(parentOf(fetched!)).toBeUndefined();
    expect(fetched!.attributes['snapshot.id']).toMatch(/NIFTY/);
    // Timed by the source (the simulator's tick), before ingest took the snapshot.
    const ms = (time: [number, number]) => time[0] * 1_000 + time[1] / 1e6;
    expect(ms(fetched!.endTime)).toBeGreaterThanOrEqual(ms(fetched!.startTime));

    const [root] = byName('source.snapshot');
    expect(root).toBeDefined();
    expect(parentOf(root!)).toBe(fetched!.spanContext().spanId);
    expect(ms(root!.startTime)).toBeGreaterThanOrEqual(ms(fetched!.endTime));
    expect(root!.attributes['snapshot.id']).toBe(fetched!.attributes['snapshot.id']);

    const [processed] = byName('processor.enrich');
    expect(parentOf(processed!)).toBe(root!.spanContext().spanId);
    expect(processed!.attributes['snapshot.id']).toBe(root!.attributes['snapshot.id']);

    expect(parentOf(stored!)).toBe(processed!.spanContext().spanId);
    const [published] = byName('subscription.publish');
    expect(parentOf(published!)).toBe(processed!.spanContext().spanId);
    const [analysed] = byName('analytics.analyse');
    expect(parentOf(analysed!)).toBe(processed!.spanContext().spanId);
  });

  it('puts a subscription delivery into its snapshot’s trace, the child of the API’s publish', () => {
    const spans = exporter.getFinishedSpans();
    const publishes = new Map(spans.filter((s) => s.name === 'subscription.publish').map((s) => [s.spanContext().spanId, s]));
    const delivered = spans.filter((s) => s.name === 'subscription.deliver' && publishes.has(parentOf(s)!) && s.attributes['graphql.field'] === 'chainUpdated');
    expect(delivered.length).toBeGreaterThan(0);
    const [delivery] = delivered;
    const root = spans.find((s) => s.name === 'source.fetch' && s.spanContext().traceId === delivery!.spanContext().traceId);
    expect(root, 'the delivery is in a trace that starts at the source').toBeDefined();
  });

  it('puts the delivery of a subscription that selects no processedAt into its snapshot’s trace too', () => {
    const spans = exporter.getFinishedSpans();
    const publishes = new Map(spans.filter((s) => s.name === 'subscription.publish').map((s) => [s.spanContext().spanId, s]));
    const delivered = spans.filter((s) => s.name === 'subscription.deliver' && s.attributes['graphql.field'] === 'chainDelta');
    expect(delivered.length).toBeGreaterThan(0);
    for (const delivery of delivered) expect(publishes.get(parentOf(delivery)!)?.spanContext().traceId).toBe(delivery.spanContext().traceId);
  });

  it('gives the analytics message of a snapshot a storage write in the same trace', () => {
    const spans = exporter.getFinishedSpans();
    const analyticsWrites = spans.filter((s) => s.name === 'storage.write' && s.attributes['messaging.source'] === 'market.analytics');
    expect(analyticsWrites.length).toBeGreaterThan(0);
    const analyses = new Map(spans.filter((s) => s.name === 'analytics.analyse').map((s) => [s.spanContext().spanId, s]));
    const write = analyticsWrites.find((s) => analyses.has(parentOf(s)!));
    expect(write).toBeDefined();
    expect(write!.spanContext().traceId).toBe(analyses.get(parentOf(write!)!)!.spanContext().traceId);
  });

  it('traces a GraphQL operation with its name and type', () => {
    const query = exporter.getFinishedSpans().find((s) => s.name === 'graphql.query');
    expect(query?.attributes).toMatchObject({ 'graphql.operation.name': 'Symbols', 'graphql.operation.type': 'query' });
  });

  it('writes the trace id and the snapshot id into the log lines written inside a span, and neither outside', async () => {
    const log = createLogger('debug', { role: 'all' }, (line) => void lines.push(JSON.parse(line)), { mixin: traceLogFields });
    await inSpan('test.work', null, { 'snapshot.id': 'sim:NIFTY:test' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.info('inside');
    });
    log.info('outside');
    const span = exporter.getFinishedSpans().find((s) => s.name === 'test.work')!;
    expect(lines.find((l) => l.message === 'inside')).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, snapshotId: 'sim:NIFTY:test' });
    expect(lines.find((l) => l.message === 'outside')).not.toHaveProperty('traceId');
  });
});
