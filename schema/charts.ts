/**
 * Charts: chain analytics over time, one point per time bucket (chainHistory,
 * and the same buckets as chosen columns in chainSeries; see
 * db/queries/chainHistory.ts for how each bucket is computed); one strike
 * and side over time (strikeSeries, db/queries/strikeHistory.ts); plot-ready
 * profiles of one expiry at one instant (oiProfile, ivSmile, gexProfile) or
 * of every expiry at it (termStructure, ivSurface), each computed from the
 * stored snapshot optionChain answers for the same expiry and `at`
 * (core/charts.ts); and the volatility cone, realized vol of the daily spot
 * closes chainHistory gives beside termStructure's ATM IVs
 * (core/analytics/realizedVol.ts).
 */
import { builder, badArgument, dateArgument, dateTimeArgument, readDatabase, DATABASE_READ_COST, InvalidInput, type Context } from './builder.ts';
import { CALENDAR_EXPIRIES, expiriesWithData, requireInstrument } from './market.ts';
import {
  CHART_INTERVALS,
  ChainHistoryRangeError,
  MAX_BUCKETS,
  bucketCount,
  bucketStart,
  chainHistory,
  checkHistoryRange,
  type ChainHistoryPoint,
  type ChainHistoryQuery,
  type ChartInterval,
} from '../db/queries/chainHistory.ts';
import { rangeContents } from '../db/queries/rangeContents.ts';
import { STRIKE_INTERVALS, strikeHistory, type StrikeHistoryPoint, type StrikeInterval } from '../db/queries/strikeHistory.ts';
import { cachedHistory } from './historyCache.ts';
import { OptionSideEnum } from './chainDelta.ts';
import { chainAt, chainAtArguments, pastInstantArgument, CHAIN_AT_ARGUMENT, COSTED_STRIKES, type ArgumentBuilder } from './chain.ts';
import { ZoneType } from './intelligence.ts';
import { chainColumns, type ChainSnapshot } from '../core/chain.ts';
import { SURFACE_CALL_DELTAS, deltaGrid, gexChart, oiProfile, smileChart, type DeltaGrid, type GexChart, type OiProfile, type SmileChart } from '../core/charts.ts';
import { gexConventionOf, type GexConvention } from '../core/analytics/gex.ts';
import { DEFAULT_INTELLIGENCE_CONFIG } from '../core/intelligence/config.ts';
import { termStructure } from '../core/analytics/termStructure.ts';
import { CONE_WINDOWS, SESSIONS_PER_YEAR, volatilityCone, type ConeWindow } from '../core/analytics/realizedVol.ts';
import { findStoredExpiries } from '../db/queries/storedExpiries.ts';
import { istDate } from '../core/time/expiry.ts';
import type { EnrichedSnapshot } from '../core/models.ts';

const HOUR_MS = 3_600_000;

/**
 * The cost of a chainHistory request: a database read, plus one per hour of
 * range (the snapshots it aggregates), plus what a point selects times the
 * buckets it can return (at most MAX_BUCKETS). A malformed range costs the
 * read alone: the resolver refuses it.
 */
export function chainHistoryCost(args: { from: Date | InvalidInput; to: Date | InvalidInput; interval: string }): { field: number; multiplier: number } {
  const { from, to } = args;
  if (from instanceof InvalidInput || to instanceof InvalidInput || !(from.getTime() < to.getTime())) return { field: DATABASE_READ_COST, multiplier: 1 };
  const hours = Math.ceil((to.getTime() - from.getTime()) / HOUR_MS);
  return { field: DATABASE_READ_COST + hours, multiplier: Math.min(bucketCount(from, to, args.interval as ChartInterval), MAX_BUCKETS) };
}

export const ChartIntervalEnum = builder.enumType('ChartInterval', {
  description: 'Width of a chart bucket. Buckets start on whole minutes, hours and UTC days.',
  values: {
    ONE_MINUTE: { value: '1m', description: '1 minute.' },
    FIVE_MINUTES: { value: '5m', description: '5 minutes.' },
    FIFTEEN_MINUTES: { value: '15m', description: '15 minutes.' },
    ONE_HOUR: { value: '1h', description: '1 hour.' },
    ONE_DAY: { value: '1d', description: '1 UTC day (00:00 UTC = 05:30 IST, so one trading session).' },
  } as const,
});

const STRADDLE_DESCRIPTION =
  'ATM straddle at the latest snapshot in the bucket: ATM call + put mark price (the mid of a two-sided quote, else the last traded price), index points (× lot size for rupees per lot).';

export const ChainHistoryPointType = builder.objectRef<ChainHistoryPoint>('ChainHistoryPoint').implement({
  description:
    'Chain analytics over one time bucket. Averages are over the snapshots of the bucket; "last" values are those of its latest snapshot.',
  fields: (t) => ({
    bucket: t.field({ type: 'DateTime', description: 'Start of the bucket.', resolve: (p) => p.bucket }),
    pcrOi: t.exposeFloat('pcrOi', {
      nullable: true,
      description: 'Put-call ratio of open interest, averaged over the bucket (null when no snapshot had one).',
    }),
    maxPain: t.exposeFloat('maxPain', { nullable: true, description: 'Max-pain strike at the latest snapshot in the bucket (null when that snapshot had none).' }),
    atmIv: t.exposeFloat('atmIv', {
      nullable: true,
      description: 'At-the-money implied volatility, decimal (0.15 = 15 %), averaged over the bucket (null when no snapshot had one).',
    }),
    spot: t.exposeFloat('spot', { description: 'Spot index level at the latest snapshot in the bucket (the close).' }),
    totalOi: t.exposeFloat('totalOi', {
      nullable: true,
      description: 'Total open interest, calls plus puts, contracts, at the latest snapshot in the bucket.',
    }),
    straddle: t.exposeFloat('straddle', {
      nullable: true,
      description: `${STRADDLE_DESCRIPTION} Null when that snapshot had no priced ATM call and put, or (PGlite, plain PostgreSQL) for minutes the retention job folded before migration 0012.`,
    }),
    atmStrike: t.exposeFloat('atmStrike', { nullable: true, description: 'ATM strike (nearest the forward) at the latest snapshot in the bucket, index points.' }),
  }),
});

/** The arguments of a chart over time of one expiry (chainHistory, chainSeries): symbol, expiry, from, to, interval. */
function chainHistoryArguments(arg: ArgumentBuilder) {
  return {
    symbol: arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
    expiry: arg({ type: 'Date', required: true, description: 'Expiry date, YYYY-MM-DD.' }),
    from: arg({ type: 'DateTime', required: true, description: 'Start of the range, inclusive.' }),
    to: arg({ type: 'DateTime', required: true, description: 'End of the range, exclusive; after `from`.' }),
    interval: arg({ type: ChartIntervalEnum, required: true, description: 'Bucket width.' }),
  };
}

builder.queryField('chainHistory', (t) =>
  t.field({
    type: [ChainHistoryPointType],
    description: `Chain analytics of one expiry over time, one point per bucket with stored snapshots, ascending; at most ${MAX_BUCKETS} buckets per request. Cost ${DATABASE_READ_COST} (a database read) + 1 per hour of range + the buckets × what a point selects.`,
    args: chainHistoryArguments(t.arg),
    complexity: chainHistoryCost,
    resolve: (_root, args, context) => chainHistoryOfArguments(context, args),
  }),
);

/** The arguments of a chart over time of one expiry: symbol, expiry, from, to, interval. */
interface ChainHistoryArguments {
  symbol: string;
  expiry: string | InvalidInput;
  from: Date | InvalidInput;
  to: Date | InvalidInput;
  interval: string;
}

/** chainHistory's points for a request's arguments, or a typed error naming the argument that is wrong. */
async function chainHistoryOfArguments(context: Context, args: ChainHistoryArguments): Promise<ChainHistoryPoint[]> {
  const instrument = requireInstrument(context, args.symbol);
  const expiry = dateArgument(args.expiry, 'expiry');
  const from = dateTimeArgument(args.from, 'from')!;
  const to = dateTimeArgument(args.to, 'to')!;
  const query = { symbol: instrument.symbol, expiry, from, to, interval: args.interval as ChartInterval };
  try {
    // Refused before any read (an unknown interval, an empty or too long a range), so a bad request is never a cache key.
    checkHistoryRange(from, to, query.interval);
    return await cachedHistory(context, { field: 'chainHistory', symbol: query.symbol, expiry, from, to, rest: [query.interval] }, () => readChainHistory(context, query));
  } catch (error) {
    if (error instanceof ChainHistoryRangeError) throw badArgument(error.argument, `Argument "${error.argument}": ${error.message}`);
    throw error;
  }
}

// ---- chainSeries ----

/**
 * The per-bucket figures chainSeries can select, each a column of
 * chainHistory's points (what every storage path computes alike).
 */
const CHAIN_SERIES_FIELDS = {
  SPOT: { key: 'spot', unit: 'index points', description: 'Spot index level at the latest snapshot of the bucket (its close), index points.' },
  PCR_OI: { key: 'pcrOi', unit: 'ratio', description: 'Put-call ratio of open interest, Σ put OI / Σ call OI, averaged over the bucket\'s snapshots.' },
  MAX_PAIN: { key: 'maxPain', unit: 'index points', description: 'Max-pain strike at the latest snapshot of the bucket, index points.' },
  ATM_IV: { key: 'atmIv', unit: 'decimal', description: 'At-the-money implied volatility, decimal (0.15 = 15 %, not vol points), averaged over the bucket\'s snapshots.' },
  TOTAL_OI: { key: 'totalOi', unit: 'contracts', description: 'Total open interest, calls plus puts, contracts, at the latest snapshot of the bucket.' },
  STRADDLE: { key: 'straddle', unit: 'index points', description: STRADDLE_DESCRIPTION },
  ATM_STRIKE: { key: 'atmStrike', unit: 'index points', description: 'ATM strike (nearest the forward) at the latest snapshot of the bucket, index points: the strike STRADDLE is priced at.' },
} as const satisfies Record<string, { key: Exclude<keyof ChainHistoryPoint, 'bucket'>; unit: string; description: string }>;
type ChainSeriesField = keyof typeof CHAIN_SERIES_FIELDS;

export const ChainSeriesFieldEnum = builder.enumType('ChainSeriesField', {
  description:
    'A figure of a chain over time, per bucket. STRADDLE and ATM_STRIKE are kept in the per-bucket summaries from migration 0012 on (the 1-minute rollup, TimescaleDB\'s chain_straddle_* aggregates), so minutes the retention job folded before it have them null.',
  values: Object.fromEntries(Object.entries(CHAIN_SERIES_FIELDS).map(([name, { description }]) => [name, { value: name, description }])) as Record<ChainSeriesField, { value: ChainSeriesField; description: string }>,
});

interface ChainSeriesColumn {
  field: ChainSeriesField;
  values: (number | null)[];
}

const ChainSeriesColumnType = builder.objectRef<ChainSeriesColumn>('ChainSeriesColumn').implement({
  description: 'One figure over time, aligned with ChainSeries.buckets.',
  fields: (t) => ({
    field: t.field({ type: ChainSeriesFieldEnum, description: 'The figure.', resolve: (c) => c.field }),
    unit: t.string({ description: 'Its unit: "index points", "ratio", "decimal" (0.15 = 15 %) or "contracts".', resolve: (c) => CHAIN_SERIES_FIELDS[c.field].unit }),
    values: t.field({
      type: ['Float'],
      nullable: { list: false, items: true },
      description: 'One value per bucket, in the order of ChainSeries.buckets; null where the bucket\'s snapshots had none.',
      resolve: (c) => c.values,
    }),
  }),
});

const ChainSeriesType = builder.objectRef<{ buckets: Date[]; columns: ChainSeriesColumn[] }>('ChainSeries').implement({
  description: 'Chain figures of one expiry over time, column by column: chainHistory\'s points, one column per requested field.',
  fields: (t) => ({
    buckets: t.field({ type: ['DateTime'], description: 'Start of each bucket with stored snapshots, ascending (buckets without are absent).', resolve: (s) => s.buckets }),
    columns: t.field({ type: [ChainSeriesColumnType], description: 'One column per requested field, in the order asked (a repeated field once).', resolve: (s) => s.columns }),
  }),
});

builder.queryField('chainSeries', (t) =>
  t.field({
    type: ChainSeriesType,
    description: `Spot, PCR, max pain, ATM IV, total OI, the ATM straddle and the ATM strike of one expiry over time, the figures chosen by \`fields\`, as columns aligned with the buckets: the same buckets and values chainHistory answers for the same arguments (raw snapshots, the rollup, or TimescaleDB's continuous aggregates). At most ${MAX_BUCKETS} buckets per request. Cost ${DATABASE_READ_COST} (a database read) + 1 per hour of range + the buckets × the fields.`,
    args: {
      ...chainHistoryArguments(t.arg),
      fields: t.arg({ type: [ChainSeriesFieldEnum], required: true, description: 'The figures to answer, at least one; a repeated field is answered once.' }),
    },
    complexity: (args) => {
      const { field, multiplier } = chainHistoryCost(args);
      return { field: field + multiplier * Math.max(args.fields.length, 1), multiplier: 1 };
    },
    resolve: async (_root, args, context) => {
      const fields = [...new Set(args.fields as ChainSeriesField[])];
      if (fields.length === 0) throw badArgument('fields', `Argument "fields" is empty; ask for at least one of ${Object.keys(CHAIN_SERIES_FIELDS).join(', ')}`);
      const points = await chainHistoryOfArguments(context, args);
      return {
        buckets: points.map((p) => p.bucket),
        columns: fields.map((field) => ({ field, values: points.map((p) => p[CHAIN_SERIES_FIELDS[field].key]) })),
      };
    },
  }),
);

// ---- strikeSeries ----

const StrikeSeriesPointType = builder.objectRef<StrikeHistoryPoint>('StrikeSeriesPoint').implement({
  description:
    'One strike and side over one time bucket, from its stored option rows (or the 5-minute rollup / TimescaleDB continuous aggregates they were folded into; see strikeSeries). "Open" and "close" are the values of the bucket\'s earliest and latest row, null when that row had none; "high" and "low" skip missing values; averages skip nulls.',
  fields: (t) => ({
    bucket: t.field({ type: 'DateTime', description: 'Start of the bucket.', resolve: (p) => p.bucket }),
    priceOpen: t.exposeFloat('priceOpen', { nullable: true, description: 'Option price (last traded price) at the earliest row of the bucket, index points.' }),
    priceHigh: t.exposeFloat('priceHigh', { nullable: true, description: 'Highest last traded price in the bucket, index points.' }),
    priceLow: t.exposeFloat('priceLow', { nullable: true, description: 'Lowest last traded price in the bucket, index points.' }),
    priceClose: t.exposeFloat('priceClose', { nullable: true, description: 'Last traded price at the latest row of the bucket, index points.' }),
    ivLast: t.exposeFloat('ivLast', { nullable: true, description: 'Implied volatility at the latest row of the bucket, decimal (0.15 = 15 %).' }),
    ivAvg: t.exposeFloat('ivAvg', { nullable: true, description: 'Implied volatility averaged over the bucket\'s rows, decimal.' }),
    oiLast: t.exposeFloat('oiLast', { nullable: true, description: 'Open interest at the latest row of the bucket, contracts.' }),
    volumeLast: t.exposeFloat('volumeLast', { nullable: true, description: 'Volume traded in the session up to the latest row of the bucket, contracts, as the source reports it (cumulative, not per bucket).' }),
    delta: t.float({ nullable: true, description: 'Delta at the latest row of the bucket, per index point of spot.', resolve: (p) => p.deltaLast }),
    gamma: t.float({ nullable: true, description: 'Gamma at the latest row of the bucket, per index point squared.', resolve: (p) => p.gammaLast }),
    theta: t.float({ nullable: true, description: 'Theta at the latest row of the bucket, index points per calendar day.', resolve: (p) => p.thetaLast }),
    vega: t.float({ nullable: true, description: 'Vega at the latest row of the bucket, index points per vol point (0.01 of IV).', resolve: (p) => p.vegaLast }),
  }),
});

builder.queryField('strikeSeries', (t) =>
  t.field({
    type: [StrikeSeriesPointType],
    description:
      `One strike and side over time, one point per bucket with stored rows, ascending: OHLC of the option price (last traded price), last and average IV, last OI and session volume, and the last Greeks. ` +
      `Source: the stored option rows; on PGlite and plain PostgreSQL, before the retention job's raw horizon, the 5-minute rollup (whose price and Greeks are null for buckets folded before migration 0012); on TimescaleDB at 5m, 15m and 1h, the continuous aggregates strike_stats_* and strike_prices_*. Every path answers the same. ` +
      `Intervals 5m, 15m, 1h and 1d (1m is refused: the rollup is 5-minute); at most ${MAX_BUCKETS} buckets. Typed errors name the argument (BAD_USER_INPUT). Cost ${DATABASE_READ_COST} (a database read) + 1 per hour of range + the buckets × what a point selects.`,
    args: {
      ...chainHistoryArguments(t.arg),
      strike: t.arg.float({ required: true, description: 'Strike price, index points.' }),
      side: t.arg({ type: OptionSideEnum, required: true, description: 'CALL (CE) or PUT (PE).' }),
    },
    complexity: chainHistoryCost,
    resolve: async (_root, args, context) => {
      const instrument = requireInstrument(context, args.symbol);
      const expiry = dateArgument(args.expiry, 'expiry');
      const from = dateTimeArgument(args.from, 'from')!;
      const to = dateTimeArgument(args.to, 'to')!;
      if (!Number.isFinite(args.strike) || args.strike <= 0) throw badArgument('strike', `Argument "strike" must be a positive number of index points, got ${args.strike}`);
      const query = { symbol: instrument.symbol, expiry, strike: args.strike, optionType: args.side === 'call' ? 'CE' : 'PE', from, to, interval: args.interval as StrikeInterval } as const;
      try {
        checkHistoryRange(from, to, query.interval, STRIKE_INTERVALS);
        return await cachedHistory(context, { field: 'strikeSeries', symbol: query.symbol, expiry, from, to, rest: [query.interval, query.strike, query.optionType] }, () =>
          readDatabase(context, (db) => strikeHistory(db, query)),
        );
      } catch (error) {
        if (error instanceof ChainHistoryRangeError) throw badArgument(error.argument, `Argument "${error.argument}": ${error.message}`);
        throw error;
      }
    },
  }),
);

/** Fewest whole buckets worth keeping: below it one read costs about what checking the range does. */
const MIN_KEPT_BUCKETS = 3;

/**
 * chainHistory through the chart-bucket cache, when there is one. The range
 * splits at bucket boundaries into a partial head bucket, the whole buckets,
 * and a partial tail bucket (the one still filling when `to` is now); no
 * bucket spans two parts, so their points together are the range's. The
 * head and the whole buckets are kept in memory, each under its range and a
 * summary of what is stored from `from` to the tail
 * (db/queries/rangeContents.ts, read first): a snapshot written into the
 * range later (a backfill, a replayed spool) or the retention job folding it
 * changes the summary, so the buckets are recomputed rather than served
 * stale, and an entry no longer named ages out of the cache's byte budget.
 * The head is kept under its exact start, so a range whose `from` moves with
 * each request (the last 3 hours) reads its head every time; the tail is
 * read every time.
 *
 * A range straddling the raw horizon of the retention job may have its
 * parts read one from the raw snapshots, one from the rollup, where one read
 * would take the rollup for all: their averages agree to float rounding, as
 * they do before and after retention folds a range (chainHistory.ts).
 *
 * All of it is one database slot, as the uncached read is.
 */
export async function readChainHistory(context: Context, query: ChainHistoryQuery): Promise<ChainHistoryPoint[]> {
  const cache = context.chartBuckets;
  const { symbol, expiry, from, to, interval } = query;
  const width = CHART_INTERVALS[interval];
  // Refusals (unknown interval, empty or too long a range) are chainHistory's to word.
  if (!cache || !width || !(from.getTime() < to.getTime()) || bucketCount(from, to, interval) > MAX_BUCKETS) {
    return readDatabase(context, (db) => chainHistory(db, query));
  }
  const first = bucketStart(from.getTime(), interval);
  const wholeFrom = first === from.getTime() ? first : first + width.ms;
  const wholeTo = bucketStart(to.getTime(), interval);
  if ((wholeTo - wholeFrom) / width.ms < MIN_KEPT_BUCKETS) return readDatabase(context, (db) => chainHistory(db, query));
  return readDatabase(context, async (db) => {
    const part = async (start: number, end: number) => (start < end ? chainHistory(db, { ...query, from: new Date(start), to: new Date(end) }) : []);
    const kept = async (start: number, end: number) => (start < end ? ((await cache.getOrLoad(chartBucketsKey(query, start, end, contents), () => part(start, end))) ?? []) : []);
    // The summary first: buckets read after it are at least as new as it says.
    const contents = await rangeContents(db, symbol, expiry, from, new Date(wholeTo));
    const head = await kept(from.getTime(), wholeFrom);
    const whole = await kept(wholeFrom, wholeTo);
    const tail = await part(wholeTo, to.getTime());
    return [...head, ...whole, ...tail];
  });
}

/** The cache key of the buckets of one expiry from `start` to `end` (epoch ms) with `contents` stored under them. */
function chartBucketsKey({ symbol, expiry, interval }: ChainHistoryQuery, start: number, end: number, contents: string): string {
  return `chart:${symbol}:${expiry}:${interval}:${start}:${end}:${contents}`;
}

// ---- charts at an instant ----------------------------------------------------
// Each reads one stored chain the way optionChain(expiry:, at:) does (chainAt:
// the latest snapshot, or the last at or before `at`, through the same
// caches, with the same errors) and computes its profile from it
// (core/charts.ts). Nothing is bucketed: every figure is of that snapshot.

/** A finite number or null, for the plot-ready columns (NaN means "not available"). */
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);
const columnValue = (column: Float64Array, i: number) => finiteOrNull(column[i]);

const ChartSnapshotType = builder.objectRef<EnrichedSnapshot>('ChartSnapshot').implement({
  description: 'The stored chain snapshot a chart at an instant is computed from (the one optionChain with the same expiry and at answers).',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    expiry: t.field({ type: 'Date', description: 'Expiry date (15:30 IST), YYYY-MM-DD.', resolve: (c) => c.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'When the snapshot was taken: the latest, or the last at or before `at`.', resolve: (c) => c.timestamp }),
    spot: t.exposeFloat('spot', { description: 'Spot index level, index points.' }),
    forward: t.exposeFloat('forward', { nullable: true, description: 'Forward the chain was priced off, index points (OptionChain.forwardSource says from what).' }),
    timeToExpiryYears: t.float({ description: 'ACT/365 years from the snapshot to the expiry instant.', resolve: (c) => c.tYears }),
    lotSize: t.exposeInt('lotSize', { description: 'Units of the index per contract of this expiry on the snapshot\'s date.' }),
  }),
});

const CHART_SYMBOL_ARGUMENT = 'Underlying symbol, e.g. NIFTY.';

/** A per-strike list of a chart: one entry per strike, naming its row and the whole result (the row types read their columns by index). */
const perStrike = <T>(of: T, strikes: Float64Array) => Array.from(strikes, (_, i) => ({ i, of }));
const PER_STRIKE_LIST = {
  description: `One row per strike, ascending. Costs ${COSTED_STRIKES} × what is selected in a row (a chain has up to about ${COSTED_STRIKES} strikes).`,
  complexity: { field: 1, multiplier: COSTED_STRIKES },
};

/** The stored chain of a chart at an instant and its columns. */
async function chartChain(context: Context, args: { symbol: string; expiry?: string | InvalidInput | null; at?: Date | InvalidInput | null }) {
  const snapshot = await chainAt(context, args);
  return { snapshot, chain: chainColumns(snapshot), forward: snapshot.forward ?? undefined };
}

// ---- oiProfile ----

interface OiProfileResult {
  snapshot: EnrichedSnapshot;
  chain: ChainSnapshot;
  profile: OiProfile;
}
type StrikeRow = { i: number; of: OiProfileResult };

const OiProfileStrikeType = builder.objectRef<StrikeRow>('OiProfileStrike').implement({
  description: 'Open interest at one strike. OI in contracts (lots; × ChartSnapshot.lotSize for units of the index); null where the feed sent no such side.',
  fields: (t) => ({
    strike: t.float({ description: 'Strike price, index points.', resolve: ({ i, of }) => of.chain.strikes[i] }),
    callOi: t.float({ nullable: true, description: 'Call open interest, contracts.', resolve: ({ i, of }) => columnValue(of.chain.call.oi, i) }),
    putOi: t.float({ nullable: true, description: 'Put open interest, contracts.', resolve: ({ i, of }) => columnValue(of.chain.put.oi, i) }),
    callOiChange: t.float({ nullable: true, description: 'Call OI change since the previous session close, contracts (signed).', resolve: ({ i, of }) => columnValue(of.chain.call.oiChange, i) }),
    putOiChange: t.float({ nullable: true, description: 'Put OI change since the previous session close, contracts (signed).', resolve: ({ i, of }) => columnValue(of.chain.put.oiChange, i) }),
    painRupees: t.float({
      nullable: true,
      description: 'Max-pain curve: what option holders would collect at expiry if it settled at this strike, Σ OI·intrinsic × lot size, rupees; max pain is its minimum.',
      resolve: ({ i, of }) => columnValue(of.profile.painRupees, i),
    }),
  }),
});

const OiProfileType = builder.objectRef<OiProfileResult>('OiProfile').implement({
  description:
    'Open interest per strike of one expiry at one instant, with what to draw over it: spot, max pain and the support and resistance zones. Source: one stored snapshot (no bucketing).',
  fields: (t) => ({
    snapshot: t.field({ type: ChartSnapshotType, description: 'The snapshot it is computed from.', resolve: (p) => p.snapshot }),
    spot: t.float({ description: 'Spot index level, index points (a vertical line).', resolve: (p) => p.snapshot.spot }),
    maxPain: t.float({ nullable: true, description: 'Max-pain strike, index points: the minimum of `painRupees`; null without OI.', resolve: (p) => finiteOrNull(p.profile.maxPain) }),
    pcrOi: t.float({ nullable: true, description: 'Put-call ratio of open interest, Σ put OI / Σ call OI.', resolve: (p) => p.snapshot.analytics.pcrOi }),
    strikes: t.field({
      type: [OiProfileStrikeType],
      ...PER_STRIKE_LIST,
      resolve: (p) => perStrike(p, p.chain.strikes),
    }),
    support: t.field({
      type: [ZoneType],
      description:
        'Support zones below spot, strongest first, scored from this snapshot alone (OI wall, OI change since the previous close, |GEX|, closeness to max pain, volume; core/intelligence/zones.ts with the default weights). supportResistance answers the analytics role\'s latest ones, which also use its own history.',
      resolve: (p) => p.profile.zones.support,
    }),
    resistance: t.field({ type: [ZoneType], description: 'Resistance zones above spot, strongest first, scored as `support` is.', resolve: (p) => p.profile.zones.resistance }),
  }),
});

builder.queryField('oiProfile', (t) =>
  t.field({
    type: OiProfileType,
    description: `OI and OI change per strike of calls and puts, with spot, max pain and the support and resistance zones, at one instant (the latest snapshot, or the last at or before \`at\`; errors as optionChain's). Cost ${DATABASE_READ_COST} (a database read) plus what is selected.`,
    args: chainAtArguments(t.arg),
    complexity: DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const { snapshot, chain, forward } = await chartChain(context, args);
      const convention = gexConventionOf(snapshot.analytics.gexConvention);
      return { snapshot, chain, profile: oiProfile(chain, { forward, convention, zones: DEFAULT_INTELLIGENCE_CONFIG.zones }) };
    },
  }),
);

// ---- gexProfile ----

const GexConventionEnum = builder.enumType('GexConvention', {
  description: 'Dealer positioning assumed for the sign of GEX (no public data settles it).',
  values: {
    DEALER_LONG_CALLS_SHORT_PUTS: { value: 'dealer-long-calls-short-puts', description: 'Calls +, puts − (the common convention).' },
    DEALER_SHORT_CALLS_LONG_PUTS: { value: 'dealer-short-calls-long-puts', description: 'Calls −, puts +.' },
    UNSIGNED: { value: 'unsigned', description: 'Both + (gamma concentration; no flip).' },
  } as const,
});

interface GexProfileResult {
  snapshot: EnrichedSnapshot;
  chain: ChainSnapshot;
  chart: GexChart;
}

const GexStrikeType = builder.objectRef<{ i: number; of: GexProfileResult }>('GexStrike').implement({
  description: 'Gamma exposure at one strike, Γ·OI·lot·S²·0.01: rupees per 1 % move of the index, signed by the convention; null where OI or gamma is missing.',
  fields: (t) => ({
    strike: t.float({ description: 'Strike price, index points.', resolve: ({ i, of }) => of.chain.strikes[i] }),
    callGex: t.float({ nullable: true, description: 'Call GEX, rupees per 1 % move.', resolve: ({ i, of }) => columnValue(of.chart.gex.columns.call, i) }),
    putGex: t.float({ nullable: true, description: 'Put GEX, rupees per 1 % move.', resolve: ({ i, of }) => columnValue(of.chart.gex.columns.put, i) }),
    netGex: t.float({ nullable: true, description: 'Call + put GEX, rupees per 1 % move.', resolve: ({ i, of }) => columnValue(of.chart.gex.columns.net, i) }),
  }),
});

const GexLevelType = builder.objectRef<{ spot: number; totalGex: number | null }>('GexAtSpot').implement({
  description: 'Total GEX re-priced at a hypothetical spot: every option\'s gamma at its own IV (sticky strike), the forward moving with spot.',
  fields: (t) => ({
    spot: t.exposeFloat('spot', { description: 'Hypothetical spot, index points.' }),
    totalGex: t.exposeFloat('totalGex', { nullable: true, description: 'Total GEX there, rupees per 1 % move; null when no option has IV and OI.' }),
  }),
});

const GexProfileType = builder.objectRef<GexProfileResult>('GexProfile').implement({
  description: 'Gamma exposure of one expiry at one instant: per strike, and in total across a grid of spots, with the flip and the walls. Source: one stored snapshot.',
  fields: (t) => ({
    snapshot: t.field({ type: ChartSnapshotType, description: 'The snapshot it is computed from.', resolve: (p) => p.snapshot }),
    convention: t.field({ type: GexConventionEnum, description: 'The sign convention of every GEX figure here.', resolve: (p) => p.chart.gex.convention }),
    totalGex: t.float({ nullable: true, description: 'Σ GEX at today\'s spot, rupees per 1 % move (from the chain\'s gamma).', resolve: (p) => finiteOrNull(p.chart.gex.totalNet) }),
    gammaFlip: t.float({ nullable: true, description: 'Spot where the re-priced total GEX changes sign nearest today\'s spot, linear between grid points, index points; null when it does not on the grid.', resolve: (p) => finiteOrNull(p.chart.gex.gammaFlip) }),
    callWall: t.float({ nullable: true, description: 'Strike with the largest |call GEX|, index points.', resolve: (p) => finiteOrNull(p.chart.gex.callWallStrike) }),
    putWall: t.float({ nullable: true, description: 'Strike with the largest |put GEX|, index points.', resolve: (p) => finiteOrNull(p.chart.gex.putWallStrike) }),
    strikes: t.field({
      type: [GexStrikeType],
      ...PER_STRIKE_LIST,
      resolve: (p) => perStrike(p, p.chain.strikes),
    }),
    spotGrid: t.field({
      type: [GexLevelType],
      description: `Total GEX at each spot of the grid, ascending (\`gridPoints\` points from \`gridLow\` to \`gridHigh\` × spot). Costs ${MAX_GEX_GRID_POINTS} × what is selected in a point.`,
      complexity: { field: 1, multiplier: MAX_GEX_GRID_POINTS },
      resolve: (p) => Array.from(p.chart.spotLevels, (spot, j) => ({ spot, totalGex: finiteOrNull(p.chart.totals[j]) })),
    }),
  }),
});

/** The most points a GEX spot grid may have. */
export const MAX_GEX_GRID_POINTS = 401;

builder.queryField('gexProfile', (t) =>
  t.field({
    type: GexProfileType,
    description: `GEX per strike and total GEX across a grid of spots, with the gamma flip and the call and put walls, at one instant (the latest snapshot, or the last at or before \`at\`; errors as optionChain's). Cost ${DATABASE_READ_COST} (a database read) plus what is selected.`,
    args: {
      ...chainAtArguments(t.arg),
      convention: t.arg({ type: GexConventionEnum, required: false, description: 'Sign convention; omitted: the one the chain analytics used (ChainAnalytics.gexConvention).' }),
      gridLow: t.arg.float({ required: false, description: 'Lowest spot of the grid as a multiple of today\'s spot, decimal (0.9 = 10 % below), > 0; default 0.8.' }),
      gridHigh: t.arg.float({ required: false, description: 'Highest spot of the grid as a multiple of today\'s spot, decimal, above `gridLow`; default 1.2.' }),
      gridPoints: t.arg.int({ required: false, description: `Points of the grid, 2–${MAX_GEX_GRID_POINTS}; default 201 (steps of 0.2 % of spot over the default range).` }),
    },
    complexity: DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const low = args.gridLow ?? 0.8;
      const high = args.gridHigh ?? 1.2;
      const points = args.gridPoints ?? 201;
      if (!(low > 0 && low < 1e3)) throw badArgument('gridLow', `Argument "gridLow": ${low} must be a multiple of spot above 0`);
      if (!(high > low && high < 1e3)) throw badArgument('gridHigh', `Argument "gridHigh": ${high} must be above gridLow (${low})`);
      if (!(points >= 2 && points <= MAX_GEX_GRID_POINTS)) throw badArgument('gridPoints', `Argument "gridPoints": ${points} is not between 2 and ${MAX_GEX_GRID_POINTS}`);
      const { snapshot, chain, forward } = await chartChain(context, args);
      const convention = (args.convention as GexConvention | null | undefined) ?? gexConventionOf(snapshot.analytics.gexConvention);
      return { snapshot, chain, chart: gexChart(chain, { forward, convention, low, high, points }) };
    },
  }),
);

// ---- ivSmile ----

interface IvSmileResult {
  snapshot: EnrichedSnapshot;
  chart: SmileChart;
}

const SmilePointType = builder.objectRef<{ i: number; of: IvSmileResult }>('SmilePoint').implement({
  description: 'Implied volatility at one strike. IVs decimal (0.15 = 15 %); null where the side has no usable IV (none solved, or flagged by a quality rule).',
  fields: (t) => ({
    strike: t.float({ description: 'Strike price, index points.', resolve: ({ i, of }) => of.chart.smile.strikes[i] }),
    logMoneyness: t.float({ description: 'ln(strike / forward), the SVI axis.', resolve: ({ i, of }) => of.chart.smile.logMoneyness[i] }),
    callIv: t.float({ nullable: true, description: 'Call IV, decimal.', resolve: ({ i, of }) => columnValue(of.chart.smile.callIv, i) }),
    putIv: t.float({ nullable: true, description: 'Put IV, decimal.', resolve: ({ i, of }) => columnValue(of.chart.smile.putIv, i) }),
    otmIv: t.float({
      nullable: true,
      description: 'The blended out-of-the-money smile, decimal: the put IV below the forward, the call IV above it, their mean at it; the other side where that one has none.',
      resolve: ({ i, of }) => columnValue(of.chart.smile.otmIv, i),
    }),
    callDelta: t.float({ nullable: true, description: 'Undiscounted forward call delta N(d1) at `otmIv`, 0–1 (put delta = callDelta − 1).', resolve: ({ i, of }) => columnValue(of.chart.smile.callDelta, i) }),
    fittedIv: t.float({ nullable: true, description: 'IV of the SVI fit at this strike, √(w(k)/T), decimal; null without a fit.', resolve: ({ i, of }) => columnValue(of.chart.fittedIv, i) }),
  }),
});

const SviFitType = builder.objectRef<NonNullable<SmileChart['fit']>>('SviFit').implement({
  description:
    'SVI raw fit of the OTM smile (Gatheral): total variance w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)), w = IV²·T, k = ln(K/F); fitted by the quasi-explicit method (Zeliade 2009) within 0 ≤ a ≤ max w, b ≥ 0, |ρ| ≤ 1, b·(1 + |ρ|) ≤ 4 (core/analytics/svi.ts).',
  fields: (t) => ({
    a: t.float({ description: 'Level, total variance (decimal²).', resolve: (f) => f.params.a }),
    b: t.float({ description: 'Wing slope, total variance per unit of log-moneyness, ≥ 0.', resolve: (f) => f.params.b }),
    rho: t.float({ description: 'Asymmetry, −1 to 1 (negative: the put wing is steeper).', resolve: (f) => f.params.rho }),
    m: t.float({ description: 'Horizontal shift, log-moneyness.', resolve: (f) => f.params.m }),
    sigma: t.float({ description: 'Curvature at the vertex, log-moneyness, > 0.', resolve: (f) => f.params.sigma }),
    points: t.int({ description: 'Strikes fitted (those with an OTM IV).', resolve: (f) => f.points }),
    rmseVolPoints: t.float({ description: 'Root-mean-square error of the fitted IV against the OTM IVs, vol points (1.0 = 1 % of volatility).', resolve: (f) => f.rmseVolPoints }),
    butterflyArbitrage: t.boolean({
      description:
        "Whether the fitted slice has butterfly arbitrage: Gatheral's g(k) < 0 (a negative risk-neutral density) or w ≤ 0 somewhere between `checkedFromLogMoneyness` and `checkedToLogMoneyness`.",
      resolve: (f) => f.butterfly.arbitrage,
    }),
    minG: t.float({ nullable: true, description: 'Smallest g(k) over the checked range (≥ 0: no butterfly arbitrage); null where w ≤ 0.', resolve: (f) => finiteOrNull(f.butterfly.minG) }),
    minGAtLogMoneyness: t.float({ description: 'Log-moneyness where g is smallest.', resolve: (f) => f.butterfly.minGAt }),
    checkedFromLogMoneyness: t.float({ description: 'Start of the checked range: the lowest fitted k less the fitted span.', resolve: (f) => f.checkedFrom }),
    checkedToLogMoneyness: t.float({ description: 'End of the checked range: the highest fitted k plus the fitted span.', resolve: (f) => f.checkedTo }),
  }),
});

const IvSmileType = builder.objectRef<IvSmileResult>('IvSmile').implement({
  description: 'The IV smile of one expiry at one instant: per strike the call, put and blended OTM IVs, and an SVI fit of the OTM smile. Source: one stored snapshot (our IVs, solved from mids on the forward).',
  fields: (t) => ({
    snapshot: t.field({ type: ChartSnapshotType, description: 'The snapshot it is computed from.', resolve: (p) => p.snapshot }),
    forward: t.float({ nullable: true, description: 'Forward the log-moneyness is measured from, index points.', resolve: (p) => finiteOrNull(p.chart.smile.forward) }),
    atmIv: t.float({ nullable: true, description: 'IV at the ATM strike, decimal (ChainAnalytics.atmIv).', resolve: (p) => p.snapshot.analytics.atmIv }),
    points: t.field({
      type: [SmilePointType],
      ...PER_STRIKE_LIST,
      resolve: (p) => perStrike(p, p.chart.smile.strikes),
    }),
    fit: t.field({ type: SviFitType, nullable: true, description: 'The SVI fit; null with fewer than 5 strikes with an IV, or at expiry.', resolve: (p) => p.chart.fit }),
  }),
});

builder.queryField('ivSmile', (t) =>
  t.field({
    type: IvSmileType,
    description: `IV per strike (calls, puts and the blended OTM smile) with an SVI fit, its error and a butterfly-arbitrage flag, at one instant (the latest snapshot, or the last at or before \`at\`; errors as optionChain's). Cost ${DATABASE_READ_COST} (a database read) plus what is selected.`,
    args: chainAtArguments(t.arg),
    complexity: DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const { snapshot, chain, forward } = await chartChain(context, args);
      return { snapshot, chart: smileChart(chain, forward) };
    },
  }),
);

// ---- termStructure ----

/**
 * The stored chain of every expiry not expired at `at` (now without it) with
 * a snapshot at or before it, ascending by expiry, each read as
 * optionChain(expiry, at) reads it; NO_DATA naming `at` (or `symbol`) when
 * there is none. What termStructure, ivSurface and volatilityCone read.
 */
async function chainsOfEveryExpiry(context: Context, args: { symbol: string; at?: Date | InvalidInput | null }): Promise<EnrichedSnapshot[]> {
  const instrument = requireInstrument(context, args.symbol);
  const at = pastInstantArgument(context, args.at);
  const expiries = await expiriesWithData(context, instrument, at, undefined, 'symbol');
  const snapshots = [];
  for (const { expiry } of expiries) snapshots.push(await chainAt(context, { symbol: instrument.symbol, expiry, at }));
  return snapshots;
}

interface TermPoint {
  snapshot: EnrichedSnapshot;
  totalVariance: number;
  forwardVol: number;
  calendarArbitrage: boolean;
}

const TermPointType = builder.objectRef<TermPoint>('TermStructurePoint').implement({
  description: 'One expiry of the ATM term structure, from its stored snapshot at or before the instant.',
  fields: (t) => ({
    expiry: t.field({ type: 'Date', description: 'Expiry date, YYYY-MM-DD.', resolve: (p) => p.snapshot.expiry }),
    snapshot: t.field({ type: ChartSnapshotType, description: 'The snapshot of this expiry it is read from (each expiry has its own).', resolve: (p) => p.snapshot }),
    timeToExpiryYears: t.float({ description: 'ACT/365 years to the expiry instant.', resolve: (p) => p.snapshot.tYears }),
    forward: t.float({ nullable: true, description: 'Forward of this expiry, index points.', resolve: (p) => p.snapshot.forward }),
    atmStrike: t.float({ nullable: true, description: 'Listed strike nearest the forward, index points.', resolve: (p) => p.snapshot.analytics.atmStrike }),
    atmIv: t.float({ nullable: true, description: 'IV at the ATM strike, decimal (ChainAnalytics.atmIv).', resolve: (p) => p.snapshot.analytics.atmIv }),
    totalVariance: t.float({ nullable: true, description: 'ATM total variance atmIv²·T, decimal².', resolve: (p) => finiteOrNull(p.totalVariance) }),
    forwardVol: t.float({
      nullable: true,
      description: 'Forward volatility from the previous expiry to this one, √(Δ total variance / ΔT), decimal; null for the first and where total variance falls.',
      resolve: (p) => finiteOrNull(p.forwardVol),
    }),
    calendarArbitrage: t.boolean({ description: 'Whether ATM total variance is below the previous expiry\'s (a calendar arbitrage on the ATM line).', resolve: (p) => p.calendarArbitrage }),
  }),
});

builder.queryField('termStructure', (t) =>
  t.field({
    type: [TermPointType],
    description: `ATM IV and forward per expiry, ascending: every expiry not expired at \`at\` (now without it) with a stored snapshot at or before it, each read as optionChain(expiry, at) reads it; NO_DATA when there is none. Cost ${DATABASE_READ_COST} per expiry (${CALENDAR_EXPIRIES} costed) plus what is selected.`,
    args: {
      symbol: t.arg.string({ required: true, description: CHART_SYMBOL_ARGUMENT }),
      at: t.arg({ type: 'DateTime', required: false, description: CHAIN_AT_ARGUMENT }),
    },
    complexity: { field: DATABASE_READ_COST * CALENDAR_EXPIRIES, multiplier: CALENDAR_EXPIRIES },
    resolve: async (_root, args, context) => {
      const snapshots = await chainsOfEveryExpiry(context, args);
      const term = termStructure(
        Float64Array.from(snapshots, (s) => s.tYears),
        Float64Array.from(snapshots, (s) => s.analytics.atmIv ?? NaN),
      );
      return snapshots.map((snapshot, i) => ({
        snapshot,
        totalVariance: term.totalVariance[i],
        forwardVol: term.forwardVol[i],
        calendarArbitrage: term.calendarArbitrage[i] === 1,
      }));
    },
  }),
);

// ---- ivSurface ----

interface SurfaceSlice extends IvSmileResult {
  /** The smile read at SURFACE_CALL_DELTAS; null on the strike axis. */
  grid: DeltaGrid | null;
}

export const SurfaceAxisEnum = builder.enumType('SurfaceAxis', {
  description: 'The x axis of an IV surface.',
  values: {
    STRIKE: { value: 'strike', description: 'Strike, index points: each slice on its own listed strikes (IvSmile.points), no common grid.' },
    DELTA: {
      value: 'delta',
      description: `Forward call delta N(d1), 0–1: each slice also read at the common grid ${SURFACE_CALL_DELTAS.join(', ')} (IvSurfaceSlice.deltaGrid), the 10Δ put (call delta 0.90, put delta −0.10) to the 10Δ call (0.10).`,
    },
  } as const,
});

/** "10Δ put", "50Δ", "10Δ call": the desk name of a forward call delta. */
function deltaLabel(callDelta: number): string {
  const put = Math.round(100 * (1 - callDelta));
  const call = Math.round(100 * callDelta);
  return call === 50 ? '50Δ' : call > 50 ? `${put}Δ put` : `${call}Δ call`;
}

const SurfaceGridPointType = builder.objectRef<{ j: number; grid: DeltaGrid }>('IvSurfaceGridPoint').implement({
  description:
    'A slice read at one delta of the common grid: the OTM IV interpolated linearly in delta between the two listed strikes whose deltas (IvSmile.points.callDelta) bracket it; null outside the deltas the slice quotes (no extrapolation).',
  fields: (t) => ({
    callDelta: t.float({ description: 'Forward call delta N(d1), 0–1 (0.90 is the 10Δ put, 0.10 the 10Δ call).', resolve: ({ j, grid }) => grid.callDeltas[j] }),
    putDelta: t.float({ description: 'Forward put delta, callDelta − 1, −1–0.', resolve: ({ j, grid }) => grid.callDeltas[j] - 1 }),
    label: t.string({ description: 'Its desk name: "10Δ put" … "50Δ" … "10Δ call" (the OTM side\'s delta in percent).', resolve: ({ j, grid }) => deltaLabel(grid.callDeltas[j]) }),
    iv: t.float({ nullable: true, description: 'OTM IV at this delta, decimal (0.15 = 15 %).', resolve: ({ j, grid }) => columnValue(grid.iv, j) }),
    strike: t.float({ nullable: true, description: 'Strike at this delta, index points, interpolated with the same weights (not a listed strike in general).', resolve: ({ j, grid }) => columnValue(grid.strikes, j) }),
  }),
});

const SurfaceSliceType = builder.objectRef<SurfaceSlice>('IvSurfaceSlice').implement({
  description: 'One expiry of the IV surface: its smile from its stored snapshot at or before the instant, and on the delta axis the smile read at the common deltas.',
  fields: (t) => ({
    expiry: t.field({ type: 'Date', description: 'Expiry date, YYYY-MM-DD.', resolve: (s) => s.snapshot.expiry }),
    timeToExpiryYears: t.float({ description: 'ACT/365 years from the slice\'s snapshot to the expiry instant.', resolve: (s) => s.snapshot.tYears }),
    smile: t.field({
      type: IvSmileType,
      description: 'The slice\'s smile as ivSmile(expiry, at) answers it: per strike the strike, log-moneyness ln(K/F), forward call delta and IVs (decimal), and its SVI fit.',
      resolve: (s) => s,
    }),
    deltaGrid: t.field({
      type: [SurfaceGridPointType],
      nullable: true,
      description: `The slice at the common deltas ${SURFACE_CALL_DELTAS.join(', ')} (call delta, low strikes first); null on the STRIKE axis.`,
      resolve: (s) => (s.grid ? Array.from(s.grid.callDeltas, (_, j) => ({ j, grid: s.grid! })) : null),
    }),
  }),
});

const IvSurfaceType = builder.objectRef<{ axis: string; slices: SurfaceSlice[] }>('IvSurface').implement({
  description:
    'Implied volatility per strike across expiries: one smile slice per expiry stored at the instant, ascending by expiry, each with its SVI fit; on the DELTA axis each slice is also read at a common delta grid, so slices line up column by column.',
  fields: (t) => ({
    axis: t.field({ type: SurfaceAxisEnum, description: 'The axis asked for.', resolve: (s) => s.axis as 'strike' | 'delta' }),
    slices: t.field({
      type: [SurfaceSliceType],
      description: `One slice per expiry, ascending (${CALENDAR_EXPIRIES} costed).`,
      complexity: { field: 1, multiplier: CALENDAR_EXPIRIES },
      resolve: (s) => s.slices,
    }),
  }),
});

builder.queryField('ivSurface', (t) =>
  t.field({
    type: IvSurfaceType,
    description: `The IV surface at one instant: the smile (strikes, forward deltas, IVs decimal, log-moneyness, SVI fit) of every expiry not expired at \`at\` (now without it) with a stored snapshot at or before it, each read as ivSmile(expiry, at) reads it (the expiries termStructure answers); NO_DATA naming \`at\` when there is none. Cost ${DATABASE_READ_COST} per expiry (${CALENDAR_EXPIRIES} costed) plus what is selected.`,
    args: {
      symbol: t.arg.string({ required: true, description: CHART_SYMBOL_ARGUMENT }),
      at: t.arg({ type: 'DateTime', required: false, description: CHAIN_AT_ARGUMENT }),
      axis: t.arg({ type: SurfaceAxisEnum, required: false, defaultValue: 'strike', description: 'STRIKE (default): each slice on its listed strikes; DELTA: also a common delta grid per slice.' }),
    },
    complexity: { field: DATABASE_READ_COST * CALENDAR_EXPIRIES, multiplier: 1 },
    resolve: async (_root, args, context) => {
      const snapshots = await chainsOfEveryExpiry(context, args);
      const axis = args.axis ?? 'strike';
      const slices = snapshots.map((snapshot) => {
        const chart = smileChart(chainColumns(snapshot), snapshot.forward ?? undefined);
        return { snapshot, chart, grid: axis === 'delta' ? deltaGrid(chart.smile, SURFACE_CALL_DELTAS) : null };
      });
      return { axis, slices };
    },
  }),
);

// ---- volatilityCone ----

const DAY_MS = 86_400_000;
/** Calendar days of history volatilityCone reads by default and at most. */
const CONE_HISTORY_DAYS = 365;
const MAX_CONE_HISTORY_DAYS = 1_000;

interface SessionClose {
  /** Start of the UTC day (05:30 IST) of the session. */
  session: Date;
  /** Index points. */
  spot: number;
}

/**
 * One spot close per session of `symbol` over [from, to): chainHistory at
 * 1-day buckets of every expiry with snapshots in the range (the close of a
 * bucket is its latest snapshot's spot), a session taking the close of the
 * nearest expiry that has one that day. Spot is the underlying's, whichever
 * expiry's snapshot carries it.
 */
async function sessionCloses(context: Context, symbol: string, from: Date, to: Date): Promise<SessionClose[]> {
  const expiries = await readDatabase(context, (db) => findStoredExpiries(db, symbol, { fromDate: istDate(from.getTime()), at: new Date(to.getTime() - 1) }));
  const closes = new Map<number, number>();
  for (const { expiry, firstSnapshotAt, lastSnapshotAt } of expiries) {
    const start = Math.max(from.getTime(), firstSnapshotAt.getTime());
    const end = Math.min(to.getTime(), lastSnapshotAt.getTime() + 1);
    if (!(start < end)) continue;
    const points = await readChainHistory(context, { symbol, expiry, from: new Date(start), to: new Date(end), interval: '1d' });
    for (const { bucket, spot } of points) if (!closes.has(bucket.getTime())) closes.set(bucket.getTime(), spot);
  }
  return [...closes].sort(([a], [b]) => a - b).map(([session, spot]) => ({ session: new Date(session), spot }));
}

interface ConeResult {
  closes: SessionClose[];
  windows: ConeWindow[];
  implied: EnrichedSnapshot[];
}

const SessionCloseType = builder.objectRef<SessionClose>('SessionClose').implement({
  description: 'The spot close of one session: the latest spot stored that UTC day (05:30 IST to 05:30 IST the next day).',
  fields: (t) => ({
    session: t.field({ type: 'DateTime', description: 'Start of the session\'s UTC day (the chainHistory bucket at ONE_DAY).', resolve: (c) => c.session }),
    spot: t.float({ description: 'Spot index level at the last snapshot of the day, index points.', resolve: (c) => c.spot }),
  }),
});

const ConeWindowType = builder.objectRef<ConeWindow>('VolatilityConeWindow').implement({
  description:
    'Realized volatility over one window length: its latest value beside its lowest, median and highest over every window of that length in the closes read. Decimal (0.15 = 15 %), close-to-close, annualised with 252 sessions; null with fewer than `sessions` + 1 closes.',
  fields: (t) => ({
    sessions: t.int({ description: 'Window length, sessions (daily returns).', resolve: (w) => w.sessions }),
    samples: t.int({ description: 'Rolling windows the min, median and max are over: returns − sessions + 1, or 0.', resolve: (w) => w.samples }),
    current: t.float({ nullable: true, description: 'Realized vol over the latest `sessions` returns, decimal.', resolve: (w) => finiteOrNull(w.current) }),
    min: t.float({ nullable: true, description: 'Lowest rolling realized vol, decimal.', resolve: (w) => finiteOrNull(w.min) }),
    median: t.float({ nullable: true, description: 'Median rolling realized vol (the mean of the middle two for an even count), decimal.', resolve: (w) => finiteOrNull(w.median) }),
    max: t.float({ nullable: true, description: 'Highest rolling realized vol, decimal.', resolve: (w) => finiteOrNull(w.max) }),
  }),
});

const ConeImpliedType = builder.objectRef<EnrichedSnapshot>('VolatilityConeImplied').implement({
  description: 'One expiry of today\'s ATM IV term structure, placed on the cone\'s axis by its time to expiry.',
  fields: (t) => ({
    expiry: t.field({ type: 'Date', description: 'Expiry date, YYYY-MM-DD.', resolve: (s) => s.expiry }),
    daysToExpiry: t.float({ description: 'Calendar days from the snapshot to the expiry instant, ACT/365 years × 365 (fractional).', resolve: (s) => s.tYears * 365 }),
    sessionsToExpiry: t.float({
      description: `Its time to expiry in sessions, years × ${SESSIONS_PER_YEAR} (fractional; holidays not counted out): the x of this point against the windows.`,
      resolve: (s) => s.tYears * SESSIONS_PER_YEAR,
    }),
    atmIv: t.float({ nullable: true, description: 'IV at the ATM strike, decimal (termStructure.atmIv).', resolve: (s) => s.analytics.atmIv }),
  }),
});

const VolatilityConeType = builder.objectRef<ConeResult>('VolatilityCone').implement({
  description:
    'Realized volatility of spot over 5 to 60 sessions (close-to-close: the sample standard deviation of daily log returns × √252; decimal) as a cone of min, median and max over the history read, beside today\'s ATM IV term structure.',
  fields: (t) => ({
    sessions: t.int({ description: 'Session closes available in the history read (a window of N sessions needs N + 1).', resolve: (c) => c.closes.length }),
    sessionsPerYear: t.int({ description: 'Sessions a year the returns are annualised with.', resolve: () => SESSIONS_PER_YEAR }),
    closes: t.field({
      type: [SessionCloseType],
      description: `The session closes, ascending. Costs up to ${CONE_HISTORY_DAYS} × what is selected.`,
      complexity: { field: 1, multiplier: CONE_HISTORY_DAYS },
      resolve: (c) => c.closes,
    }),
    windows: t.field({ type: [ConeWindowType], description: `One per window, ${CONE_WINDOWS.join(', ')} sessions.`, resolve: (c) => c.windows }),
    impliedTerm: t.field({
      type: [ConeImpliedType],
      description: 'ATM IV per expiry at the instant, ascending: the expiries and snapshots termStructure answers.',
      complexity: { field: 1, multiplier: CALENDAR_EXPIRIES },
      resolve: (c) => c.implied,
    }),
  }),
});

builder.queryField('volatilityCone', (t) =>
  t.field({
    type: VolatilityConeType,
    description: `Volatility cone at one instant: realized volatility of spot over ${CONE_WINDOWS.join(', ')} sessions from the stored daily closes before it, against the ATM IV of every expiry stored at it (termStructure's; NO_DATA naming \`at\` when there is none). The closes reach back as far as chainHistory at ONE_DAY does: the raw snapshots and, on PGlite and plain PostgreSQL, the 1-minute rollup retention folds them into; on TimescaleDB the raw snapshots alone (TIMESCALE_RETENTION, 90 days by default: about 60 sessions). Cost ${DATABASE_READ_COST} per expiry read: ${CALENDAR_EXPIRIES} for the term structure plus one a week of history.`,
    args: {
      symbol: t.arg.string({ required: true, description: CHART_SYMBOL_ARGUMENT }),
      at: t.arg({ type: 'DateTime', required: false, description: `${CHAIN_AT_ARGUMENT} The closes are those of the sessions up to it (the latest session with its latest spot).` }),
      historyDays: t.arg.int({
        required: false,
        description: `Calendar days of closes to read before \`at\`, 1–${MAX_CONE_HISTORY_DAYS}; default ${CONE_HISTORY_DAYS} (about 250 sessions). The min, median and max are over the windows inside it.`,
      }),
    },
    complexity: (args) => DATABASE_READ_COST * (CALENDAR_EXPIRIES + Math.ceil(Math.min(Math.max(args.historyDays ?? CONE_HISTORY_DAYS, 1), MAX_CONE_HISTORY_DAYS) / 7)),
    resolve: async (_root, args, context) => {
      const days = args.historyDays ?? CONE_HISTORY_DAYS;
      if (!(days >= 1 && days <= MAX_CONE_HISTORY_DAYS)) throw badArgument('historyDays', `Argument "historyDays": ${days} is not between 1 and ${MAX_CONE_HISTORY_DAYS}`);
      const implied = await chainsOfEveryExpiry(context, args);
      const end = (pastInstantArgument(context, args.at)?.getTime() ?? context.now()) + 1;
      const closes = await sessionCloses(context, implied[0].symbol, new Date(end - days * DAY_MS), new Date(end));
      return { closes, windows: volatilityCone(Float64Array.from(closes, (c) => c.spot)), implied };
    },
  }),
);
