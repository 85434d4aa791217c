/**
 * The analytics stage end to end on the embedded default: the simulator
 * playing the vix-divergence scenario (one simulated minute per 100 ms tick)
 * → processor → analytics role → storage and pub/sub → a real graphql-ws
 * client and HTTP queries against a server on port 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { waitFor } from './support/waitFor.ts';
import type { DatabaseHandle } from '../db/client.ts';

let app: App;
let database: DatabaseHandle;
let url: string;
let port: number;
let ws: Client;

async function graphql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as never;
}

/** The first `count` events of a subscription, or a failure after `timeoutMs`. */
function firstEvents<T>(query: string, count: number, timeoutMs: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const events: T[] = [];
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`only ${events.length} of ${count} events of ${query} within ${timeoutMs} ms`));
    }, timeoutMs);
    const dispose = ws.subscribe<T>(
      { query },
      {
        next: (result) => {
          if (result.errors) {
            clearTimeout(timer);
            dispose();
            reject(new Error(JSON.stringify(result.errors)));
            return;
          }
          events.push(result.data as T);
          if (events.length === count) {
            clearTimeout(timer);
            dispose();
            resolve(events);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {},
      },
    );
  });
}

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    EXPIRIES_PER_SYMBOL: '1',
    SIM_TICK_MS: '100',
    SIM_SPEED: '600',
    SIM_CLOCK: 'always-open',
    SIM_STRIKES_EACH_SIDE: '10',
    SIM_SCENARIO: 'vix-divergence',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('analytics-e2e'),
  });
  app = await buildApp(config, { database });
  ({ url, port } = await app.start(0));
  ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
  await app?.stop();
  await database?.close();
});

describe('analytics, end to end', () => {
  it('delivers moodUpdated over graphql-ws, then the scenario\'s VIX divergence on marketEvents, and serves both from the database', async () => {
    const moods = await firstEvents<{ moodUpdated: { symbol: string; index: number | null; band: string | null; spot: number } }>(
      'subscription { moodUpdated(symbol: "NIFTY") { symbol index band spot } }',
      3,
      30_000,
    );
    expect(moods.map((m) => m.moodUpdated.symbol)).toEqual(['NIFTY', 'NIFTY', 'NIFTY']);
    for (const { moodUpdated } of moods) {
      expect(moodUpdated.spot).toBeGreaterThan(0);
      expect(moodUpdated.index).toBeGreaterThanOrEqual(0);
      expect(moodUpdated.index).toBeLessThanOrEqual(100);
    }

    // Minute 20 onwards VIX climbs with spot; the event fires a few minutes in (100 ms a minute here).
    const [divergence] = await firstEvents<{ marketEvents: { kind: string; symbol: string; values: { name: string; value: number }[] } }>(
      'subscription { marketEvents(symbols: ["NIFTY"], kinds: [VIX_DIVERGENCE]) { kind symbol reason values { name value } } }',
      1,
      60_000,
    );
    expect(divergence.marketEvents).toMatchObject({ kind: 'VIX_DIVERGENCE', symbol: 'NIFTY' });
    expect(divergence.marketEvents.values.find((v) => v.name === 'vixChangePoints')!.value).toBeGreaterThan(0);

    // The storage role stored what the subscribers saw.
    const stored = await waitFor(
      async () => {
        const result = await graphql<{ analyticsEvents: { edges: { node: { kind: string } }[] } }>(
          '{ analyticsEvents(symbols: ["NIFTY"], kinds: [VIX_DIVERGENCE], since: "1970-01-01T00:00:00Z") { edges { node { kind } } } }',
        );
        return result.data && result.data.analyticsEvents.edges.length > 0 ? result.data : undefined;
      },
      'the stored VIX divergence',
      15_000,
    );
    expect(stored.analyticsEvents.edges[0].node.kind).toBe('VIX_DIVERGENCE');
    const mood = await graphql('{ marketMood(symbol: "NIFTY") { symbol index } flowMetrics(symbol: "NIFTY") { liquidity { index } } }');
    expect(mood.errors).toBeUndefined();
    expect(mood.data!.marketMood.symbol).toBe('NIFTY');
  }, 150_000);
});
