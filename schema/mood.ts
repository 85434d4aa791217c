/**
 * Market mood: the per-symbol outputs of the analytics role (mood index,
 * order-flow toxicity, liquidity stress, volatility context), as last stored
 * (db/queries/readAnalytics.ts), over time (db/queries/moodHistory.ts), and
 * live. Formulas, windows and weights are documented in core/intelligence
 * (mood.ts, vpin.ts, liquidity.ts, volatility.ts).
 */
import { builder, dateTimeArgument, noData, readDatabase, badArgument, DATABASE_READ_COST, type Context } from './builder.ts';
import { requireInstrument } from './market.ts';
import { chainHistoryCost, ChartIntervalEnum } from './charts.ts';
import { ChainHistoryRangeError, type ChartInterval } from '../db/queries/chainHistory.ts';
import { loadersOf } from './loaders.ts';
import { moodHistory, type MoodHistoryPoint } from '../db/queries/moodHistory.ts';
import type { ChainIntelligence, LiquidityComponent, LiquidityStress, MoodComponent, SymbolIntelligence, Toxicity, VixDivergence, IvRank, AtmIvVersusVix } from '../core/intelligence/index.ts';

export const MoodBandEnum = builder.enumType('MoodBand', {
  description: 'Band of the mood index (0–100), with hysteresis so it does not flicker at an edge.',
  values: {
    EXTREME_FEAR: { value: 'extreme_fear', description: 'Lowest band.' },
    FEAR: { value: 'fear', description: 'Below neutral.' },
    NEUTRAL: { value: 'neutral', description: 'Around 50.' },
    GREED: { value: 'greed', description: 'Above neutral.' },
    EXTREME_GREED: { value: 'extreme_greed', description: 'Highest band.' },
  } as const,
});

export const MoodComponentType = builder.objectRef<MoodComponent>('MoodComponent').implement({
  description: 'One input of the mood index: its measured value, its 0–100 score and the weight it carried.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Which input: pcrLevel, pcrChange, riskReversal, vixLevel, vixChange, ivRank, vwapMomentum, movingAverages, gammaRegime, maxPainDistance, fiiPositioning.' }),
    raw: t.exposeFloat('raw', { nullable: true, description: 'The input as measured, in `unit`; null when unknown.' }),
    unit: t.exposeString('unit', { description: 'Unit of `raw`.' }),
    score: t.exposeFloat('score', { nullable: true, description: '0 (fear) – 100 (greed); null when the input is unknown.' }),
    weight: t.exposeFloat('weight', { description: 'Configured weight (a share, the weights sum to 1).' }),
    effectiveWeight: t.exposeFloat('effectiveWeight', { description: 'Share of the index this input carried, 0–1 (0 when unknown; the known ones sum to 1).' }),
  }),
});

export const MarketMoodType = builder.objectRef<SymbolIntelligence>('MarketMood').implement({
  description: "An underlying's mood as of one snapshot: a 0–100 fear/greed index from positioning, volatility and trend.",
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot it was computed from.', resolve: (m) => m.timestamp }),
    sessionDate: t.field({ type: 'Date', description: 'IST session date, YYYY-MM-DD.', resolve: (m) => m.sessionDate }),
    frontExpiry: t.field({ type: 'Date', nullable: true, description: 'Expiry whose chain feeds the chain-based inputs (the nearest one seen this session).', resolve: (m) => m.frontExpiry }),
    index: t.float({ nullable: true, description: 'Mood index, 0 (extreme fear) – 100 (extreme greed); null when no input is known.', resolve: (m) => m.mood.index }),
    band: t.field({ type: MoodBandEnum, nullable: true, description: 'Band of the index; null with the index.', resolve: (m) => m.mood.band }),
    components: t.field({ type: [MoodComponentType], description: 'The inputs behind the index.', resolve: (m) => m.mood.components }),
    spot: t.exposeFloat('spot', { description: 'Spot, index points.' }),
    sessionTwap: t.exposeFloat('sessionTwapPoints', { nullable: true, description: 'Time-weighted average spot over the session so far, index points.' }),
    emaFast: t.exposeFloat('emaFastPoints', { nullable: true, description: 'Fast exponential moving average of spot, index points.' }),
    emaSlow: t.exposeFloat('emaSlowPoints', { nullable: true, description: 'Slow exponential moving average of spot, index points.' }),
    vix: t.exposeFloat('vix', { nullable: true, description: 'India VIX, points.' }),
  }),
});

const ToxicityType = builder.objectRef<Toxicity>('Toxicity').implement({
  description: 'Order-flow toxicity of the underlying\'s options: VPIN over volume buckets and the quote-rule buy/sell imbalance.',
  fields: (t) => ({
    vpin: t.exposeFloat('vpin', { nullable: true, description: 'VPIN, 0–1 (share of volume that is one-sided), over the last `buckets` full buckets; null before the first bucket fills.' }),
    buckets: t.exposeInt('buckets', { description: 'Full buckets VPIN is taken over.' }),
    bucketContracts: t.exposeFloat('bucketContracts', { description: 'Size of one volume bucket, contracts.' }),
    sessionBuckets: t.exposeInt('sessionBuckets', { description: 'Buckets filled this session.' }),
    imbalance: t.exposeFloat('imbalance', { nullable: true, description: '(buy − sell)/(buy + sell) by the quote rule over the last `imbalanceWindowMinutes`, −1…1; null when nothing was classified.' }),
    imbalanceWindowMinutes: t.exposeInt('imbalanceWindowMinutes', { description: 'Window of `imbalance`, minutes.' }),
    sessionImbalance: t.exposeFloat('sessionImbalance', { nullable: true, description: 'The same imbalance over the session, −1…1.' }),
    sessionBuyContracts: t.exposeFloat('sessionBuyContracts', { description: 'Volume classified as buying this session, contracts.' }),
    sessionSellContracts: t.exposeFloat('sessionSellContracts', { description: 'Volume classified as selling this session, contracts.' }),
  }),
});

const LiquidityComponentType = builder.objectRef<LiquidityComponent>('LiquidityComponent').implement({
  description: 'One measure of near-ATM liquidity against its session baseline.',
  fields: (t) => ({
    measure: t.exposeString('measure', { description: 'spread (relative bid-ask spread, decimal of the mid), depth (quoted quantity, contracts), oneSided (share of sides without a bid or ask, 0–1) or staleness (snapshots since the quote changed).' }),
    value: t.exposeFloat('value', { nullable: true, description: 'This snapshot\'s value, in the measure\'s unit.' }),
    baseline: t.exposeFloat('baseline', { nullable: true, description: 'Session baseline (median of the samples), same unit.' }),
    ratio: t.exposeFloat('ratio', { nullable: true, description: 'How much worse than the baseline, ratio (1 = as usual, above 1 worse).' }),
    score: t.exposeFloat('score', { nullable: true, description: 'Stress of this measure, 0–100.' }),
    weight: t.exposeFloat('weight', { description: 'Weight in the index, a share.' }),
  }),
});

export const LiquidityStressType = builder.objectRef<LiquidityStress>('LiquidityStress').implement({
  description: 'Liquidity stress of a chain near the money: spreads, depth, one-sided quotes and staleness against the session baseline.',
  fields: (t) => ({
    index: t.exposeFloat('index', { nullable: true, description: 'Liquidity-stress index, 0 (as usual) – 100 (worst); null before the baseline has enough samples.' }),
    baselineSamples: t.exposeInt('baselineSamples', { description: 'Samples in the session baseline.' }),
    components: t.field({ type: [LiquidityComponentType], description: 'The measures behind the index.', resolve: (l) => l.components }),
  }),
});

export const VixDivergenceType = builder.objectRef<VixDivergence>('VixDivergence').implement({
  description: 'Whether India VIX and spot moved the same way over the window (they normally move apart).',
  fields: (t) => ({
    windowMinutes: t.exposeInt('windowMinutes', { description: 'Window, minutes.' }),
    spotChangeFraction: t.exposeFloat('spotChangeFraction', { nullable: true, description: 'Spot change over the window, decimal (0.01 = 1 %).' }),
    vixChangePoints: t.exposeFloat('vixChangePoints', { nullable: true, description: 'India VIX change over the window, VIX points.' }),
    state: t.exposeString('state', { nullable: true, description: 'both_up, both_down (diverging), opposite (the usual) or flat (either move within its noise); null before the window fills.' }),
    diverging: t.exposeBoolean('diverging', { description: 'True for both_up and both_down.' }),
  }),
});

const IvRankType = builder.objectRef<IvRank>('IvRank').implement({
  description: 'ATM implied volatility against its daily closes.',
  fields: (t) => ({
    ivRank: t.exposeFloat('ivRank', { nullable: true, description: 'Where today\'s ATM IV sits between the lowest and highest close, 0–100; null without enough history.' }),
    ivPercentile: t.exposeFloat('ivPercentile', { nullable: true, description: 'Share of closes below today\'s ATM IV, 0–100; null without enough history.' }),
    daysUsed: t.exposeInt('daysUsed', { description: 'Daily closes used.' }),
    minIv: t.exposeFloat('minIvDecimal', { nullable: true, description: 'Lowest close used, decimal (0.15 = 15 %).' }),
    maxIv: t.exposeFloat('maxIvDecimal', { nullable: true, description: 'Highest close used, decimal.' }),
  }),
});

const AtmIvVersusVixType = builder.objectRef<AtmIvVersusVix>('AtmIvVersusVix').implement({
  description: 'The expiry\'s ATM implied volatility against India VIX.',
  fields: (t) => ({
    spreadVolPoints: t.exposeFloat('spreadVolPoints', { nullable: true, description: 'ATM IV × 100 − VIX, vol points.' }),
    ratio: t.exposeFloat('ratio', { nullable: true, description: 'ATM IV × 100 / VIX, ratio.' }),
  }),
});

export const ChainVolatilityType = builder.objectRef<ChainIntelligence['volatility']>('ChainVolatility').implement({
  description: 'Volatility context of one expiry.',
  fields: (t) => ({
    atmIv: t.exposeFloat('atmIvDecimal', { nullable: true, description: 'ATM implied volatility of the expiry, decimal (0.15 = 15 %).' }),
    vix: t.exposeFloat('vix', { nullable: true, description: 'India VIX, points.' }),
    versusVix: t.field({ type: AtmIvVersusVixType, description: 'ATM IV against VIX.', resolve: (v) => v.versusVix }),
    ivRank: t.field({ type: IvRankType, description: 'ATM IV against its daily closes.', resolve: (v) => v.ivRank }),
  }),
});

interface FlowMetrics {
  mood: SymbolIntelligence;
  front: ChainIntelligence | null;
}

const FlowMetricsType = builder.objectRef<FlowMetrics>('FlowMetrics').implement({
  description: 'Order-flow toxicity of the underlying and liquidity stress of its front expiry, as last stored.',
  fields: (t) => ({
    symbol: t.string({ description: 'Underlying symbol.', resolve: (f) => f.mood.symbol }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot they were computed from.', resolve: (f) => f.mood.timestamp }),
    toxicity: t.field({ type: ToxicityType, description: 'VPIN and buy/sell imbalance over every expiry of the underlying.', resolve: (f) => f.mood.toxicity }),
    frontExpiry: t.field({ type: 'Date', nullable: true, description: 'Expiry of `liquidity`.', resolve: (f) => f.front?.expiry ?? null }),
    liquidity: t.field({ type: LiquidityStressType, nullable: true, description: 'Liquidity stress of the front expiry; null when none is stored.', resolve: (f) => f.front?.liquidity ?? null }),
  }),
});

const VolatilityContextType = builder.objectRef<FlowMetrics>('VolatilityContext').implement({
  description: 'India VIX, its divergence from spot, and the front expiry\'s ATM IV against VIX and its history, as last stored.',
  fields: (t) => ({
    symbol: t.string({ description: 'Underlying symbol.', resolve: (f) => f.mood.symbol }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot they were computed from.', resolve: (f) => f.mood.timestamp }),
    vix: t.float({ nullable: true, description: 'India VIX, points.', resolve: (f) => f.mood.vix }),
    vixDivergence: t.field({ type: VixDivergenceType, description: 'Whether VIX and spot moved together over the window.', resolve: (f) => f.mood.vixDivergence }),
    frontExpiry: t.field({ type: 'Date', nullable: true, description: 'Expiry of `expiry`.', resolve: (f) => f.front?.expiry ?? null }),
    expiry: t.field({ type: ChainVolatilityType, nullable: true, description: 'The front expiry\'s volatility; null when none is stored.', resolve: (f) => f.front?.volatility ?? null }),
  }),
});

const MoodHistoryPointType = builder.objectRef<MoodHistoryPoint>('MoodHistoryPoint').implement({
  description: 'The mood over one time bucket.',
  fields: (t) => ({
    bucket: t.field({ type: 'DateTime', description: 'Start of the bucket.', resolve: (p) => p.bucket }),
    moodIndexAverage: t.exposeFloat('moodIndexAverage', { nullable: true, description: 'Mood index averaged over the bucket, 0–100 (null when no snapshot had one).' }),
    moodIndexLast: t.exposeFloat('moodIndexLast', { nullable: true, description: 'Mood index at the latest snapshot in the bucket, 0–100.' }),
    spot: t.exposeFloat('spotLast', { description: 'Spot at the latest snapshot in the bucket (the close), index points.' }),
    vix: t.exposeFloat('vixLast', { nullable: true, description: 'India VIX at the latest snapshot in the bucket, points.' }),
    samples: t.exposeInt('samples', { description: 'Snapshots in the bucket.' }),
  }),
});

const SYMBOL_ARGUMENT = 'Underlying symbol, e.g. NIFTY.';

/** The symbol's latest mood (held in memory, else stored; schema/loaders.ts), or a NO_DATA error naming the symbol. */
async function requireMood(context: Context, symbol: string): Promise<SymbolIntelligence> {
  const instrument = requireInstrument(context, symbol);
  const mood = await loadersOf(context).mood.load(instrument.symbol);
  if (mood === null) throw noData('symbol', `No analytics are stored for ${instrument.symbol} yet: the analytics role has not analysed a snapshot of it (outside 09:15–15:30 IST it skips snapshots unless ANALYTICS_SESSION_HOURS_ONLY=false)`, []);
  return mood;
}

async function flowMetricsOf(context: Context, symbol: string): Promise<FlowMetrics> {
  const mood = await requireMood(context, symbol);
  const front = mood.frontExpiry === null ? null : await loadersOf(context).chainIntelligence.load({ symbol: mood.symbol, expiry: mood.frontExpiry });
  return { mood, front };
}

builder.queryField('marketMood', (t) =>
  t.field({
    type: MarketMoodType,
    description: `The latest mood of an underlying (the API's latest output of the analytics role, else the latest stored). A NO_DATA error until the analytics role has analysed a snapshot of it. Cost ${DATABASE_READ_COST} (a database read at most).`,
    args: { symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }) },
    complexity: DATABASE_READ_COST,
    resolve: (_root, args, context) => requireMood(context, args.symbol),
  }),
);

builder.queryField('moodHistory', (t) =>
  t.field({
    type: [MoodHistoryPointType],
    description:
      'The mood of an underlying over time, one point per bucket with stored analytics, ascending; at most 5000 buckets per request. ' +
      'On TimescaleDB, at FIVE_MINUTES, FIFTEEN_MINUTES and ONE_HOUR, the buckets wholly inside the range come from continuous aggregates of the stored mood ' +
      '(kept at least as long as the per-snapshot rows, by default much longer), and a partial bucket at either end, where `from` or `to` falls inside one, from the per-snapshot rows; ' +
      'elsewhere (other intervals, the embedded database, plain PostgreSQL) every bucket comes from the per-snapshot rows. Either way the points are the same (averages to rounding). ' +
      'Cost as chainHistory.',
    args: {
      symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }),
      from: t.arg({ type: 'DateTime', required: true, description: 'Start of the range, inclusive.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End of the range, exclusive; after `from`.' }),
      interval: t.arg({ type: ChartIntervalEnum, required: true, description: 'Bucket width.' }),
    },
    complexity: chainHistoryCost,
    resolve: async (_root, args, context) => {
      const instrument = requireInstrument(context, args.symbol);
      const from = dateTimeArgument(args.from, 'from')!;
      const to = dateTimeArgument(args.to, 'to')!;
      try {
        return await readDatabase(context, (db) => moodHistory(db, { symbol: instrument.symbol, from, to, interval: args.interval as ChartInterval }));
      } catch (error) {
        if (error instanceof ChainHistoryRangeError) throw badArgument(error.argument, `Argument "${error.argument}": ${error.message}`);
        throw error;
      }
    },
  }),
);

builder.queryField('flowMetrics', (t) =>
  t.field({
    type: FlowMetricsType,
    description: `Order-flow toxicity (VPIN, imbalance) of an underlying and the liquidity stress of its front expiry, as last stored. NO_DATA until analysed. Cost ${2 * DATABASE_READ_COST} (two database reads).`,
    args: { symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }) },
    complexity: 2 * DATABASE_READ_COST,
    resolve: (_root, args, context) => flowMetricsOf(context, args.symbol),
  }),
);

builder.queryField('volatilityContext', (t) =>
  t.field({
    type: VolatilityContextType,
    description: `India VIX, its divergence from spot, and the front expiry's ATM IV against VIX and its history, as last stored. NO_DATA until analysed. Cost ${2 * DATABASE_READ_COST} (two database reads).`,
    args: { symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }) },
    complexity: 2 * DATABASE_READ_COST,
    resolve: (_root, args, context) => flowMetricsOf(context, args.symbol),
  }),
);

builder.subscriptionField('moodUpdated', (t) =>
  t.field({
    type: MarketMoodType,
    description: "An underlying's mood each time the analytics role analyses one of its snapshots (every expiry's); the first event is the next one, not the latest stored.",
    args: { symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }) },
    subscribe: (_root, args, context) => context.pubsub.subscribe('mood:updated', requireInstrument(context, args.symbol).symbol),
    resolve: (mood) => mood,
  }),
);
