/**
 * opportunities through the real server (buildApp on port 0, simulator-fed,
 * on PGlite or, with DATABASE_URL, a fresh PostgreSQL database), over HTTP
 * as a client sends it. The simulated chains sit on their smile and on
 * parity, so once the feed stops the test stores one more NIFTY front chain
 * with three planted mispricings (an OTM put 4 vol points over the smile, the
 * ATM call bid 6 points over parity, the ATM IV 3 vol points over the next
 * expiry's) and checks that the scanner finds them, ranks, pages, and that
 * every leg names a strike its chain lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { findChain, toEnrichedSnapshot } from '../db/queries/readChain.ts';
import { latestChainPrefix } from '../schema/chain.ts';
import { waitFor } from './support/waitFor.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { EnrichedSnapshot } from '../core/models.ts';

const SYMBOLS = ['NIFTY', 'BANKNIFTY'];

let app: App;
let database: DatabaseHandle;
let url: string;
let planted: EnrichedSnapshot;
let richStrike: number;

/* eslint-disable @typescript-eslint/no-explicit-any */
async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, any> }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(20_000) });
  return (await response.json()) as never;
}

const EXPIRIES = 'query($symbol: String!) { expiryList(symbol: $symbol) { date hasData } }';

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: SYMBOLS.join(','),
    EXPIRIES_PER_SYMBOL: '2',
    SIM_TICK_MS: '200',
    SIM_SPEED: '60',
    SIM_CLOCK: 'always-open',
    SIM_STRIKES_EACH_SIDE: '10',
    SIM_INSTITUTIONAL_DAYS: '0',
    IMPORT_SCAN_SECONDS: '0',
    CACHE_TTL_SECONDS: '600',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('opportunities-server'),
  });
  app = await buildApp(config, { database });
  ({ url } = await app.start(0));
  // Both expiries of every symbol stored and the front ones analysed, then the source stopped: what follows reads a still database.
  await waitFor(
    async () => {
      for (const symbol of SYMBOLS) {
        const { data } = await graphql(EXPIRIES, { symbol });
        const withData = data?.expiryList?.filter((e: any) => e.hasData) ?? [];
        if (withData.length < 2) return undefined;
        const analysed = await graphql('query($symbol: String!, $expiry: Date!) { supportResistance(symbol: $symbol, expiry: $expiry) { timestamp } }', { symbol, expiry: withData[0].date });
        if (!analysed.data?.supportResistance) return undefined;
      }
      return true;
    },
    'both expiries of every symbol stored and analysed',
    90_000,
    500,
  );
  await app.services.ingest?.stop();
  await app.services.bus.drain();
  await new Promise((resolve) => setTimeout(resolve, 500));

  // The planted NIFTY front chain, stored as the latest one and the cache told, as the storage role tells it.
  const { data } = await graphql(EXPIRIES, { symbol: 'NIFTY' });
  const [front, next] = data.expiryList.filter((e: any) => e.hasData).map((e: any) => e.date);
  const latest = toEnrichedSnapshot((await findChain(database.db, 'NIFTY', front))!);
  const nextChain = toEnrichedSnapshot((await findChain(database.db, 'NIFTY', next))!);
  const atm = latest.analytics.atmStrike!;
  const rows = latest.rows;
  const atmIndex = rows.findIndex((r) => r.strike === atm);
  richStrike = rows[atmIndex - 4].strike;
  planted = {
    ...latest,
    id: 'planted-mispricings',
    timestamp: latest.timestamp + 1,
    analytics: { ...latest.analytics, atmIv: nextChain.analytics.atmIv! + 0.03 },
    rows: rows.map((r, i) =>
      i === atmIndex - 4
        ? { ...r, put: { ...r.put!, iv: r.put!.iv! + 0.04 } }
        : i === atmIndex
          ? { ...r, call: { ...r.call!, bid: r.call!.bid! + 6, ask: r.call!.ask! + 6 } }
          : r,
    ),
  };
  await database.write([planted]);
  await app.services.cache?.invalidate({ prefix: latestChainPrefix('NIFTY') });
}, 150_000);

afterAll(async () => {
  await app?.stop();
  await database?.close();
}, 30_000);

const OPPORTUNITIES = `query($symbols: [String!], $kinds: [OpportunityKind!], $first: Int, $after: String) {
  opportunities(symbols: $symbols, kinds: $kinds, first: $first, after: $after) {
    edges { cursor node { kind symbol expiry timestamp score reason values { name value } legs { kind side strike expiry action lots } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** Every page of `variables`' opportunities, `first` at a time. */
async function allPages(variables: Record<string, unknown>, first: number) {
  const pages: any[] = [];
  let after: string | undefined;
  for (;;) {
    const { data, errors } = await graphql(OPPORTUNITIES, { ...variables, first, after });
    expect(errors).toBeUndefined();
    pages.push(data.opportunities);
    if (!data.opportunities.pageInfo.hasNextPage) return pages;
    after = data.opportunities.pageInfo.endCursor;
  }
}

describe('opportunities on the real server', () => {
  it('finds the planted rich put, conversion and term inversion, ranked by score, with legs on listed strikes', async () => {
    const { data, errors } = await graphql(OPPORTUNITIES, { symbols: SYMBOLS, first: 100 });
    expect(errors).toBeUndefined();
    const nodes = data.opportunities.edges.map((e: any) => e.node);
    const scores = nodes.map((n: any) => n.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const n of scores) expect(n).toBeGreaterThanOrEqual(0);
    const nifty = (kind: string) => nodes.filter((n: any) => n.symbol === 'NIFTY' && n.kind === kind);
    const value = (node: any, name: string) => node.values.find((v: any) => v.name === name)?.value;
    expect(nifty('RICH_VS_SMILE').map((n: any) => value(n, 'strike'))).toContain(richStrike);
    expect(nifty('CONVERSION').map((n: any) => value(n, 'strike'))).toContain(planted.analytics.atmStrike);
    const [inversion] = nifty('TERM_INVERSION');
    expect(value(inversion, 'inversionVolPoints')).toBeCloseTo(3, 6);
    expect(inversion.legs.map((l: any) => [l.kind, l.side, l.action])).toEqual([
      ['OPTION', 'CALL', 'SELL'],
      ['OPTION', 'CALL', 'BUY'],
    ]);
    const conversion = nifty('CONVERSION')[0];
    expect(conversion.legs.map((l: any) => [l.kind, l.side, l.action])).toEqual([
      ['OPTION', 'CALL', 'SELL'],
      ['OPTION', 'PUT', 'BUY'],
      ['FUTURE', null, 'BUY'],
    ]);
    // Every option leg names a strike listed in its expiry's chain.
    for (const node of nodes) {
      for (const leg of node.legs) {
        if (leg.kind === 'FUTURE') {
          expect(leg.strike).toBeNull();
          continue;
        }
        const chain = await graphql('query($symbol: String!, $expiry: Date!) { optionChain(symbol: $symbol, expiry: $expiry) { rows { strike } } }', { symbol: node.symbol, expiry: leg.expiry });
        expect(chain.data.optionChain.rows.map((r: any) => r.strike)).toContain(leg.strike);
      }
    }
    console.log(`opportunities: ${nodes.map((n: any) => `${n.symbol} ${n.kind} ${n.score.toFixed(3)}`).join(', ')}`);
  });

  it('pages through the same ranking first/after, hasNextPage false on the last page', async () => {
    const { data } = await graphql(OPPORTUNITIES, { symbols: SYMBOLS, first: 100 });
    const all = data.opportunities.edges.map((e: any) => e.cursor);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const pages = await allPages({ symbols: SYMBOLS }, 2);
    expect(pages.flatMap((p) => p.edges.map((e: any) => e.cursor))).toEqual(all);
    expect(pages.slice(0, -1).every((p) => p.edges.length === 2 && p.pageInfo.hasNextPage)).toBe(true);
    expect(pages.at(-1).pageInfo.hasNextPage).toBe(false);
    // Relay's PageInfo (the plugin's): the page's first and last cursors, a previous page on every page read after a cursor.
    for (const [i, page] of pages.entries()) {
      expect(page.pageInfo).toMatchObject({ hasPreviousPage: i > 0, startCursor: page.edges[0].cursor, endCursor: page.edges.at(-1).cursor });
    }
    // Cursors are opaque (base64url, no JSON or names in clear) and stable: the same item has the same cursor in a later request.
    for (const cursor of all) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const again = await graphql(OPPORTUNITIES, { symbols: SYMBOLS, first: 100 });
    expect(again.data.opportunities.edges.map((e: any) => e.cursor)).toEqual(all);
  });

  it('keeps only the kinds asked for', async () => {
    const { data } = await graphql(OPPORTUNITIES, { kinds: ['CONVERSION', 'REVERSAL'], first: 100 });
    expect(data.opportunities.edges.length).toBeGreaterThan(0);
    expect(new Set(data.opportunities.edges.map((e: any) => e.node.kind))).toEqual(new Set(['CONVERSION']));
  });

  it('refuses a bad first, after or symbol with BAD_USER_INPUT naming the argument', async () => {
    const badFirst = await graphql(OPPORTUNITIES, { first: 0 });
    expect(badFirst.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    const badAfter = await graphql(OPPORTUNITIES, { after: 'nonsense' });
    expect(badAfter.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    const badSymbol = await graphql(OPPORTUNITIES, { symbols: ['NOPE'] });
    expect(badSymbol.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'symbols' });
  });
});
