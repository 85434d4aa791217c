/**
 * The read surface of one screen through the real server (buildApp on port 0,
 * simulator-fed, on PGlite or, with DATABASE_URL, a fresh PostgreSQL
 * database), over HTTP as a client sends it: marketOverview for every
 * symbol, with the database statements of each request counted (the same
 * number for one symbol as for five), and optionCell for one cell of a chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir, simulatedEnrichedSnapshots } from './fixtures.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { findChain, toEnrichedSnapshot } from '../db/queries/readChain.ts';
import { istDate, istMidnight } from '../core/time/expiry.ts';
import { waitFor } from './support/waitFor.ts';
import type { DatabaseHandle } from '../db/client.ts';

const SYMBOLS = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX'];

let app: App;
let database: DatabaseHandle;
let url: string;
/** An earlier day of every symbol (November 2026), stored before the server starts: its last spots are the previous closes. */
const earlierDay: EnrichedSnapshot[] = simulatedEnrichedSnapshots(3, { symbols: SYMBOLS, strikesEachSide: 2 });
/** Every statement Drizzle sent, in order. */
const statements: string[] = [];

/* eslint-disable @typescript-eslint/no-explicit-any */
async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: { message: string; path?: unknown[]; extensions?: Record<string, any> }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(20_000) });
  return (await response.json()) as never;
}

/** The answer to `query` and the statements the database was sent while it was answered. */
async function counted(query: string, variables: Record<string, unknown> = {}) {
  const before = statements.length;
  const result = await graphql(query, variables);
  return { result, statements: statements.slice(before) };
}

beforeAll(async () => {
  database = await openTestDatabase({ onQuery: (sql) => statements.push(sql) });
  await database.write(earlierDay);
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: SYMBOLS.join(','),
    EXPIRIES_PER_SYMBOL: '1',
    SIM_TICK_MS: '200',
    SIM_SPEED: '60',
    SIM_CLOCK: 'always-open',
    SIM_STRIKES_EACH_SIDE: '10',
    SIM_INSTITUTIONAL_DAYS: '0',
    // Every analytics document stored: optionCell's buildup history (stored flows) must end with the flow optionFlow answers (the latest).
    ANALYTICS_STORE_INTERVAL_SECONDS: '0',
    IMPORT_SCAN_SECONDS: '0',
    CACHE_TTL_SECONDS: '600',
    // The raw rows of the day before stay (optionCell's previous close reads them).
    RETENTION_RAW: '30 days',
    RETENTION_HISTORY: '60 days',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('overview-server'),
  });
  app = await buildApp(config, { database });
  ({ url } = await app.start(0));
  // Every symbol analysed, its flows stored and a few buckets of session, then the source stopped: what follows reads a still database.
  await waitFor(
    async () => {
      const { data } = await graphql(`{ marketOverview(symbols: ${JSON.stringify(SYMBOLS)}) { symbol expiry moodIndex nearestSupport { peakStrike } } }`);
      if (!data?.marketOverview?.every((e: any) => e && e.moodIndex !== null && e.nearestSupport)) return undefined;
      const { expiry } = data.marketOverview[0];
      const flow = await graphql('query($expiry: Date!) { optionFlow(symbol: "NIFTY", expiry: $expiry) { timestamp } }', { expiry });
      if (!flow.data?.optionFlow) return undefined;
      // A few 5-minute buckets of session for optionCell's IV percentile.
      const atm = await graphql('{ optionChain(symbol: "NIFTY") { analytics { atmStrike } } }');
      const cell = await graphql('query($expiry: Date!, $strike: Float!) { optionCell(symbol: "NIFTY", expiry: $expiry, strike: $strike, side: CALL) { session { bucket } } }', { expiry, strike: atm.data.optionChain.analytics.atmStrike });
      return cell.data?.optionCell?.session.length >= 3 ? true : undefined;
    },
    'every symbol analysed',
    90_000,
    500,
  );
  await app.services.ingest?.stop();
  await app.services.bus.drain();
  await new Promise((resolve) => setTimeout(resolve, 500));
}, 150_000);

afterAll(async () => {
  await app?.stop();
  await database?.close();
}, 30_000);

const OVERVIEW = `query($symbols: [String!]) {
  marketOverview(symbols: $symbols) {
    symbol expiry timestamp spot previousClose previousCloseAt dayChangePoints dayChangePercent future basisPoints vix atmIv ivRank ivPercentile pcrOi maxPain moodIndex moodBand moodAt
    nearestSupport { peakStrike distancePoints strength } nearestResistance { peakStrike distancePoints strength }
    topOiChanges(first: 3) { strike side oiChangeContracts oiContracts }
  }
}`;

describe('marketOverview on the real server', () => {
  it('answers every symbol from its latest chain and stored analytics, as optionChain and marketMood answer them', async () => {
    const { result } = await counted(OVERVIEW, { symbols: SYMBOLS });
    expect(result.errors).toBeUndefined();
    const entries = result.data.marketOverview;
    expect(entries.map((e: any) => e.symbol)).toEqual(SYMBOLS);
    for (const entry of entries) {
      const { data } = await graphql(
        `query($symbol: String!, $expiry: Date!) {
          optionChain(symbol: $symbol, expiry: $expiry) { timestamp spot future vix analytics { atmIv pcrOi maxPain basis } }
          marketMood(symbol: $symbol) { index band }
          supportResistance(symbol: $symbol, expiry: $expiry) { support { peakStrike distancePoints } resistance { peakStrike distancePoints } }
        }`,
        { symbol: entry.symbol, expiry: entry.expiry },
      );
      const chain = data.optionChain;
      expect([entry.timestamp, entry.spot, entry.future, entry.vix]).toEqual([chain.timestamp, chain.spot, chain.future, chain.vix]);
      expect([entry.atmIv, entry.pcrOi, entry.maxPain, entry.basisPoints]).toEqual([chain.analytics.atmIv, chain.analytics.pcrOi, chain.analytics.maxPain, chain.analytics.basis]);
      expect([entry.moodIndex, entry.moodBand]).toEqual([data.marketMood.index, data.marketMood.band]);
      const nearest = (zones: any[]) => zones.reduce((a, b) => (b.distancePoints < a.distancePoints ? b : a)).peakStrike;
      expect(entry.nearestSupport.peakStrike).toBe(nearest(data.supportResistance.support));
      expect(entry.nearestResistance.peakStrike).toBe(nearest(data.supportResistance.resistance));
      expect(entry.nearestSupport.peakStrike).toBeLessThanOrEqual(entry.spot);
      // The previous close is the earlier day's last spot (or a simulated one from before the chain's IST day, should the simulated clock cross midnight).
      const earlier = earlierDay.filter((s) => s.symbol === entry.symbol).at(-1)!;
      const closeAt = Date.parse(entry.previousCloseAt);
      expect(closeAt).toBeGreaterThanOrEqual(earlier.timestamp);
      if (closeAt === earlier.timestamp) expect(entry.previousClose).toBe(earlier.spot);
      expect(entry.dayChangePoints).toBeCloseTo(entry.spot - entry.previousClose, 9);
      expect(entry.dayChangePercent).toBeCloseTo((100 * (entry.spot - entry.previousClose)) / entry.previousClose, 9);
      expect(entry.topOiChanges).toHaveLength(3);
      const sizes = entry.topOiChanges.map((c: any) => Math.abs(c.oiChangeContracts));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    }
  });

  it('makes the same number of database queries for five symbols as for one', async () => {
    const one = await counted(OVERVIEW, { symbols: ['NIFTY'] });
    const five = await counted(OVERVIEW, { symbols: SYMBOLS });
    const all = await counted(OVERVIEW, {});
    expect(one.result.errors).toBeUndefined();
    expect(five.result.errors).toBeUndefined();
    expect(all.result.data.marketOverview).toHaveLength(SYMBOLS.length);
    console.log(`marketOverview database statements: 1 symbol ${one.statements.length}, 5 symbols ${five.statements.length}, all ${all.statements.length}`);
    // At most the nearest expiries and previous closes, none when they are remembered from a request of the last SETTLED_READ_TTL_MS;
    // the moods and chain analytics come from the API's latest outputs in memory (schema/loaders.ts).
    for (const run of [one, five, all]) expect(run.statements.length).toBeLessThanOrEqual(2);
  });

  it('reads the nearest expiries and previous closes once for the requests of a few seconds', async () => {
    const settledRead = (statement: string) => /min\(expiry\)|chain_rollup_1m/.test(statement);
    const first = await counted(OVERVIEW, {});
    const again = await counted(OVERVIEW, {});
    expect(again.result.errors).toBeUndefined();
    expect(again.result.data.marketOverview.map((e: any) => e.previousClose)).toEqual(first.result.data.marketOverview.map((e: any) => e.previousClose));
    expect(again.result.data.marketOverview.map((e: any) => e.expiry)).toEqual(first.result.data.marketOverview.map((e: any) => e.expiry));
    expect(again.statements.filter(settledRead)).toEqual([]);
  });

  it('refuses an unknown symbol with BAD_USER_INPUT naming symbols', async () => {
    const unknown = await graphql(OVERVIEW, { symbols: ['NIFTY', 'NOPE'] });
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'symbols' });
  });
});

const CELL = `query($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!) {
  optionCell(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side) {
    symbol expiry strike side timestamp spot
    quote { ltp bid ask oi iv delta gamma theta vega theoreticalPrice }
    previousClose { ltp iv delta } previousCloseAt
    dayChange { ltpPoints ivVolPoints delta gamma theta vega oiContracts }
    marketVersusTheoreticalVolPoints
    flow { oi changeSincePreviousClose windows { windowMinutes velocity } buildups { windowMinutes kind oiChangeContracts } }
    buildupHistory { timestamp oiContracts buildups { windowMinutes kind oiChangeContracts } }
    flowAt sessionIvPercentile sessionIvLow sessionIvHigh
    session { bucket ivLast ivAvg oiLast volumeLast priceClose }
    sessionVersusModel { bucket marketPrice marketIv modelIv volPoints pricePoints rupeesPerLot }
  }
}`;

describe('optionCell on the real server', () => {
  it('answers one cell with the quote optionChain has, the flow optionFlow has, and its session so far', async () => {
    const { data } = await graphql('{ optionChain(symbol: "NIFTY") { expiry timestamp analytics { atmStrike } rows { strike call { ltp bid ask oi iv delta gamma theta vega theoreticalPrice } } } }');
    const chain = data.optionChain;
    const strike = chain.analytics.atmStrike;
    const result = await graphql(CELL, { symbol: 'NIFTY', expiry: chain.expiry, strike, side: 'CALL' });
    expect(result.errors).toBeUndefined();
    const cell = result.data.optionCell;
    expect(cell).toMatchObject({ symbol: 'NIFTY', expiry: chain.expiry, strike, side: 'CALL', timestamp: chain.timestamp });
    expect(cell.quote).toEqual(chain.rows.find((r: any) => r.strike === strike).call);
    const { quote } = cell;
    const mid = quote.bid !== null && quote.ask !== null ? (quote.bid + quote.ask) / 2 : quote.ltp;
    expect(cell.marketVersusTheoreticalVolPoints).toBeCloseTo((mid - quote.theoreticalPrice) / quote.vega, 9);

    const flow = await graphql('query($expiry: Date!) { optionFlow(symbol: "NIFTY", expiry: $expiry) { timestamp strikes { strike call { oi changeSincePreviousClose windows { windowMinutes velocity } buildups { windowMinutes kind oiChangeContracts } } } } }', { expiry: chain.expiry });
    expect(cell.flowAt).toBe(flow.data.optionFlow.timestamp);
    expect(cell.flow).toEqual(flow.data.optionFlow.strikes.find((r: any) => r.strike === strike).call);
    expect(cell.flow.windows.length).toBeGreaterThan(0);
    expect(cell.flow.buildups.at(-1).windowMinutes).toBeNull();
    // The buildup history ends with the flow optionFlow answers.
    const history = cell.buildupHistory.map((p: any) => Date.parse(p.timestamp));
    expect(history).toEqual([...history].sort((a, b) => a - b));
    expect(cell.buildupHistory.at(-1)).toEqual({ timestamp: cell.flowAt, oiContracts: cell.flow.oi, buildups: cell.flow.buildups });

    expect(cell.session.length).toBeGreaterThan(0);
    const buckets = cell.session.map((p: any) => Date.parse(p.bucket));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    for (const bucket of buckets) expect(bucket % 300_000).toBe(0);
    expect(cell.session.at(-1).ivLast).toBe(quote.iv);
    const ivs = cell.session.map((p: any) => p.ivLast).filter((v: any) => v !== null);
    expect(cell.sessionIvPercentile).toBeCloseTo((100 * ivs.filter((v: number) => v < quote.iv).length) / ivs.length, 9);
    expect([cell.sessionIvLow, cell.sessionIvHigh]).toEqual([Math.min(...ivs), Math.max(...ivs)]);
    expect(cell.session.at(-1).priceClose).toBe(quote.ltp);

    // Market against the model at the session's ATM IV: the chain's 5-minute buckets of the same session.
    const from = new Date(buckets[0]).toISOString();
    const atm = await graphql('query($expiry: Date!, $from: DateTime!, $to: DateTime!) { chainHistory(symbol: "NIFTY", expiry: $expiry, from: $from, to: $to, interval: FIVE_MINUTES) { bucket atmIv } }', {
      expiry: chain.expiry, from, to: new Date(Date.parse(cell.timestamp) + 1).toISOString(),
    });
    const atmIvs = new Map(atm.data.chainHistory.map((p: any) => [p.bucket, p.atmIv]));
    expect(cell.sessionVersusModel.length).toBeGreaterThan(0);
    for (const point of cell.sessionVersusModel) {
      const own = cell.session.find((p: any) => p.bucket === point.bucket);
      expect(point.marketIv).toBe(own.ivLast);
      expect(point.marketPrice).toBe(own.priceClose);
      expect(point.modelIv).toBe(atmIvs.get(point.bucket));
      expect(point.volPoints).toBeCloseTo((point.marketIv - point.modelIv) * 100, 9);
    }
    const last = cell.sessionVersusModel.at(-1);
    expect(last.pricePoints).toBeCloseTo(last.volPoints * quote.vega, 9);
    console.log(`optionCell NIFTY ${chain.expiry} ${strike} CE: iv ${quote.iv}, ${cell.session.length} session buckets, ${cell.buildupHistory.length} buildup points, IV percentile ${cell.sessionIvPercentile}, market − theoretical ${cell.marketVersusTheoreticalVolPoints?.toFixed(3)} vol points`);
  });

  it('refuses a strike not in the chain naming strike and listing the strikes, and an expiry without a chain with NO_DATA naming expiry', async () => {
    const { data } = await graphql('{ optionChain(symbol: "NIFTY") { expiry rows { strike } } }');
    const strikes = data.optionChain.rows.map((r: any) => r.strike);
    const bad = await graphql(CELL, { symbol: 'NIFTY', expiry: data.optionChain.expiry, strike: strikes[0] + 1, side: 'PUT' });
    expect(bad.data.optionCell).toBeNull();
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'strike', strikes });
    const noChain = await graphql(CELL, { symbol: 'NIFTY', expiry: '2020-01-02', strike: strikes[0], side: 'PUT' });
    expect(noChain.errors![0].extensions).toMatchObject({ code: 'NO_DATA', argument: 'expiry' });
    const unknown = await graphql(CELL, { symbol: 'NOPE', expiry: data.optionChain.expiry, strike: strikes[0], side: 'PUT' });
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'symbol' });
  });
});

describe('optionCell day change on the real server', () => {
  it("answers the cell's day change against the expiry's last chain stored before the IST day", async () => {
    const { data } = await graphql('{ optionChain(symbol: "NIFTY") { expiry timestamp analytics { atmStrike } } }');
    const { expiry, analytics } = data.optionChain;
    const timestamp = Date.parse(data.optionChain.timestamp);
    // The latest chain, stored again as if taken an hour before the IST day began, a little different at the ATM call.
    const latest = toEnrichedSnapshot((await findChain(database.db, 'NIFTY', expiry))!);
    const dayStart = istMidnight(istDate(timestamp));
    const shift = (q: any) => ({ ...q, ltp: q.ltp - 5, iv: q.iv - 0.01, delta: q.delta - 0.1, gamma: q.gamma / 2, theta: q.theta + 1, vega: q.vega - 2, oi: q.oi - 100 });
    const before = {
      ...latest,
      id: 'the-day-before',
      timestamp: dayStart - 3_600_000,
      rows: latest.rows.map((r) => (r.strike === analytics.atmStrike ? { ...r, call: shift(r.call) } : r)),
    };
    await database.write([before]);
    const result = await graphql(CELL, { symbol: 'NIFTY', expiry, strike: analytics.atmStrike, side: 'CALL' });
    expect(result.errors).toBeUndefined();
    const cell = result.data.optionCell;
    expect(Date.parse(cell.previousCloseAt)).toBe(before.timestamp);
    const now = latest.rows.find((r) => r.strike === analytics.atmStrike)!.call!;
    expect(cell.dayChange.ltpPoints).toBeCloseTo(5, 9);
    expect(cell.dayChange.ivVolPoints).toBeCloseTo(1, 9);
    expect(cell.dayChange.delta).toBeCloseTo(0.1, 9);
    expect(cell.dayChange.gamma).toBeCloseTo(now.gamma! / 2, 12);
    expect(cell.dayChange.theta).toBeCloseTo(-1, 9);
    expect(cell.dayChange.vega).toBeCloseTo(2, 9);
    expect(cell.dayChange.oiContracts).toBeCloseTo(100, 9);
    // The same day change is what a client computes from the two quotes served.
    expect(cell.quote.delta - cell.previousClose.delta).toBeCloseTo(cell.dayChange.delta, 12);
  });
});
