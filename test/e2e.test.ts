/**
 * The platform end to end on the embedded default: simulator → bus →
 * processor → storage and pub/sub → GraphQL over HTTP and graphql-ws, on a
 * real server listening on port 0, with a real database (PostgreSQL when
 * DATABASE_URL is set, else PGlite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import type { DatabaseHandle } from '../db/client.ts';

let app: App;
let database: DatabaseHandle;
let url: string;
let port: number;
let ws: Client;

async function graphql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as never;
}

async function eventually<T>(probe: () => Promise<T | undefined | null>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // 200 ms between probes: 45 s of them stay under the 300 calls a minute the rate limit allows a client.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const CHAIN_FIELDS = /* GraphQL */ `
  symbol expiry timestamp spot future forward forwardSource timeToExpiryYears
  analytics { pcrOi maxPain atmStrike atmIv expectedMove riskReversal25 totalGex gammaFlip gexConvention support { strike strength } }
  rows { strike call { ltp bid ask oi iv delta gamma theta vega rho theoreticalPrice } put { ltp iv delta } }
`;

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    SIM_TICK_MS: '25',
    // Simulated time runs at wall-clock speed: at SIM_SPEED=60 the snapshots' instants ran ahead of the
    // clock, and `optionChain(at:)` of the first event was refused as "in the future" until the clock
    // caught up (more than the wait below on a loaded machine).
    SIM_SPEED: '1',
    SIM_CLOCK: 'always-open',
    SIM_STRIKES_EACH_SIDE: '10',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('e2e'),
  });
  app = await buildApp(config, { database });
  ({ url, port } = await app.start(0));
  ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
});

afterAll(async () => {
  await ws?.dispose();
  await app?.stop();
  await database?.close();
});

describe('embedded platform, end to end', () => {
  it('answers /healthz and becomes ready', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.status === 200 ? ((await response.json()) as { ready: boolean }) : undefined;
    }, 'readiness');
    expect(ready.ready).toBe(true);
    // The data size, for watching retention hold it level (bounded disk).
    expect((ready as { dataBytes?: number }).dataBytes).toBeGreaterThan(0);
  });

  it('lists the symbols with their contract specification', async () => {
    const { data } = await graphql('{ symbols { symbol exchange lotSize strikeStep } }');
    expect(data?.symbols).toContainEqual({ symbol: 'NIFTY', exchange: 'NSE', lotSize: 65, strikeStep: 50 });
    expect(data?.symbols).toContainEqual({ symbol: 'SENSEX', exchange: 'BSE', lotSize: 20, strikeStep: 100 });
  });

  it('streams an enriched chain to a graphql-ws subscriber, then serves it stored, and serves the earlier one with `at`', { timeout: 90_000 }, async () => {
    const { data } = await graphql<{ expiries: string[] }>('{ expiries(symbol: "NIFTY") }');
    const expiry = data!.expiries[0];
    expect(expiry).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const received: any[] = [];
    const unsubscribe = ws.subscribe(
      { query: `subscription($expiry: Date!) { chainUpdated(symbol: "NIFTY", expiry: $expiry) { ${CHAIN_FIELDS} } }`, variables: { expiry } },
      { next: (event) => void received.push(event), error: (error) => received.push({ error }), complete: () => {} },
    );
    try {
      await eventually(async () => (received.length >= 2 ? true : undefined), 'two subscription events');
    } finally {
      unsubscribe();
    }
    expect(received[0].errors).toBeUndefined();
    const first = received[0].data.chainUpdated;
    expect(first.symbol).toBe('NIFTY');
    expect(first.rows.length).toBeGreaterThan(10);
    const atm = first.rows.find((r: any) => r.strike === first.analytics.atmStrike);
    expect(atm.call.iv).toBeGreaterThan(0.01);
    expect(atm.call.delta).toBeGreaterThan(0.2);
    expect(atm.call.delta).toBeLessThan(0.8);
    expect(first.analytics.pcrOi).toBeGreaterThan(0);
    expect(first.analytics.gexConvention).toBe('dealer-long-calls-short-puts');

    // The stored chain: the latest, and the one at the first event's instant.
    const chainQuery = `query($expiry: Date!, $at: DateTime) { optionChain(symbol: "NIFTY", expiry: $expiry, at: $at) { ${CHAIN_FIELDS} } }`;
    const second = received[1].data.chainUpdated;
    const latest = await eventually(async () => {
      const result = await graphql(chainQuery, { expiry });
      const chain = result.data?.optionChain;
      return chain && Date.parse(chain.timestamp) >= Date.parse(second.timestamp) ? chain : undefined;
    }, 'the stored chain');
    expect(latest.rows.length).toBe(first.rows.length);

    // The latest chain may come from the cache as soon as it is processed;
    // `at` reads what storage has written, so wait for that too.
    const earlier = await eventually(async () => {
      const chain = (await graphql(chainQuery, { expiry, at: first.timestamp })).data?.optionChain;
      return chain?.timestamp === first.timestamp ? chain : undefined;
      // Storage runs behind the live stream by however loaded the machine is (40 snapshots a second here).
    }, 'the stored snapshot at the first event', 45_000);
    expect(earlier.rows).toEqual(first.rows);
    expect(earlier.analytics.maxPain).toBe(first.analytics.maxPain);
  });

  it('answers a bad argument with a typed error naming it', async () => {
    const unknown = await graphql('{ optionChain(symbol: "NIFTYY", expiry: "2026-12-29") { symbol } }');
    expect(unknown.errors?.[0].message).toMatch(/Unknown symbol "NIFTYY"/);
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'symbol' });

    const badDate = await graphql('query($e: Date!) { optionChain(symbol: "NIFTY", expiry: $e) { symbol } }', { e: '2026-13-40' });
    expect(badDate.errors?.[0].message).toMatch(/Argument "expiry" must be a calendar date YYYY-MM-DD.*"2026-13-40"/);
    expect(badDate.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'expiry' });

    const badAt = await graphql('{ optionChain(symbol: "NIFTY", expiry: "2026-12-29", at: "yesterday") { symbol } }');
    expect(badAt.errors?.[0].message).toMatch(/Argument "at" must be an ISO-8601 timestamp/);
    expect(badAt.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'at' });
  });

  it('refuses a subscription to an expiry that gets no more updates, up front over graphql-ws (regression: it never delivered)', async () => {
    const event = await new Promise<any>((resolve) => {
      ws.subscribe(
        { query: 'subscription { chainUpdated(symbol: "NIFTY", expiry: "2020-01-07") { timestamp } }' },
        { next: resolve, error: (errors) => resolve({ errors }), complete: () => resolve({ completed: true }) },
      );
    });
    expect(event.errors?.[0].message).toMatch(/^No updates will come for NIFTY expiry 2020-01-07: it expired at 15:30 IST on 2020-01-07; expiries of NIFTY with data: /);
    expect(event.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'expiry' });
  });
});
