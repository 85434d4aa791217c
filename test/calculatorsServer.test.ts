/**
 * The calculators through the real server (buildApp on port 0, simulator-fed
 * and live, on PGlite or, with DATABASE_URL, a fresh PostgreSQL database), as
 * a client uses them: the templates and the strategy query over HTTP, typed
 * errors naming the leg and field, and the live strategyUpdated over
 * graphql-ws, two identical subscribers sharing one execution.
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
let expiries: string[];

/* eslint-disable @typescript-eslint/no-explicit-any */
async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, any> }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(20_000) });
  return (await response.json()) as never;
}

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    EXPIRIES_PER_SYMBOL: '2',
    SIM_TICK_MS: '250',
    SIM_SPEED: '60',
    SIM_CLOCK: 'always-open',
    SIM_STRIKES_EACH_SIDE: '10',
    SIM_INSTITUTIONAL_DAYS: '0',
    IMPORT_SCAN_SECONDS: '0',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('calculators-server'),
  });
  app = await buildApp(config, { database });
  ({ url, port } = await app.start(0));
  ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  expiries = await waitFor(async () => {
    const listed = await graphql('{ expiryList(symbol: "NIFTY") { date hasData } }');
    const withData = (listed.data?.expiryList ?? []).filter((e: any) => e.hasData).map((e: any) => e.date);
    return withData.length >= 2 ? withData : undefined;
  }, 'both NIFTY expiries stored');
}, 90_000);

afterAll(async () => {
  await ws?.dispose();
  await app?.stop();
  await database?.close();
});

const STRATEGY = `query($input: StrategyInput!) { strategy(input: $input) {
  netPremium netPremiumKind pnlNow legs { units entryPrice iv }
  horizons { kind breakevens { spot } maxProfit maxLoss maxLossUnlimited lognormal { probabilityOfProfit } smileImplied { probabilityOfProfit } }
  greeks { delta vega } } }`;

describe('calculators through the real server', () => {
  it('lists the templates, instantiates a calendar across both expiries and evaluates it over HTTP', async () => {
    const templates = await graphql('{ strategyTemplates { name needsFarExpiry } }');
    expect(templates.data.strategyTemplates.length).toBeGreaterThanOrEqual(20);
    const legs = await graphql('query($e: Date!, $f: Date!) { strategyTemplate(symbol: "NIFTY", name: "CALL_CALENDAR", expiry: $e, farExpiry: $f) { instrument right strike expiry action lots } }', { e: expiries[0], f: expiries[1] });
    expect(legs.errors).toBeUndefined();
    expect(legs.data.strategyTemplate.map((l: any) => l.expiry)).toEqual([expiries[0], expiries[1]]);
    const result = await graphql(STRATEGY, { input: { symbol: 'NIFTY', legs: legs.data.strategyTemplate } });
    expect(result.errors).toBeUndefined();
    const s = result.data.strategy;
    expect(s.netPremiumKind).toBe('DEBIT');
    expect(s.horizons[0].maxLoss).toBeLessThan(0);
    expect(s.horizons[0].lognormal.probabilityOfProfit).toBeGreaterThan(0);
    expect(s.legs[0].units).toBeLessThan(0);
  });

  it('answers bad input with BAD_USER_INPUT naming the leg and field', async () => {
    const leg = { instrument: 'OPTION', right: 'PUT', strike: 1, expiry: expiries[0], action: 'BUY', lots: 1 };
    const result = await graphql(STRATEGY, { input: { symbol: 'NIFTY', legs: [{ ...leg, instrument: 'FUTURE' }, leg] } });
    expect(result.data).toBeNull();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.legs[1].strike', field: 'strike', leg: 1 });
  });

  it('re-prices a strategy live over graphql-ws, one shared execution for two identical subscribers', async () => {
    const chain = await graphql('query($e: Date!) { optionChain(symbol: "NIFTY", expiry: $e) { analytics { atmStrike } } }', { e: expiries[0] });
    const atm = chain.data.optionChain.analytics.atmStrike;
    const input = { symbol: 'NIFTY', legs: [{ instrument: 'OPTION', right: 'CALL', strike: atm, expiry: expiries[0], action: 'SELL', lots: 1 }, { instrument: 'OPTION', right: 'PUT', strike: atm, expiry: expiries[0], action: 'SELL', lots: 1 }] };
    const query = 'subscription($input: StrategyInput!) { strategyUpdated(input: $input) { valuedAt pnlNow greeks { delta } } }';
    const received: any[][] = [[], []];
    const unsubscribes = received.map((events) =>
      ws.subscribe({ query, variables: { input } }, { next: (value) => events.push(value), error: (error) => events.push({ error }), complete: () => undefined }),
    );
    await waitFor(() => (received.every((events) => events.length >= 2) ? true : undefined), 'two live re-pricings on each subscriber', 30_000);
    const stats = app.services.sharedSubscriptions!();
    expect(stats.executions).toBe(1);
    expect(stats.subscribers).toBe(2);
    for (const events of received) {
      expect(events[0].errors).toBeUndefined();
      expect(typeof events[0].data.strategyUpdated.pnlNow).toBe('number');
      expect(events[1].data.strategyUpdated.valuedAt > events[0].data.strategyUpdated.valuedAt).toBe(true);
    }
    unsubscribes.forEach((unsubscribe) => unsubscribe());
  });
});
