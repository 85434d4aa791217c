/**
 * Observability of the real platform, as an operator sees it: main.ts in a
 * child process with secrets configured and debug logs on, scraped at
 * /metrics while a graphql-ws client subscribes and a client queries; every
 * log line it wrote is then searched for the configured secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { startRealServer, type RealServer } from './realServer.ts';

const SECRETS = {
  OPERATOR_TOKEN: 'operator-token-do-not-log-0123456789',
  DHAN_ACCESS_TOKEN: 'dhan-access-token-do-not-log-abcdef',
  DHAN_CLIENT_ID: '1100000001',
};

let server: RealServer;
let ws: Client;
let before: Samples;
let after: Samples;
let events = 0;
let deltas = 0;
let moods = 0;
let analytics = 0;

/** Metric samples of a Prometheus text exposition: `name{labels}` → value. */
type Samples = Map<string, number>;

function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum of a metric's samples whose labels include every one of `labels`. */
function total(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    if ((brace === -1 ? key : key.slice(0, brace)) !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) continue;
    sum += value;
    found = true;
  }
  if (!found) throw new Error(`no sample of ${name}${JSON.stringify(labels)} in /metrics`);
  return sum;
}

async function scrape(): Promise<Samples> {
  const response = await fetch(`${server.origin}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parse(await response.text());
}

beforeAll(async () => {
  server = await startRealServer({ LOG_LEVEL: 'debug', SYMBOLS: 'NIFTY', SIM_TICK_MS: '100', ...SECRETS });
  ws = createClient({ url: `ws://127.0.0.1:${server.port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  ws.subscribe({ query: 'subscription Live { chainUpdated(symbol: "NIFTY") { expiry processedAt } }' }, { next: () => void events++, error: () => {}, complete: () => {} });
  // Selects no processedAt: its deliveries are timed all the same (the fan-out knows the snapshot each event is of).
  ws.subscribe({ query: 'subscription Deltas { chainDelta(symbol: "NIFTY") { sequence } }' }, { next: () => void deltas++, error: () => {}, complete: () => {} });
  // The analytics role's outputs: timed from the processedAt of the snapshot they were made of.
  ws.subscribe({ query: 'subscription Mood { moodUpdated(symbol: "NIFTY") { band } }' }, { next: () => void moods++, error: () => {}, complete: () => {} });
  const expiry = await new Promise<string>((resolve, reject) => {
    const stop = ws.subscribe<{ chainUpdated: { expiry: string } }>({ query: 'subscription Expiry { chainUpdated(symbol: "NIFTY") { expiry } }' }, {
      next: (result) => {
        stop();
        resolve(result.data!.chainUpdated.expiry);
      },
      error: reject,
      complete: () => {},
    });
  });
  ws.subscribe({ query: `subscription Analytics { analyticsUpdated(symbol: "NIFTY", expiry: "${expiry}") { spot } }` }, { next: () => void analytics++, error: () => {}, complete: () => {} });
  const deadline = Date.now() + 30_000;
  while (events < 2 || deltas < 2 || moods < 2 || analytics < 2) {
    if (Date.now() > deadline) throw new Error(`no live updates within 30 s:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  before = await scrape();
  const query = await fetch(`${server.origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Symbols { symbols { symbol } }' }) });
  expect(query.status).toBe(200);
  for (let i = 0; i < 2; i++) {
    const chain = await fetch(`${server.origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Chain { optionChain(symbol: "NIFTY") { spot } }' }) });
    expect(chain.status).toBe(200);
  }
  // The operator token on the wire, as an operator would send it.
  expect((await fetch(`${server.origin}/readyz?details`, { headers: { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` } })).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  after = await scrape();
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
  await server?.stop();
});

describe('/metrics during an end-to-end run', () => {
  it('counts the pipeline moving: snapshots ingested, processed, stored and published', () => {
    for (const name of ['source_snapshots_ingested_total', 'processor_latency_seconds_count', 'storage_rows_written_total', 'storage_batches_written_total', 'storage_write_latency_seconds_count', 'api_snapshots_published_total']) {
      expect(total(after, name), name).toBeGreaterThan(total(before, name));
    }
    expect(total(after, 'storage_rows_written_total', { topic: 'market.enriched' })).toBeGreaterThan(0);
  });

  it('reports the bus lag per topic and consumer group, the storage buffer, and no dead letters', () => {
    for (const [topic, group] of [['market.raw', 'processor'], ['market.enriched', 'storage'], ['market.enriched', 'api'], ['market.analytics', 'storage-analytics']]) {
      expect(total(after, 'bus_lag_messages', { topic, group })).toBeGreaterThanOrEqual(0);
    }
    expect(total(after, 'storage_buffered_snapshots', { topic: 'market.enriched' })).toBeGreaterThanOrEqual(0);
    expect(total(after, 'storage_buffered_rows', { topic: 'market.enriched' })).toBeGreaterThanOrEqual(0);
    expect([...after.keys()].some((k) => k.startsWith('bus_dead_letters_total'))).toBe(false);
  });

  it('times GraphQL operations by name and outcome, and counts the live connection, its subscriptions and their deliveries', () => {
    expect(total(after, 'api_operation_duration_seconds_count', { operation: 'Symbols', type: 'query', outcome: 'ok' })).toBe(1);
    expect(total(after, 'api_websocket_connections')).toBe(1);
    expect(total(after, 'api_active_subscriptions')).toBe(4);
    expect(total(after, 'api_frames_sent_total')).toBeGreaterThan(total(before, 'api_frames_sent_total'));
    expect(total(after, 'api_delivery_latency_seconds_count', { field: 'chainUpdated' })).toBeGreaterThan(total(before, 'api_delivery_latency_seconds_count', { field: 'chainUpdated' }));
    // From processedAt to the socket, on this machine: well under the histogram's top bucket.
    expect(total(after, 'api_delivery_latency_seconds_bucket', { field: 'chainUpdated', le: '10' })).toBe(total(after, 'api_delivery_latency_seconds_count', { field: 'chainUpdated' }));
  });

  it('times the delivery of a subscription that does not select processedAt, from its snapshot’s processedAt', () => {
    expect(total(after, 'api_delivery_latency_seconds_count', { field: 'chainDelta' })).toBeGreaterThan(total(before, 'api_delivery_latency_seconds_count', { field: 'chainDelta' }));
    expect(total(after, 'api_delivery_latency_seconds_bucket', { field: 'chainDelta', le: '10' })).toBe(total(after, 'api_delivery_latency_seconds_count', { field: 'chainDelta' }));
  });

  it('times the deliveries of the analytics role’s outputs from the processedAt of the snapshot they were made of', () => {
    for (const field of ['moodUpdated', 'analyticsUpdated']) {
      expect(total(after, 'api_delivery_latency_seconds_count', { field }), field).toBeGreaterThan(total(before, 'api_delivery_latency_seconds_count', { field }));
      expect(total(after, 'api_delivery_latency_seconds_bucket', { field, le: '10' }), field).toBe(total(after, 'api_delivery_latency_seconds_count', { field }));
    }
  });

  it('counts the latest-chain cache reads, serves the source counters and Node process metrics, each sample labelled with the role', () => {
    const reads = (samples: Samples) => total(samples, 'cache_hits_total', { cache: 'latest_chain' }) + total(samples, 'cache_misses_total', { cache: 'latest_chain' });
    expect(reads(after)).toBeGreaterThan(reads(before));
    expect(total(after, 'source_requests_total', { source: 'simulator' })).toBe(0);
    expect(total(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(total(after, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    for (const key of after.keys()) expect(key).toContain('role="all"');
  });
});

describe('logs', () => {
  it('are JSON lines with the role, and the component where there is one', () => {
    const logs = server.process.logs;
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), message: expect.any(String) });
    expect(logs.find((l) => l.message === 'started')).toMatchObject({ role: 'all', app: `http://localhost:${server.port}/`, url: `http://localhost:${server.port}/graphql` });
    expect(logs.find((l) => l.message === 'database ready')).toMatchObject({ role: 'all', component: 'database' });
  });

  it('never contain a configured secret, though the configuration is logged (redacted) at debug', () => {
    const configuration = server.process.logs.find((l) => l.message === 'configuration');
    expect(configuration).toMatchObject({ OPERATOR_TOKEN: '[redacted]', DHAN_ACCESS_TOKEN: '[redacted]', DHAN_CLIENT_ID: SECRETS.DHAN_CLIENT_ID });
    const everything = `${server.process.logs.map((l) => JSON.stringify(l)).join('\n')}\n${server.process.stderr()}`;
    for (const secret of [SECRETS.OPERATOR_TOKEN, SECRETS.DHAN_ACCESS_TOKEN]) expect(everything).not.toContain(secret);
  });
});
