/**
 * Charts: chain analytics over time, one point per time bucket (see
 * db/queries/chainHistory.ts for how each bucket is computed).
 */
import { builder, badArgument, dateArgument, dateTimeArgument, readDatabase, DATABASE_READ_COST, InvalidInput, type Context } from './builder.ts';
import { requireInstrument } from './market.ts';
import {
  CHART_INTERVALS,
  ChainHistoryRangeError,
  MAX_BUCKETS,
  bucketCount,
  bucketStart,
  chainHistory,
  type ChainHistoryPoint,
  type ChainHistoryQuery,
  type ChartInterval,
} from '../db/queries/chainHistory.ts';
import { rangeContents } from '../db/queries/rangeContents.ts';

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
  }),
});

builder.queryField('chainHistory', (t) =>
  t.field({
    type: [ChainHistoryPointType],
    description: `Chain analytics of one expiry over time, one point per bucket with stored snapshots, ascending; at most ${MAX_BUCKETS} buckets per request. Cost ${DATABASE_READ_COST} (a database read) + 1 per hour of range + the buckets × what a point selects.`,
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      expiry: t.arg({ type: 'Date', required: true, description: 'Expiry date, YYYY-MM-DD.' }),
      from: t.arg({ type: 'DateTime', required: true, description: 'Start of the range, inclusive.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End of the range, exclusive; after `from`.' }),
      interval: t.arg({ type: ChartIntervalEnum, required: true, description: 'Bucket width.' }),
    },
    complexity: chainHistoryCost,
    resolve: async (_root, args, context) => {
      const instrument = requireInstrument(context, args.symbol);
      const expiry = dateArgument(args.expiry, 'expiry');
      const from = dateTimeArgument(args.from, 'from')!;
      const to = dateTimeArgument(args.to, 'to')!;
      try {
        return await readChainHistory(context, { symbol: instrument.symbol, expiry, from, to, interval: args.interval as ChartInterval });
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
