/**
 * One cell of the chain, as a user sees it on clicking it: the side's quote,
 * IV and Greeks in the latest chain (as optionChain answers it), its stored
 * OI flow (velocity and buildup class per window, as optionFlow answers it)
 * and that flow over the day (its buildup history), and its session so far in 5-minute buckets from the stored option rows
 * (db/queries/strikeHistory.ts), with where its IV now sits in that session
 * and its market price against the model at the session's ATM IV
 * (chainHistory's buckets of the same session).
 *
 * Units: prices in index points, IV as a decimal (0.15 = 15 %), vol points
 * as percentage points of IV (1 vol point = 0.01), OI and volume in contracts.
 */
import { builder, badArgument, dateArgument, noData, readDatabase, DATABASE_READ_COST, type Context, type InvalidInput } from './builder.ts';
import { chainAt, storedChain, strikesAround, OptionQuoteType } from './chain.ts';
import { OptionSideEnum } from './chainDelta.ts';
import { StrikeBuildupType, StrikeSideFlowType, latestFlowsOf } from './intelligence.ts';
import { strikeFlowHistory, type StrikeFlowPoint } from '../db/queries/readAnalytics.ts';
import { strikeHistory, type StrikeHistoryPoint } from '../db/queries/strikeHistory.ts';
import type { ChainHistoryPoint } from '../db/queries/chainHistory.ts';
import { readChainHistory } from './charts.ts';
import { istDate, istMidnight } from '../core/time/expiry.ts';
import type { EnrichedQuote, EnrichedSnapshot } from '../core/models.ts';
import type { StrikeSideView } from '../core/intelligence/index.ts';

type Side = 'call' | 'put';

interface OptionCell {
  chain: EnrichedSnapshot;
  strike: number;
  side: Side;
  quote: EnrichedQuote;
  /** The cell at the latest stored chain of the expiry before the IST day of `chain`, with that chain's instant; null when none is stored with its rows. */
  previousClose: { timestamp: number; quote: EnrichedQuote } | null;
  flow: { timestamp: number; view: StrikeSideView } | null;
  session: StrikeHistoryPoint[];
  /** The expiry's chain over the same session and buckets (ATM IV per bucket). */
  chainSession: ChainHistoryPoint[];
  buildupHistory: StrikeFlowPoint[];
}

/** The session series' bucket width: the strike series' finest (db/queries/strikeHistory.ts). */
const SESSION_INTERVAL = '5m';
/** 5-minute buckets in a day: the most a session series holds. */
const SESSION_BUCKETS = 288;

/**
 * The market price (the mid of a two-sided quote, else the last trade) less
 * the theoretical price at the smoothed smile, in vol points: the price
 * difference over vega (per vol point), a first-order conversion. Null
 * without a price, a theoretical price or a positive vega.
 */
export function marketVersusTheoreticalVolPoints(quote: EnrichedQuote): number | null {
  const twoSided = quote.bid !== null && quote.ask !== null && quote.bid > 0 && quote.ask >= quote.bid;
  const market = twoSided ? (quote.bid! + quote.ask!) / 2 : quote.ltp;
  if (market === null || quote.theoreticalPrice === null || !(quote.vega !== null && quote.vega > 0)) return null;
  return (market - quote.theoreticalPrice) / quote.vega;
}

/** The last IV of each session bucket that has one, decimal. */
function sessionIvs(session: readonly StrikeHistoryPoint[]): number[] {
  return session.map((p) => p.ivLast).filter((v): v is number => v !== null && Number.isFinite(v));
}

/** Share of the session's buckets whose last IV is below `iv`, 0–100; null without `iv` or buckets with an IV. */
export function sessionIvPercentile(iv: number | null, session: readonly StrikeHistoryPoint[]): number | null {
  const ivs = sessionIvs(session);
  if (iv === null || ivs.length === 0) return null;
  return (100 * ivs.filter((v) => v < iv).length) / ivs.length;
}

export interface ModelPoint {
  bucket: Date;
  /** The side's last traded price at the bucket's latest row, index points. */
  marketPrice: number | null;
  /** The side's IV at the bucket's latest row, decimal. */
  marketIv: number;
  /** The expiry's ATM IV averaged over the bucket, decimal: the model volatility. */
  modelIv: number;
  /** (marketIv − modelIv) × 100. */
  volPoints: number;
  /** volPoints × vega (index points per vol point): market minus model price, index points, first order. */
  pricePoints: number | null;
  /** pricePoints × lot size: rupees per lot. */
  rupeesPerLot: number | null;
}

/**
 * The side's market price against the model price at the session's ATM IV,
 * per bucket present in both series with an IV in each: the IV difference in
 * vol points, and in price through the bucket's last vega (first order: the
 * price the option would have at the ATM IV is its price less
 * vega × the vol difference), in index points and rupees per lot.
 */
export function sessionVersusModel(session: readonly StrikeHistoryPoint[], chainSession: readonly ChainHistoryPoint[], lotSize: number): ModelPoint[] {
  const atmIvs = new Map(chainSession.map((p) => [p.bucket.getTime(), p.atmIv]));
  const out: ModelPoint[] = [];
  for (const p of session) {
    const modelIv = atmIvs.get(p.bucket.getTime());
    if (p.ivLast === null || modelIv === null || modelIv === undefined) continue;
    const volPoints = (p.ivLast - modelIv) * 100;
    const pricePoints = p.vegaLast === null ? null : volPoints * p.vegaLast;
    out.push({ bucket: p.bucket, marketPrice: p.priceClose, marketIv: p.ivLast, modelIv, volPoints, pricePoints, rupeesPerLot: pricePoints === null ? null : pricePoints * lotSize });
  }
  return out;
}

/** Now minus the previous close of one figure of a quote, null when either is unknown. */
function change(now: number | null, before: number | null, scale = 1): number | null {
  return now === null || before === null ? null : (now - before) * scale;
}

const DayChangeType = builder.objectRef<{ now: EnrichedQuote; before: EnrichedQuote }>('OptionCellDayChange').implement({
  description: "The cell now minus the cell at `previousClose`; each null when either value is unknown.",
  fields: (t) => ({
    ltpPoints: t.float({ nullable: true, description: 'Last traded price change, index points.', resolve: ({ now, before }) => change(now.ltp, before.ltp) }),
    ivVolPoints: t.float({ nullable: true, description: 'IV change, vol points (1 = 0.01 of IV).', resolve: ({ now, before }) => change(now.iv, before.iv, 100) }),
    delta: t.float({ nullable: true, description: 'Delta change.', resolve: ({ now, before }) => change(now.delta, before.delta) }),
    gamma: t.float({ nullable: true, description: 'Gamma change, per index point.', resolve: ({ now, before }) => change(now.gamma, before.gamma) }),
    theta: t.float({ nullable: true, description: 'Theta change, index points per calendar day.', resolve: ({ now, before }) => change(now.theta, before.theta) }),
    vega: t.float({ nullable: true, description: 'Vega change, index points per vol point.', resolve: ({ now, before }) => change(now.vega, before.vega) }),
    oiContracts: t.float({ nullable: true, description: 'Open interest change, contracts.', resolve: ({ now, before }) => change(now.oi, before.oi) }),
  }),
});

const SessionPointType = builder.objectRef<StrikeHistoryPoint>('OptionCellSessionPoint').implement({
  description: 'The cell over one 5-minute bucket of the session, from the stored option rows: "last" is the value of the bucket\'s latest row, "avg" the average over its rows.',
  fields: (t) => ({
    bucket: t.field({ type: 'DateTime', description: 'Start of the bucket.', resolve: (p) => p.bucket }),
    ivLast: t.exposeFloat('ivLast', { nullable: true, description: 'IV at the latest row of the bucket, decimal.' }),
    ivAvg: t.exposeFloat('ivAvg', { nullable: true, description: 'IV averaged over the bucket, decimal.' }),
    oiLast: t.exposeFloat('oiLast', { nullable: true, description: 'Open interest at the latest row of the bucket, contracts.' }),
    volumeLast: t.exposeFloat('volumeLast', { nullable: true, description: 'Session volume at the latest row of the bucket, contracts.' }),
    priceClose: t.exposeFloat('priceClose', { nullable: true, description: 'Last traded price at the latest row of the bucket, index points (strikeSeries has the whole OHLC and the Greeks).' }),
  }),
});

const ModelPointType = builder.objectRef<ModelPoint>('OptionCellModelPoint').implement({
  description:
    "The cell against the model over one 5-minute bucket of the session: its market IV and price at the bucket's latest row against the model at the expiry's ATM IV averaged over the bucket (chainHistory's atmIv), first order through the bucket's last vega.",
  fields: (t) => ({
    bucket: t.field({ type: 'DateTime', description: 'Start of the bucket.', resolve: (p) => p.bucket }),
    marketPrice: t.exposeFloat('marketPrice', { nullable: true, description: 'Last traded price at the latest row of the bucket, index points.' }),
    marketIv: t.exposeFloat('marketIv', { description: 'IV at the latest row of the bucket, decimal (0.15 = 15 %).' }),
    modelIv: t.exposeFloat('modelIv', { description: "The expiry's ATM IV averaged over the bucket, decimal: the volatility the model prices at." }),
    volPoints: t.exposeFloat('volPoints', { description: 'Market minus model, vol points (1 = 0.01 of IV); above 0: rich against the ATM IV.' }),
    pricePoints: t.exposeFloat('pricePoints', { nullable: true, description: 'Market minus model price, index points: volPoints × the bucket\'s last vega (per vol point), first order. Null without a stored vega.' }),
    rupeesPerLot: t.exposeFloat('rupeesPerLot', { nullable: true, description: 'pricePoints × the lot size: market minus model, rupees per lot.' }),
  }),
});

const BuildupPointType = builder.objectRef<StrikeFlowPoint>('OptionCellBuildupPoint').implement({
  description: "The cell's stored OI flow at one instant: the latest of its 5-minute bucket.",
  fields: (t) => ({
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the analysed snapshot.', resolve: (p) => p.timestamp }),
    oiContracts: t.exposeFloat('oiContracts', { nullable: true, description: 'Open interest, contracts.' }),
    changeSinceOpenContracts: t.exposeFloat('changeSinceOpenContracts', { nullable: true, description: "OI change since the session's first snapshot, contracts." }),
    buildups: t.field({ type: [StrikeBuildupType], description: 'Buildup class per window, then the session.', resolve: (p) => p.buildups }),
  }),
});

const OptionCellType = builder.objectRef<OptionCell>('OptionCell').implement({
  description:
    'One side of one strike of the latest chain with its day change, its flow, its session and its market price against the model over the session.',
  fields: (t) => ({
    symbol: t.string({ description: 'Underlying symbol.', resolve: (c) => c.chain.symbol }),
    expiry: t.field({ type: 'Date', description: 'Expiry date.', resolve: (c) => c.chain.expiry }),
    strike: t.exposeFloat('strike', { description: 'Strike price, index points.' }),
    side: t.field({ type: OptionSideEnum, description: 'Which side of the strike.', resolve: (c) => c.side }),
    timestamp: t.field({ type: 'DateTime', description: 'When the source took the chain the quote is from.', resolve: (c) => c.chain.timestamp }),
    spot: t.float({ description: 'Spot index level at that chain, index points.', resolve: (c) => c.chain.spot }),
    quote: t.field({ type: OptionQuoteType, description: 'The quote, IV and Greeks now (units as in OptionQuote: IV decimal, theta per day, vega per vol point).', resolve: (c) => c.quote }),
    previousClose: t.field({
      type: OptionQuoteType,
      nullable: true,
      description:
        "The cell at the latest stored chain of this expiry before the IST day of `timestamp` (the previous session's close when the feed ran until it), quote, IV and Greeks. Null when no such chain is stored with its option rows: on the embedded database and plain PostgreSQL the raw rows are kept RETENTION_RAW (default 1 hour) before only their OI, IV and volume are kept in rollups, so a day's Greeks are usually gone by the next; TimescaleDB keeps them TIMESCALE_RETENTION.",
      resolve: (c) => c.previousClose?.quote ?? null,
    }),
    previousCloseAt: t.field({ type: 'DateTime', nullable: true, description: 'When the chain of `previousClose` was taken; null with it.', resolve: (c) => c.previousClose?.timestamp ?? null }),
    dayChange: t.field({
      type: DayChangeType,
      nullable: true,
      description: 'Price, IV, Greeks and OI now minus at `previousClose`; null with it.',
      resolve: (c) => (c.previousClose ? { now: c.quote, before: c.previousClose.quote } : null),
    }),
    marketVersusTheoreticalVolPoints: t.float({
      nullable: true,
      description:
        "Market price (mid of a two-sided quote, else the last trade) minus the model price at the strike's smoothed smile volatility (`quote.theoreticalPrice`), in vol points: the price difference over vega (first order). Above 0: rich against its neighbours. Null without a price or a positive vega.",
      resolve: (c) => marketVersusTheoreticalVolPoints(c.quote),
    }),
    flow: t.field({
      type: StrikeSideFlowType,
      nullable: true,
      description: "The side's OI flow as of the latest analysed snapshot (as optionFlow answers it): OI velocity and acceleration per window (contracts per minute), and its buildup class per window, then the session. Null until analysed.",
      resolve: (c) => c.flow?.view ?? null,
    }),
    buildupHistory: t.field({
      type: [BuildupPointType],
      description: `The cell's stored OI flow over this IST day, the latest of each 5-minute bucket, ascending: how its buildup class moved. The per-strike flows are kept as long as the raw rows (RETENTION_RAW, default 1 hour, on the embedded database and plain PostgreSQL), so this reaches back that far. Costs ${SESSION_BUCKETS} × what a point selects.`,
      complexity: { field: 1, multiplier: SESSION_BUCKETS },
      resolve: (c) => c.buildupHistory,
    }),
    flowAt: t.field({ type: 'DateTime', nullable: true, description: 'Instant of the snapshot `flow` was computed from; null with it.', resolve: (c) => c.flow?.timestamp ?? null }),
    sessionIvPercentile: t.float({
      nullable: true,
      description: "Where the side's IV now sits in its session: the share of the session's 5-minute buckets (this IST day, stored rows) whose last IV is below it, 0–100; null without an IV or stored rows.",
      resolve: (c) => sessionIvPercentile(c.quote.iv, c.session),
    }),
    sessionIvLow: t.float({ nullable: true, description: "Lowest bucket IV of the session, decimal.", resolve: (c) => extreme(c.session, Math.min) }),
    sessionIvHigh: t.float({ nullable: true, description: "Highest bucket IV of the session, decimal.", resolve: (c) => extreme(c.session, Math.max) }),
    sessionVersusModel: t.field({
      type: [ModelPointType],
      description: `The side's market price against the model price at the expiry's ATM IV over this IST day so far, one point per 5-minute bucket with an IV in both (vol points, index points and rupees per lot). Costs ${SESSION_BUCKETS} × what a point selects.`,
      complexity: { field: 1, multiplier: SESSION_BUCKETS },
      resolve: (c) => sessionVersusModel(c.session, c.chainSession, c.chain.lotSize),
    }),
    session: t.field({
      type: [SessionPointType],
      description: `The side over this IST day so far, one point per 5-minute bucket with stored rows, ascending (IV, OI, volume). Costs ${SESSION_BUCKETS} × what a point selects.`,
      complexity: { field: 1, multiplier: SESSION_BUCKETS },
      resolve: (c) => c.session,
    }),
  }),
});

function extreme(session: readonly StrikeHistoryPoint[], pick: (...values: number[]) => number): number | null {
  const ivs = sessionIvs(session);
  return ivs.length ? pick(...ivs) : null;
}

/** The row of `strike` in the chain, or BAD_USER_INPUT naming `strike` with the strikes there are. */
function requireStrike(chain: EnrichedSnapshot, strike: number) {
  const row = chain.rows.find((r) => r.strike === strike);
  if (row) return row;
  const { strikes, range } = strikesAround(chain, strike);
  throw badArgument('strike', `Argument "strike": ${strike} is not a strike of the ${chain.symbol} ${chain.expiry} chain ${range}`, { strikes });
}

/**
 * The cell in the latest chain of its expiry stored before the IST day of
 * `chain`, read as optionChain(at) reads it (past-chain cache); null when
 * none is stored with its rows before then, or the strike or side is not in it.
 */
async function previousCell(context: Context, chain: EnrichedSnapshot, strike: number, side: Side): Promise<OptionCell['previousClose']> {
  const at = new Date(istMidnight(istDate(chain.timestamp)) - 1);
  const before = await storedChain(context, chain.symbol, chain.expiry, at);
  const quote = before?.rows.find((r) => r.strike === strike)?.[side];
  return before && quote ? { timestamp: before.timestamp, quote } : null;
}

async function optionCell(context: Context, args: { symbol: string; expiry: string | InvalidInput; strike: number; side: Side }): Promise<OptionCell> {
  const chain = await chainAt(context, { symbol: args.symbol, expiry: dateArgument(args.expiry, 'expiry') });
  const row = requireStrike(chain, args.strike);
  const quote = row[args.side];
  if (!quote) {
    throw noData('side', `The ${chain.symbol} ${chain.expiry} ${args.strike} strike has no ${args.side} in the latest chain (the feed sent none); ask for the other side`, [chain.expiry]);
  }
  const from = new Date(istMidnight(istDate(chain.timestamp)));
  const to = new Date(chain.timestamp + 1);
  const optionType = args.side === 'call' ? 'CE' : 'PE';
  const series = { symbol: chain.symbol, expiry: chain.expiry, strike: row.strike, optionType, from, to } as const;
  const [previousClose, flows, session, buildupHistory, chainSession] = await Promise.all([
    previousCell(context, chain, row.strike, args.side),
    latestFlowsOf(context, chain.symbol, chain.expiry),
    readDatabase(context, (db) => strikeHistory(db, { ...series, interval: SESSION_INTERVAL })),
    readDatabase(context, (db) => strikeFlowHistory(db, series)),
    readChainHistory(context, { symbol: chain.symbol, expiry: chain.expiry, from, to, interval: SESSION_INTERVAL }),
  ]);
  const flowRow = flows?.rows.find((r) => r.strike === row.strike);
  const flow = flows && flowRow ? { timestamp: flows.timestamp, view: flowRow[args.side] } : null;
  return { chain, strike: row.strike, side: args.side, quote, previousClose, flow, session, chainSession, buildupHistory };
}

builder.queryField('optionCell', (t) =>
  t.field({
    type: OptionCellType,
    description:
      `One cell of the latest chain (one side of one strike): its quote, IV and Greeks now and their day change, market against theoretical in vol points, its stored OI flow (velocity, buildups per window) and buildup history, and its session so far with the IV percentile in it. ` +
      `Typed errors name the argument: an unknown symbol or a strike not in the chain BAD_USER_INPUT (\`extensions.strikes\` lists the chain's strikes), an expiry without a stored chain NO_DATA (\`extensions.expiriesWithData\`), a side the feed did not send NO_DATA naming \`side\`. Cost ${6 * DATABASE_READ_COST} (six database reads) plus what is selected.`,
    nullable: true,
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      expiry: t.arg({ type: 'Date', required: true, description: 'Expiry date, YYYY-MM-DD: a `date` from expiryList with `hasData`.' }),
      strike: t.arg.float({ required: true, description: 'Strike price, index points: one of the chain\'s strikes.' }),
      side: t.arg({ type: OptionSideEnum, required: true, description: 'CALL (CE) or PUT (PE).' }),
    },
    complexity: 6 * DATABASE_READ_COST,
    resolve: (_root, args, context) => optionCell(context, { ...args, side: args.side as Side }),
  }),
);
