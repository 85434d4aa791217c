/**
 * Charts: chain analytics over time, one point per time bucket (see
 * db/queries/chainHistory.ts for how each bucket is computed).
 */
import { builder, badArgument, dateArgument, dateTimeArgument, readDatabase, DATABASE_READ_COST, InvalidInput } from './builder.ts';
import { requireInstrument } from './market.ts';
import { ChainHistoryRangeError, MAX_BUCKETS, bucketCount, chainHistory, type ChainHistoryPoint, type ChartInterval } from '../db/queries/chainHistory.ts';

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
        return await readDatabase(context, (db) => chainHistory(db, { symbol: instrument.symbol, expiry, from, to, interval: args.interval as ChartInterval }));
      } catch (error) {
        if (error instanceof ChainHistoryRangeError) throw badArgument(error.argument, `Argument "${error.argument}": ${error.message}`);
        throw error;
      }
    },
  }),
);
