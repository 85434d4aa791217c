/**
 * Two API processes, one subscriber: an update processed behind one replica
 * reaches a graphql-ws subscriber connected to the other, through Redis.
 * Replica B has a bus of its own that carries nothing, so whatever it
 * delivers came over Redis. Runs where REDIS_URL names a server (CI does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { InProcessBus } from '../pipeline/bus.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/queries/expireRaw.ts';
import { waitFor } from './support/waitFor.ts';

describe.skipIf(!process.env.REDIS_URL)('API replicas behind Redis', () => {
  let database: DatabaseHandle;
  let pipelineAndApiA: App;
  let apiB: App;
  let clientB: Client;
  let portB: number;

  beforeAll(async () => {
    database = await openTestDatabase();
    const common = { DATA_DIR: scratchDir('replicas'), REDIS_URL: process.env.REDIS_URL, SYMBOLS: 'NIFTY', LOG_LEVEL: 'silent', HOST: '127.0.0.1', SIM_TICK_MS: '50', SIM_SPEED: '60', SIM_STRIKES_EACH_SIDE: '5', ANALYTICS_STORE_INTERVAL_SECONDS: '300' };
    pipelineAndApiA = await buildApp(loadConfig({ ...common, ROLE: 'all' }), { database });
    apiB = await buildApp(loadConfig({ ...common, ROLE: 'api' }), { database, bus: new InProcessBus() });
    await apiB.start(0).then((r) => (portB = r.port));
    clientB = createClient({ url: `ws://127.0.0.1:${portB}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
  });

  afterAll(async () => {
    await clientB?.dispose();
    await apiB?.stop();
    await pipelineAndApiA?.stop();
    await database?.close();
  });

  it('delivers to a subscriber of replica B what replica A processed', async () => {
    const expiries = await fetch(`http://127.0.0.1:${portB}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ expiries(symbol: "NIFTY") }' }),
    }).then((r) => r.json() as Promise<{ data: { expiries: string[] } }>);
    const expiry = expiries.data.expiries[0];
    const received = new Promise<{ symbol: string; rows: unknown[] }>((resolve, reject) => {
      clientB.subscribe<{ chainUpdated: { symbol: string; rows: unknown[] } }>(
        { query: `subscription { chainUpdated(symbol: "NIFTY", expiry: "${expiry}") { symbol rows { strike } } }` },
        { next: (event) => resolve(event.data!.chainUpdated), error: reject, complete: () => {} },
      );
    });
    // Start the pipeline only once B's subscriber is listening.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pipelineAndApiA.start(0);
    const chain = await received;
    expect(chain.symbol).toBe('NIFTY');
    expect(chain.rows.length).toBeGreaterThan(5);
    expect(apiB.services.published.count).toBe(0);
  });

  it('answers on replica B the latest mood replica A received, not the older one stored (documents are stored every 300 s here)', async () => {
    const storedAt = async () => {
      const [row] = rowsOf<{ ms: number | null }>(await database.db.execute(sql`select (extract(epoch from max(ts)) * 1000)::float8 as ms from analytics_mood where intelligence is not null`));
      return row.ms === null ? null : Number(row.ms);
    };
    const moodOfB = async () => {
      const response = await fetch(`http://127.0.0.1:${portB}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ marketMood(symbol: "NIFTY") { timestamp } }' }) });
      const { data } = (await response.json()) as { data?: { marketMood: { timestamp: string } | null } };
      return data?.marketMood ? Date.parse(data.marketMood.timestamp) : null;
    };
    await waitFor(
      async () => {
        const [stored, answered] = [await storedAt(), await moodOfB()];
        return stored !== null && answered !== null && answered > stored ? true : undefined;
      },
      'replica B answering a mood newer than the stored one',
      20_000,
      100,
    );
    expect(apiB.services.latestAnalytics?.size().moods).toBe(1);
  });
});
