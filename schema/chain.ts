/**
 * Option chains: the latest or a past snapshot with its analytics, and live
 * updates. Units follow the platform's conventions (core/pricing/black.ts):
 * IV decimal, theta per calendar day, vega per vol point, rho per 1 % rate;
 * open interest and volume in contracts (lots), order-book quantities in
 * units of the index, as the exchanges report them.
 */
import { builder, badArgument, dateArgument, dateTimeArgument, readDatabase, DATABASE_READ_COST, type Context, type InvalidInput } from './builder.ts';
import { nearestExpiryWithData, noChainError, requireInstrument, requireUpdatableExpiry } from './market.ts';
import { enrichedChainOf, findEnrichedChain, findSnapshot } from '../db/queries/readChain.ts';
import type { ChainAnalytics, EnrichedQuote, EnrichedRow, EnrichedSnapshot, SupportResistanceLevel } from '../core/models.ts';

/** The most strikes a chain is costed at: a real NSE chain lists up to about 400. */
export const COSTED_STRIKES = 400;

export const OptionQuoteType = builder.objectRef<EnrichedQuote>('OptionQuote').implement({
  description: 'One side (call or put) of one strike, with our implied volatility and Greeks.',
  fields: (t) => ({
    ltp: t.exposeFloat('ltp', { nullable: true, description: 'Last traded price, index points.' }),
    bid: t.exposeFloat('bid', { nullable: true, description: 'Best bid, index points.' }),
    ask: t.exposeFloat('ask', { nullable: true, description: 'Best ask, index points.' }),
    previousClose: t.float({
      nullable: true,
      description: "The previous session's closing price, index points, as the feed reports it; null when the feed did not say (and in chains stored before it was kept).",
      resolve: (q) => q.previousClose ?? null,
    }),
    change: t.float({
      nullable: true,
      description: 'Change of the last traded price since the previous close: ltp − previousClose, index points; null when either is unknown.',
      resolve: (q) => priceChange(q),
    }),
    changePercent: t.float({
      nullable: true,
      description: 'That change as a percentage of the previous close (5 = +5 %); null when either is unknown.',
      resolve: (q) => {
        const change = priceChange(q);
        return change === null ? null : (100 * change) / q.previousClose!;
      },
    }),
    bidQty: t.exposeFloat('bidQty', {
      nullable: true,
      description: "Quantity at the best bid, in units of the index (lots × the chain's lotSize), as the exchange's order book shows it.",
    }),
    askQty: t.exposeFloat('askQty', {
      nullable: true,
      description: "Quantity at the best ask, in units of the index (lots × the chain's lotSize), as the exchange's order book shows it.",
    }),
    volume: t.exposeFloat('volume', {
      nullable: true,
      description: "Volume traded this session, in contracts (lots; × the chain's lotSize for units of the index).",
    }),
    oi: t.exposeFloat('oi', { nullable: true, description: "Open interest, in contracts (lots; × the chain's lotSize for units of the index)." }),
    oiChange: t.exposeFloat('oiChange', { nullable: true, description: 'Change in open interest since the previous session close, in contracts.' }),
    iv: t.exposeFloat('iv', {
      nullable: true,
      description: 'Implied volatility as a decimal (0.15 = 15 %), solved from the mid (LTP without a valid quote) on the forward; null when the price has no solution or the side was flagged.',
    }),
    delta: t.exposeFloat('delta', { nullable: true, description: 'Delta with respect to the spot index.' }),
    gamma: t.exposeFloat('gamma', { nullable: true, description: 'Gamma with respect to the spot index, per index point.' }),
    theta: t.exposeFloat('theta', { nullable: true, description: 'Theta per calendar day, index points.' }),
    vega: t.exposeFloat('vega', { nullable: true, description: 'Vega per 1 vol point, index points.' }),
    rho: t.exposeFloat('rho', { nullable: true, description: 'Rho per 1 % of interest rate, index points.' }),
    vanna: t.exposeFloat('vanna', { nullable: true, description: 'Change of delta per 1 vol point.' }),
    charm: t.exposeFloat('charm', { nullable: true, description: 'Change of delta per calendar day.' }),
    vomma: t.exposeFloat('vomma', { nullable: true, description: 'Change of per-point vega per vol point.' }),
    theoreticalPrice: t.exposeFloat('theoreticalPrice', {
      nullable: true,
      description: "Model price at the strike's smoothed smile volatility (median IV of the two strikes either side): compare with the market to spot outliers.",
    }),
    sourceIv: t.exposeFloat('sourceIv', { nullable: true, description: "The feed's own IV, decimal, kept for comparison; null when the feed sent none or 0." }),
    sourceDelta: t.exposeFloat('sourceDelta', { nullable: true, description: "The feed's own delta, for comparison." }),
    quality: t.exposeString('quality', { nullable: true, description: 'Data-quality flag when this side failed a rule (e.g. crossed_quote, below_intrinsic), else null.' }),
  }),
});

/** ltp − previousClose, index points; null when either is unknown (a chain stored before closes were kept has none). */
function priceChange(q: EnrichedQuote): number | null {
  return q.ltp != null && q.previousClose != null ? q.ltp - q.previousClose : null;
}

export const ChainRowType = builder.objectRef<EnrichedRow>('ChainRow').implement({
  description: 'One strike of the chain.',
  fields: (t) => ({
    strike: t.exposeFloat('strike', { description: 'Strike price, index points.' }),
    call: t.field({ type: OptionQuoteType, nullable: true, description: 'The call (CE); null when the feed has none.', resolve: (row) => row.call }),
    put: t.field({ type: OptionQuoteType, nullable: true, description: 'The put (PE); null when the feed has none.', resolve: (row) => row.put }),
  }),
});

const LevelType = builder.objectRef<SupportResistanceLevel>('OiLevel').implement({
  description: 'A support or resistance candidate from open interest (a practitioner heuristic, not a law).',
  fields: (t) => ({
    strike: t.exposeFloat('strike', { description: 'Strike price.' }),
    oi: t.exposeFloat('oi', { description: 'Put OI (support) or call OI (resistance) at the strike, in contracts.' }),
    strength: t.exposeFloat('strength', { description: "That OI as a share (0–1) of the side's total OI." }),
  }),
});

export const ChainAnalyticsType = builder.objectRef<ChainAnalytics>('ChainAnalytics').implement({
  description: 'Analytics of one chain snapshot; null where the chain does not allow the figure.',
  fields: (t) => ({
    pcrOi: t.exposeFloat('pcrOi', { nullable: true, description: 'Put-call ratio on open interest: Σ put OI / Σ call OI (a ratio of contracts).' }),
    pcrVolume: t.exposeFloat('pcrVolume', { nullable: true, description: 'Put-call ratio on volume: Σ put volume / Σ call volume (a ratio of contracts).' }),
    pcrOiChange: t.exposeFloat('pcrOiChange', { nullable: true, description: 'Σ put OI change / Σ call OI change (signed).' }),
    maxPain: t.exposeFloat('maxPain', { nullable: true, description: 'Strike at which option holders would collect the least at expiry.' }),
    atmStrike: t.exposeFloat('atmStrike', { nullable: true, description: 'Listed strike nearest the forward.' }),
    atmIv: t.exposeFloat('atmIv', { nullable: true, description: 'IV at the ATM strike, decimal (average of call and put).' }),
    straddlePrice: t.exposeFloat('straddlePrice', { nullable: true, description: 'ATM call + put price, index points.' }),
    expectedMove: t.exposeFloat('expectedMove', { nullable: true, description: 'Expected absolute move to expiry implied by the ATM straddle (≈ 0.8·σ·F·√T), index points.' }),
    oneSigmaMove: t.exposeFloat('oneSigmaMove', { nullable: true, description: 'One standard deviation move to expiry, F·σ_ATM·√T, index points.' }),
    riskReversal25: t.exposeFloat('riskReversal25', { nullable: true, description: '25-delta risk reversal: IV(25Δ call) − IV(25Δ put), decimal.' }),
    butterfly25: t.exposeFloat('butterfly25', { nullable: true, description: '25-delta butterfly: mean of the 25Δ IVs minus ATM IV, decimal.' }),
    putCallSkew: t.exposeFloat('putCallSkew', { nullable: true, description: 'IV of the put 5 % below the forward minus IV of the call 5 % above, decimal.' }),
    totalGex: t.exposeFloat('totalGex', { nullable: true, description: 'Total gamma exposure: Σ Γ·OI·lot·S²·0.01 (OI in contracts, so OI·lot is units of the index), rupees per 1 % move, signed by `gexConvention`.' }),
    gammaFlip: t.exposeFloat('gammaFlip', { nullable: true, description: 'Spot level where total GEX changes sign, from re-pricing the chain over spot levels 0.8–1.2×S; null when it does not change sign there.' }),
    gexConvention: t.exposeString('gexConvention', { description: 'Dealer positioning assumed for the GEX sign, e.g. dealer-long-calls-short-puts (calls +, puts −).' }),
    callWall: t.exposeFloat('callWall', { nullable: true, description: 'Strike with the largest call gamma exposure.' }),
    putWall: t.exposeFloat('putWall', { nullable: true, description: 'Strike with the largest put gamma exposure.' }),
    totalCallOi: t.exposeFloat('totalCallOi', { description: 'Σ call open interest, in contracts.' }),
    totalPutOi: t.exposeFloat('totalPutOi', { description: 'Σ put open interest, in contracts.' }),
    support: t.field({ type: [LevelType], description: 'Support candidates: strikes at or below spot with the highest put OI.', resolve: (a) => a.support }),
    resistance: t.field({ type: [LevelType], description: 'Resistance candidates: strikes at or above spot with the highest call OI.', resolve: (a) => a.resistance }),
    basis: t.exposeFloat('basis', { nullable: true, description: 'Futures basis: future − spot, index points (null without a futures price).' }),
    carryRate: t.exposeFloat('carryRate', { nullable: true, description: 'Annualized cost of carry ln(F/S)/T, decimal.' }),
  }),
});

const RejectType = builder.objectRef<{ reason: string; count: number }>('RejectCount').implement({
  description: 'Rows or sides rejected or flagged while processing the snapshot, by reason.',
  fields: (t) => ({
    reason: t.exposeString('reason', { description: 'Reason code, e.g. malformed_row, crossed_quote, iv_priceBelowIntrinsic.' }),
    count: t.exposeInt('count', { description: 'How many.' }),
  }),
});

export const OptionChainType = builder.objectRef<EnrichedSnapshot>('OptionChain').implement({
  description: 'One expiry of one underlying at one instant, enriched.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    expiry: t.field({ type: 'Date', description: 'Expiry date (15:30 IST).', resolve: (c) => c.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'When the source took the snapshot.', resolve: (c) => c.timestamp }),
    processedAt: t.field({ type: 'DateTime', description: 'When the processor enriched it.', resolve: (c) => c.processedAt }),
    source: t.exposeString('source', { description: 'simulator, dhan or replay.' }),
    spot: t.exposeFloat('spot', { description: 'Spot index level.' }),
    future: t.exposeFloat('future', { nullable: true, description: 'Futures price of this expiry, when the source has one.' }),
    forward: t.exposeFloat('forward', { nullable: true, description: 'Forward used for pricing.' }),
    forwardSource: t.exposeString('forwardSource', { description: 'Where the forward came from: future, parity (put-call parity at the ATM strikes) or carry.' }),
    vix: t.exposeFloat('vix', { nullable: true, description: 'India VIX at the snapshot, points, when known.' }),
    timeToExpiryYears: t.float({ description: 'ACT/365 years from the snapshot to the expiry instant.', resolve: (c) => c.tYears }),
    rate: t.exposeFloat('rate', { description: 'Risk-free rate used, decimal, continuously compounded.' }),
    lotSize: t.exposeInt('lotSize', {
      description: "Units of the index per contract of this expiry on the snapshot's date (the exchange's lot size, revised by circular): OI and volume count contracts of this size; exposures use it.",
    }),
    analytics: t.field({ type: ChainAnalyticsType, description: 'Chain analytics.', resolve: (c) => c.analytics }),
    rows: t.field({
      type: [ChainRowType],
      description: `Strikes, ascending. Costs ${COSTED_STRIKES} × what is selected in a row (a chain has up to about ${COSTED_STRIKES} strikes).`,
      complexity: { field: 1, multiplier: COSTED_STRIKES },
      resolve: (c) => c.rows,
    }),
    rejects: t.field({
      type: [RejectType],
      description: 'What the processor rejected or flagged in this snapshot, by reason.',
      resolve: (c) => Object.entries(c.rejects).map(([reason, count]) => ({ reason, count })),
    }),
  }),
});

builder.queryField('optionChain', (t) =>
  t.field({
    type: OptionChainType,
    nullable: true,
    description: `An enriched option chain: the latest stored snapshot of an expiry, or the last one at or before \`at\`. When nothing stored answers, null with a NO_DATA error (\`extensions.code\`) whose \`extensions.argument\` names the argument to change and \`extensions.expiriesWithData\` lists the expiries with stored chains. Cost ${DATABASE_READ_COST} (a database read) plus what is selected.`,
    args: chainAtArguments(t.arg),
    complexity: DATABASE_READ_COST,
    resolve: (_root, args, context) => chainAt(context, args),
  }),
);

/** What an optional `expiry` of a chain read means (optionChain and the charts at an instant). */
export const CHAIN_EXPIRY_ARGUMENT =
  "Expiry date, YYYY-MM-DD: a `date` from expiryList with `hasData`. Omitted: the nearest expiry with a stored chain, that is the earliest one not expired at `at` (now without `at`) with a snapshot at or before it; the answer's `expiry` says which.";

/** What an optional `at` of a chain read means. */
export const CHAIN_AT_ARGUMENT =
  'An instant with a time zone, not in the future (e.g. 2026-11-23T10:00:00+05:30): the snapshot at or before it instead of the latest.';

export type ArgumentBuilder = Parameters<Parameters<typeof builder.queryField>[1]>[0]['arg'];

/** The arguments of a read of one chain at an instant (optionChain and the charts at an instant): symbol, optional expiry and at. */
export function chainAtArguments(arg: ArgumentBuilder) {
  return {
    symbol: arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
    expiry: arg({ type: 'Date', required: false, description: CHAIN_EXPIRY_ARGUMENT }),
    at: arg({ type: 'DateTime', required: false, description: CHAIN_AT_ARGUMENT }),
  };
}

/**
 * The stored chain optionChain answers: the latest snapshot of `expiry` (the
 * nearest with data when absent), or the last one at or before `at`, through
 * the latest-chain and past-chain caches; typed errors naming the argument
 * for bad input, NO_DATA when nothing stored answers. The charts at an
 * instant (schema/charts.ts) read their chain through it.
 */
export async function chainAt(
  context: Context,
  args: { symbol: string; expiry?: string | InvalidInput | null; at?: Date | InvalidInput | null },
): Promise<EnrichedSnapshot> {
  const instrument = requireInstrument(context, args.symbol);
  const requested = dateArgument(args.expiry, 'expiry');
  const at = pastInstantArgument(context, args.at);
  const expiry = requested ?? (await nearestExpiryWithData(context, instrument, at)).expiry;
  const chain = await storedChain(context, instrument.symbol, expiry, at);
  if (chain) return chain;
  throw await noChainError(context, instrument, expiry, at);
}

/**
 * chainAt's read, for arguments already checked: the latest chain of
 * `expiry`, or the last one at or before `at`, through the caches; null
 * when nothing stored answers.
 */
export async function storedChain(context: Context, symbol: string, expiry: string, at?: Date): Promise<EnrichedSnapshot | null> {
  const load = () => readDatabase(context, (db) => findEnrichedChain(db, symbol, expiry, at));
  // The latest chain is the hot query: served from the cache when there is one;
  // a past one from the past-chain cache, once its instant is known.
  return at
    ? ((await pastChain(context, symbol, expiry, at)) ?? load())
    : context.cache
      ? context.cache.getOrLoad(latestChainKey(symbol, expiry), load)
      : load();
}

/**
 * For an error naming a strike a chain does not list: the chain's strikes,
 * and its range with the listed strikes within five steps of `strike`, as
 * "(23500–24500; nearby: 24000, 24050)".
 */
export function strikesAround(chain: EnrichedSnapshot, strike: number): { strikes: number[]; range: string } {
  const strikes = chain.rows.map((r) => r.strike);
  const near = strikes.filter((s) => Math.abs(s - strike) <= 5 * (strikes[1] - strikes[0] || 1));
  return { strikes, range: `(${strikes[0]}–${strikes.at(-1)}${near.length ? `; nearby: ${near.join(', ')}` : ''})` };
}

/** An optional `at` argument: undefined when absent, else an instant not in the future (a minute of clock skew allowed), or a typed error naming it. */
export function pastInstantArgument(context: Context, value: Date | InvalidInput | null | undefined): Date | undefined {
  const at = dateTimeArgument(value, 'at');
  if (at && at.getTime() > context.now() + 60_000) throw badArgument('at', `Argument "at" (${at.toISOString()}) is in the future`);
  return at;
}

/**
 * The chain at or before `at` through the past-chain cache: the stored
 * snapshot's row, the read the uncached path starts with (on the embedded
 * store it holds the packed option rows too), then the chain from memory
 * when an earlier read kept it under the snapshot's instant, since a stored
 * snapshot never changes; else its rows unpacked, or read from option_quotes
 * (PostgreSQL), and kept. Null without the cache or when nothing is stored at
 * or before `at`: the caller then reads as without a cache, so the answer is
 * always the uncached one. One database slot for both reads, as the
 * uncached read takes.
 */
async function pastChain(context: Context, symbol: string, expiry: string, at: Date): Promise<EnrichedSnapshot | null> {
  const cache = context.pastChains;
  if (!cache) return null;
  return readDatabase(context, async (db) => {
    const snapshot = await findSnapshot(db, symbol, expiry, at);
    if (!snapshot) return null;
    return cache.getOrLoad(pastChainKey(symbol, expiry, snapshot.ts.getTime()), () => enrichedChainOf(db, snapshot));
  });
}

/** The cache key of the stored chain of one expiry taken at `tsMs` (epoch ms). */
export function pastChainKey(symbol: string, expiry: string, tsMs: number): string {
  return `chain:at:${symbol}:${expiry}:${tsMs}`;
}

/** The cache key of the latest chain of one expiry. */
export function latestChainKey(symbol: string, expiry: string): string {
  return `chain:latest:${symbol}:${expiry}`;
}

/** The key prefix covering every cached latest chain of a symbol. */
export function latestChainPrefix(symbol: string): string {
  return `chain:latest:${symbol}:`;
}

/** The pub/sub topic key of one expiry's updates. */
export function chainTopicKey(symbol: string, expiry: string): string {
  return `${symbol}:${expiry}`;
}

/**
 * The chain a live subscription follows: `expiry`, when updates can still
 * come for it, else the nearest expiry with a stored chain (errors as
 * chainUpdated describes); noted as the subscription's live source.
 */
export async function followedChain(context: Context, args: { symbol: string; expiry?: string | InvalidInput | null }): Promise<{ symbol: string; expiry: string; topic: string }> {
  const instrument = requireInstrument(context, args.symbol);
  const requested = dateArgument(args.expiry, 'expiry');
  const expiry = requested === undefined ? (await nearestExpiryWithData(context, instrument)).expiry : await requireUpdatableExpiry(context, instrument, requested);
  const topic = chainTopicKey(instrument.symbol, expiry);
  context.noteLiveSource?.(topic);
  return { symbol: instrument.symbol, expiry, topic };
}

builder.subscriptionField('chainUpdated', (t) =>
  t.field({
    type: OptionChainType,
    description:
      'Every new enriched snapshot of one expiry, as soon as it is processed; the first event is the next snapshot, not the latest stored one. An expiry that gets no more updates (expired, or neither upcoming in the calendar nor stored) is refused up front with a BAD_USER_INPUT error listing the expiries with data. An upcoming expiry without data yet (`hasData: false` in expiryList) is accepted and delivers from its first snapshot on: the simulator produces the nearest EXPIRIES_PER_SYMBOL (default 2) expiries, so a later one starts when an earlier one expires.',
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      expiry: t.arg({
        type: 'Date',
        required: false,
        description:
          "Expiry date, YYYY-MM-DD, from expiryList. Omitted: the nearest unexpired expiry with a stored chain when the subscription starts, kept for the subscription's life (each event's `expiry` says which); a NO_DATA error when none is stored yet.",
      }),
    },
    complexity: DATABASE_READ_COST,
    subscribe: async (_root, args, context) => context.pubsub.subscribe('chain:updated', (await followedChain(context, args)).topic),
    resolve: (snapshot) => snapshot,
  }),
);
