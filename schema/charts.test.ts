import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from 'graphql';
import { createPubSub } from 'graphql-yoga';
import { schema } from './index.ts';
import type { ChainPubSub, Context } from './builder.ts';
import { openTestDatabase } from '../test/database.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { chainHistory } from '../db/queries/chainHistory.ts';
import { strikeHistory } from '../db/queries/strikeHistory.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { instrumentTable } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { ConcurrencyLimit } from '../core/concurrencyLimit.ts';

const instruments = instrumentTable();
const START = Date.UTC(2026, 10, 23, 5, 0);

function enrichedSnapshots(ticks: number): EnrichedSnapshot[] {
  const simulator = new MarketSimulator({
    instruments,
    symbols: ['NIFTY'],
    seed: 5,
    tickIntervalMs: 1000,
    speed: 30,
    clock: 'market',
    startTime: START,
    strikesEachSide: 4,
  });
  const out: EnrichedSnapshot[] = [];
  for (let i = 0; i < ticks; i++) {
    for (const raw of simulator.tick()) out.push(enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065, now: () => raw.timestamp + 5 }));
  }
  return out;
}

const QUERY = /* GraphQL */ `
  query History($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {
    chainHistory(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval) {
      bucket
      pcrOi
      maxPain
      atmIv
      spot
      totalOi
      straddle
      atmStrike
    }
  }
`;

describe('the chainHistory query', () => {
  let database: DatabaseHandle;
  let context: Context;
  let expiry: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    const snapshots = enrichedSnapshots(60);
    expiry = snapshots[0].expiry;
    await database.write(snapshots);
    context = {
      db: database.db,
      instruments,
      pubsub: createPubSub() as ChainPubSub,
      holidays: new Set(),
      now: () => START + 3_600_000,
      databaseLimit: new ConcurrencyLimit({ concurrency: 2, maxQueued: 10, timeoutMs: 10_000 }),
    };
  });
  afterAll(async () => {
    await database?.close();
  });

  const run = (variables: Record<string, unknown>) =>
    graphql({
      schema,
      source: QUERY,
      contextValue: context,
      variableValues: {
        symbol: 'NIFTY',
        expiry,
        from: new Date(START).toISOString(),
        to: new Date(START + 3_600_000).toISOString(),
        interval: 'FIVE_MINUTES',
        ...variables,
      },
    });

  it('answers the buckets of the stored snapshots, as the database query computes them', async () => {
    const result = await run({ symbol: 'nifty' });
    expect(result.errors).toBeUndefined();
    const points = (result.data as { chainHistory: Record<string, unknown>[] }).chainHistory;
    const direct = await chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(START), to: new Date(START + 3_600_000), interval: '5m' });
    expect(points.length).toBeGreaterThan(1);
    expect(points).toEqual(direct.map((p) => ({ ...p, bucket: p.bucket.toISOString() })));
    expect(points[0].bucket).toBe('2026-11-23T05:00:00.000Z');
    expect(new Date(points[1].bucket as string).getTime() - new Date(points[0].bucket as string).getTime()).toBe(300_000);
  });

  it('accepts every interval, with one bucket per day at ONE_DAY', async () => {
    for (const interval of ['ONE_MINUTE', 'FIVE_MINUTES', 'FIFTEEN_MINUTES', 'ONE_HOUR', 'ONE_DAY']) {
      const result = await run({ interval });
      expect(result.errors, interval).toBeUndefined();
    }
    const day = await run({ interval: 'ONE_DAY' });
    expect((day.data as { chainHistory: { bucket: string }[] }).chainHistory.map((p) => p.bucket)).toEqual(['2026-11-23T00:00:00.000Z']);
  });

  it.each([
    ['an unknown symbol', { symbol: 'NOPE' }, 'symbol', /Unknown symbol "NOPE"/],
    ['a malformed expiry', { expiry: '2026-13-01' }, 'expiry', /must be a calendar date/],
    ['a malformed from', { from: 'yesterday' }, 'from', /must be an ISO-8601 timestamp/],
    ['a malformed to', { to: '2026-11-23' }, 'to', /must be an ISO-8601 timestamp/],
    ['a year-0 from (regression: INTERNAL_SERVER_ERROR from SQL)', { from: '0000-01-01T00:00:00Z' }, 'from', /^Argument "from" must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z/],
    ['a to without a time zone (regression: read as UTC)', { to: '2026-11-23T11:30:00' }, 'to', /^Argument "to" has no time zone/],
    ['to equal to from', { to: new Date(START).toISOString() }, 'to', /must be after "from"/],
    ['to before from', { to: new Date(START - 60_000).toISOString() }, 'to', /must be after "from"/],
    ['too many buckets', { interval: 'ONE_MINUTE', to: new Date(START + 5_001 * 60_000).toISOString() }, 'interval', /5001 buckets of 1 minute, more than 5000/],
  ])('refuses %s with a BAD_USER_INPUT error naming the argument', async (_name, variables, argument, message) => {
    const result = await run(variables);
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].message).toMatch(message);
    expect(result.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
  });

  it('chainSeries: the chosen figures of chainHistory\'s points as columns aligned with its buckets, in the order asked', async () => {
    const variables = { symbol: 'NIFTY', expiry, from: new Date(START).toISOString(), to: new Date(START + 3_600_000).toISOString(), interval: 'FIVE_MINUTES' };
    const history = ((await run(variables)).data as { chainHistory: Record<string, unknown>[] }).chainHistory;
    const result = await graphql({
      schema,
      source: `query($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {
        chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval, fields: [ATM_IV, SPOT, PCR_OI, MAX_PAIN, TOTAL_OI, SPOT, STRADDLE, ATM_STRIKE]) {
          buckets columns { field unit values } } }`,
      contextValue: context,
      variableValues: variables,
    });
    expect(result.errors).toBeUndefined();
    const series = (result.data as { chainSeries: { buckets: string[]; columns: { field: string; unit: string; values: (number | null)[] }[] } }).chainSeries;
    expect(series.buckets).toEqual(history.map((p) => p.bucket));
    expect(series.columns.map((c) => [c.field, c.unit])).toEqual([
      ['ATM_IV', 'decimal'],
      ['SPOT', 'index points'],
      ['PCR_OI', 'ratio'],
      ['MAX_PAIN', 'index points'],
      ['TOTAL_OI', 'contracts'],
      ['STRADDLE', 'index points'],
      ['ATM_STRIKE', 'index points'],
    ]);
    const keys = { ATM_IV: 'atmIv', SPOT: 'spot', PCR_OI: 'pcrOi', MAX_PAIN: 'maxPain', TOTAL_OI: 'totalOi', STRADDLE: 'straddle', ATM_STRIKE: 'atmStrike' } as const;
    const straddles = series.columns.find((c) => c.field === 'STRADDLE')!.values;
    expect(straddles.every((v) => typeof v === 'number' && v > 0)).toBe(true);
    for (const column of series.columns) expect(column.values).toEqual(history.map((p) => p[keys[column.field as keyof typeof keys]]));
  });

  it.each([
    ['no fields', 'fields: []', 'fields'],
    ['to before from', 'fields: [SPOT], to: "2026-11-23T04:00:00Z"', 'to'],
    ['a malformed expiry', 'fields: [SPOT], expiry: "2026-02-30"', 'expiry'],
  ])('chainSeries refuses %s with a BAD_USER_INPUT error naming the argument', async (_name, override, argument) => {
    const args = { symbol: '"NIFTY"', expiry: `"${expiry}"`, from: `"${new Date(START).toISOString()}"`, to: `"${new Date(START + 3_600_000).toISOString()}"`, interval: 'ONE_HOUR' } as Record<string, string>;
    for (const [name, value] of override.split(/, (?=\w+:)/).map((part) => part.split(/: (.*)/s))) args[name] = value;
    const source = `{ chainSeries(${Object.entries(args).map(([k, v]) => `${k}: ${v}`).join(', ')}) { buckets } }`;
    const result = await graphql({ schema, source, contextValue: context });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
  });

  const STRIKE_SERIES = /* GraphQL */ `
    query($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {
      strikeSeries(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side, from: $from, to: $to, interval: $interval) {
        bucket priceOpen priceHigh priceLow priceClose ivLast ivAvg oiLast volumeLast delta gamma theta vega
      }
    }`;
  const strikeSeries = (variables: Record<string, unknown>) =>
    graphql({
      schema,
      source: STRIKE_SERIES,
      contextValue: context,
      variableValues: { symbol: 'NIFTY', expiry, strike, side: 'PUT', from: new Date(START).toISOString(), to: new Date(START + 3_600_000).toISOString(), interval: 'FIVE_MINUTES', ...variables },
    });
  let strike: number;

  it('strikeSeries: the price OHLC, IV, OI, volume and Greeks of one strike and side per bucket, as the database query computes them', async () => {
    const [snapshot] = enrichedSnapshots(1);
    strike = snapshot.rows[Math.floor(snapshot.rows.length / 2)].strike;
    const result = await strikeSeries({});
    expect(result.errors).toBeUndefined();
    const points = (result.data as { strikeSeries: Record<string, unknown>[] }).strikeSeries;
    const direct = await strikeHistory(database.db, { symbol: 'NIFTY', expiry, strike, optionType: 'PE', from: new Date(START), to: new Date(START + 3_600_000), interval: '5m' });
    expect(points.length).toBeGreaterThan(1);
    expect(points).toEqual(
      direct.map((p) => ({
        bucket: p.bucket.toISOString(),
        priceOpen: p.priceOpen, priceHigh: p.priceHigh, priceLow: p.priceLow, priceClose: p.priceClose,
        ivLast: p.ivLast, ivAvg: p.ivAvg, oiLast: p.oiLast, volumeLast: p.volumeLast,
        delta: p.deltaLast, gamma: p.gammaLast, theta: p.thetaLast, vega: p.vegaLast,
      })),
    );
    for (const p of points) expect([p.priceOpen, p.priceHigh, p.priceLow, p.priceClose, p.delta, p.vega].every((v) => typeof v === 'number')).toBe(true);
  });

  it.each([
    ['a 1-minute interval (the rollup is 5-minute)', { interval: 'ONE_MINUTE' }, 'interval'],
    ['a negative strike', { strike: -100 }, 'strike'],
    ['to before from', { to: new Date(START - 60_000).toISOString() }, 'to'],
    ['an unknown symbol', { symbol: 'NOPE' }, 'symbol'],
  ])('strikeSeries refuses %s with a BAD_USER_INPUT error naming the argument', async (_name, variables, argument) => {
    const result = await strikeSeries(variables);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
  });
});
