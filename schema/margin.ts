/**
 * marginEstimate: the SPAN-like margin ESTIMATE of a strategy's legs
 * (core/strategy/margin.ts, method and parameter sources in its module doc),
 * with every default taken from the latest stored chain of each leg's
 * expiry: the forward (else the future, else spot), the strike's IV, the
 * lot size of the contract on today's IST date (core/instruments.ts
 * `lotSizeOn`), the time to the expiry instant (core/time/expiry.ts), the
 * rate, and the nearest chain's spot and ATM IV (the scan ranges' volatility).
 * Parameters from the MARGIN_* configuration, per symbol.
 *
 * Units: rupees for every margin figure (an index point is a rupee per unit),
 * quantities in lots as the user states them and in units (lots × lot size)
 * where the estimate works, IV as a decimal, percentages as percent.
 *
 * Typed errors (`extensions.code` BAD_USER_INPUT, or NO_DATA for an expiry
 * without a stored chain) name the leg and field: `extensions.argument` is
 * `input.legs[2].strike`, `extensions.leg` the index, `extensions.field` the
 * field.
 */
import { GraphQLError } from 'graphql';
import { builder, badArgument, DATABASE_READ_COST, InvalidInput, type Context } from './builder.ts';
import { storedChain, strikesAround } from './chain.ts';
import { noChainError, requireInstrument } from './market.ts';
import { lotSizeOn } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { LegAction, OptionRight, StrategyLeg } from '../core/strategy/legs.ts';
import {
  MARGIN_METHOD,
  MarginInputError,
  NSE_INDEX_MARGIN_PARAMETERS,
  estimateMargin,
  type LegMargin,
  type MarginEstimate,
  type MarginFigures,
  type MarginMarket,
  type MarginParameters,
  type MarginPosition,
  type ScenarioLoss,
} from '../core/strategy/margin.ts';
import { expiryInstant, istDate, yearsToExpiry } from '../core/time/expiry.ts';

/** Most legs in one position: bounds the work and the scratch columns of the estimate. */
export const MAX_MARGIN_LEGS = 20;
/** Most distinct expiries in one position: each is a chain read. */
export const MAX_MARGIN_EXPIRIES = 6;

const MarginInstrumentEnum = builder.enumType('MarginInstrument', {
  description: 'What a leg trades: an index option, or the index future of its expiry.',
  values: { OPTION: { description: 'A call or put at a strike.' }, FUTURE: { description: 'The index future of the expiry.' } },
});
const MarginOptionRightEnum = builder.enumType('MarginOptionRight', {
  description: 'Call or put.',
  values: { CALL: { description: 'Call (CE).' }, PUT: { description: 'Put (PE).' } },
});
const MarginLegActionEnum = builder.enumType('MarginLegAction', {
  description: 'Bought (long) or sold (short, written).',
  values: { BUY: { description: 'Bought: long.' }, SELL: { description: 'Sold: short.' } },
});

const MarginLegInput = builder.inputType('MarginLegInput', {
  description: 'One leg of the position, as core/strategy/legs.ts states a leg: an option (right and strike) or a future, bought or sold, in lots.',
  fields: (t) => ({
    instrument: t.field({ type: MarginInstrumentEnum, required: true, description: 'OPTION or FUTURE.' }),
    right: t.field({ type: MarginOptionRightEnum, required: false, description: 'CALL or PUT; required for an option, absent for a future.' }),
    strike: t.float({ required: false, description: 'Strike, rupees (index points): one listed in the stored chain of `expiry`; required for an option, absent for a future.' }),
    expiry: t.field({ type: 'Date', required: true, description: 'Expiry date, YYYY-MM-DD, not expired, with a stored chain (expiryList `hasData`).' }),
    action: t.field({ type: MarginLegActionEnum, required: true, description: 'BUY or SELL.' }),
    lots: t.int({ required: true, description: 'Number of lots, a positive integer (units = lots × the contract\'s lot size).' }),
    iv: t.float({ required: false, description: "An option's implied volatility, decimal per year (0.15 = 15 %); absent: that strike's IV in the latest stored chain." }),
  }),
});

const MarginInput = builder.inputType('MarginInput', {
  description: `A position to estimate the margin of: one underlying, 1–${MAX_MARGIN_LEGS} legs over at most ${MAX_MARGIN_EXPIRIES} expiries.`,
  fields: (t) => ({
    symbol: t.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
    legs: t.field({ type: [MarginLegInput], required: true, description: `The legs, 1–${MAX_MARGIN_LEGS}.` }),
    annualVol: t.float({
      required: false,
      description:
        "The underlying's annualised volatility, decimal, that sets the scan ranges (NSE uses the EWMA volatility of index returns); absent: the ATM IV of the nearest leg expiry's stored chain.",
    }),
  }),
});

export interface MarginAnswer extends MarginEstimate {
  symbol: string;
  /** Instant of the nearest leg expiry's stored chain: spot and the volatility are from it. */
  chainTimestamp: number;
  positions: MarginPosition[];
}

const MarginScenarioType = builder.objectRef<ScenarioLoss>('MarginScenario').implement({
  description: 'One of the 16 SPAN scenarios with the position\'s loss in it.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1–16 in SPAN\'s standard order: 1–2 price unchanged, 3–14 ±⅓, ±⅔, ±1 of the price scan range with volatility up then down, 15–16 the extreme moves up and down.' }),
    priceMoveFraction: t.exposeFloat('priceMoveFraction', { description: 'The underlying\'s move as a fraction of each leg\'s price scan range (+ up, − down; ±2 for the extremes by default).' }),
    volMove: t.exposeInt('volMove', { description: '+1 volatility up by the scan range, −1 down, 0 unchanged.' }),
    weight: t.exposeFloat('weight', { description: 'Share of the loss that counts, decimal (1; 0.35 for the extremes by default).' }),
    lossRupees: t.exposeFloat('lossRupees', { description: 'The position\'s weighted loss in the scenario, rupees; negative: a gain.' }),
  }),
});

const MarginParametersType = builder.objectRef<MarginParameters>('MarginParameters').implement({
  description: 'The parameters the estimate used (MARGIN_* configuration; defaults NSE Clearing\'s index-derivative values).',
  fields: (t) => ({
    priceScanSigmas: t.exposeFloat('priceScanSigmas', { description: 'Daily standard deviations in the price scan range, before its √2 scaling (MARGIN_PRICE_SCAN_SIGMAS).' }),
    priceScanMinPct: t.exposeFloat('priceScanMinPct', { description: 'Least price scan range, % of the underlying price (MARGIN_PRICE_SCAN_PCT, per symbol MARGIN_PRICE_SCAN_PCT_BY_SYMBOL).' }),
    priceScanLongDatedMinPct: t.exposeFloat('priceScanLongDatedMinPct', { description: 'Least price scan range of options more than `longDatedYears` out, % (MARGIN_PRICE_SCAN_LONG_DATED_PCT).' }),
    longDatedYears: t.exposeFloat('longDatedYears', { description: 'Residual maturity beyond which an option is long-dated, years (9 months).' }),
    volScanPct: t.exposeFloat('volScanPct', { description: 'Volatility scan range, % of the annualised volatility (MARGIN_VOL_SCAN_PCT).' }),
    volScanMinPct: t.exposeFloat('volScanMinPct', { description: 'Least volatility scan range, vol points (MARGIN_VOL_SCAN_MIN_PCT).' }),
    extremeMoveMultiple: t.exposeFloat('extremeMoveMultiple', { description: 'The extreme scenarios\' move, multiples of the price scan range (MARGIN_EXTREME_MOVE_MULTIPLE).' }),
    extremeCoverPct: t.exposeFloat('extremeCoverPct', { description: 'Share of an extreme scenario\'s loss that counts, % (MARGIN_EXTREME_COVER_PCT).' }),
    shortOptionMinPct: t.exposeFloat('shortOptionMinPct', { description: 'Short option minimum charge, % of the short options\' notional (MARGIN_SHORT_OPTION_MIN_PCT).' }),
    exposurePct: t.exposeFloat('exposurePct', { description: 'Exposure margin, % of the notional of short options and futures (MARGIN_EXPOSURE_PCT).' }),
    calendarSpreadPct: t.exposeFloat('calendarSpreadPct', { description: 'Calendar spread charge, % of the far-month value of the delta offset across expiries (MARGIN_CALENDAR_SPREAD_PCT).' }),
  }),
});

type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The rupee figures a position and each leg alone share, for either's object type. */
function figureFields(t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, MarginFigures>, whose: string) {
  return {
    scanRiskRupees: t.exposeFloat('scanRiskRupees', { description: `Worst weighted scenario loss of ${whose}, rupees, ≥ 0; 0 for long options only.` }),
    calendarSpreadRupees: t.exposeFloat('calendarSpreadRupees', {
      description: `Calendar spread charge of ${whose}, rupees: MARGIN_CALENDAR_SPREAD_PCT (1.75 %) of the far-month value of the delta offset across expiries; 0 within one expiry.`,
    }),
    shortOptionMinimumRupees: t.exposeFloat('shortOptionMinimumRupees', { description: `Short option minimum charge of ${whose}, rupees: MARGIN_SHORT_OPTION_MIN_PCT of the short options' notional, the floor of SPAN.` }),
    spanRupees: t.exposeFloat('spanRupees', { description: `SPAN margin of ${whose}, rupees: max(scan risk + calendar spread charge, short option minimum); 0 for long options only.` }),
    exposureRupees: t.exposeFloat('exposureRupees', { description: `Exposure margin of ${whose}, rupees: MARGIN_EXPOSURE_PCT (2 %) of the notional (units × spot) of short options and futures.` }),
    premiumRupees: t.exposeFloat('premiumRupees', { description: `Premium of the options ${whose} buys, rupees (units × model price at the IV), paid in full; premium received for options sold is not credited.` }),
    totalRupees: t.exposeFloat('totalRupees', { description: `What ${whose} blocks, rupees: SPAN + exposure + premium paid. An estimate.` }),
  };
}

interface LegAnswer extends LegMargin {
  position: MarginPosition;
}

const MarginLegEstimateType = builder.objectRef<LegAnswer>('MarginLegEstimate').implement({
  description: 'One leg with what it was resolved to and its margin alone (the same method on that leg by itself).',
  fields: (t) => ({
    leg: t.exposeInt('leg', { description: 'Index of the leg in `input.legs`, from 0.' }),
    instrument: t.field({ type: MarginInstrumentEnum, description: 'OPTION or FUTURE.', resolve: (l) => l.position.leg.instrument }),
    right: t.field({ type: MarginOptionRightEnum, nullable: true, description: 'CALL or PUT; null for a future.', resolve: (l) => (l.position.leg.instrument === 'OPTION' ? l.position.leg.right : null) }),
    strike: t.float({ nullable: true, description: 'Strike, rupees (index points); null for a future.', resolve: (l) => (l.position.leg.instrument === 'OPTION' ? l.position.leg.strike : null) }),
    expiry: t.field({ type: 'Date', description: 'Expiry date.', resolve: (l) => l.position.leg.expiry }),
    action: t.field({ type: MarginLegActionEnum, description: 'BUY or SELL.', resolve: (l) => l.position.leg.action }),
    lots: t.int({ description: 'Lots, as given.', resolve: (l) => l.position.leg.lots }),
    lotSize: t.int({ description: "Units per lot of this contract on today's IST date.", resolve: (l) => l.position.lotSize }),
    quantityUnits: t.exposeFloat('quantityUnits', { description: 'Signed quantity, units of the underlying (lots × lot size; + bought, − sold).' }),
    iv: t.float({ nullable: true, description: 'IV the option was priced at, decimal (given, or the stored chain\'s); null for a future.', resolve: (l) => (l.position.leg.instrument === 'OPTION' ? l.position.iv : null) }),
    forward: t.float({ description: "Forward (futures) price of the leg's expiry, rupees per unit: the stored chain's forward, else its future, else spot.", resolve: (l) => l.position.forward }),
    tYears: t.float({ description: 'Time to the expiry instant (15:30 IST), ACT/365 years.', resolve: (l) => l.position.tYears }),
    priceRupees: t.exposeFloat('priceRupees', { description: 'Model price now (Black-76 at the IV on the forward; the forward for a future), rupees per unit.' }),
    deltaUnits: t.exposeFloat('deltaUnits', { description: 'Delta to the forward, units of the underlying (quantity × delta; a future\'s is its quantity).' }),
    priceScanPct: t.exposeFloat('priceScanPct', { description: "This leg's price scan range, % of its forward." }),
    volScanPoints: t.exposeFloat('volScanPoints', { description: "This leg's volatility scan range, vol points (4 = IV ± 0.04); 0 for a future." }),
    ...figureFields(t, 'this leg alone'),
  }),
});

export const MarginEstimateType = builder.objectRef<MarginAnswer>('MarginEstimate').implement({
  description:
    'A margin ESTIMATE, SPAN-like, not the clearing corporation\'s figure: the worst of 16 price/volatility scenarios (NSE Clearing index parameters) plus a calendar spread charge, floored by the short option minimum, plus exposure margin and the premium of options bought; long options alone pay their premium only. Rupees throughout.',
  fields: (t) => ({
    isEstimate: t.boolean({ description: 'Always true: an estimate from published parameters, not the clearing corporation\'s risk-parameter files.', resolve: () => true }),
    method: t.exposeString('method', { description: 'The method in one sentence.' }),
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    chainTimestamp: t.field({ type: 'DateTime', description: "When the source took the nearest leg expiry's stored chain (spot and volatility are from it).", resolve: (a) => a.chainTimestamp }),
    spot: t.float({ description: 'Spot index level, rupees per unit: the notionals.', resolve: (a) => a.market.spot }),
    annualVol: t.float({ description: 'Annualised volatility that set the scan ranges, decimal (given, or the nearest chain\'s ATM IV).', resolve: (a) => a.market.annualVol }),
    rate: t.float({ description: 'Risk-free rate of the pricing, decimal per year, continuously compounded.', resolve: (a) => a.market.rate }),
    ...figureFields(t, 'the position'),
    hedgeBenefitRupees: t.exposeFloat('hedgeBenefitRupees', { description: "Σ of each leg's standalone total − the position's total, rupees: above 0 when the legs offset (a spread needs less than its naked short leg)." }),
    worstScenario: t.field({ type: MarginScenarioType, nullable: true, description: 'The scenario that set the scan risk (the first of equal ones); null for long options only (no SPAN).', resolve: (a) => a.worstScenario }),
    scenarios: t.field({ type: [MarginScenarioType], description: 'The 16 scenarios with the position\'s loss, SPAN order; empty for long options only.', resolve: (a) => a.scenarios }),
    legs: t.field({ type: [MarginLegEstimateType], description: 'Each leg, resolved, with its margin alone; input order.', resolve: (a) => a.legs.map((l) => ({ ...l, position: a.positions[l.leg] })) }),
    parameters: t.field({ type: MarginParametersType, description: 'The parameters used.', resolve: (a) => a.parameters }),
  }),
});

type MarginArgs = typeof MarginInput.$inferInput;
type MarginLegArgs = MarginArgs['legs'][number];

/** A typed error naming the leg and field: `extensions.argument` input.legs[i].field. */
function badLeg(index: number, field: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return badArgument(`input.legs[${index}].${field}`, `input.legs[${index}].${field}: ${message}`, { leg: index, field, ...extensions });
}

/** A leg's expiry, checked: a real date, not expired at `nowMs`. */
function legExpiry(leg: MarginLegArgs, index: number, nowMs: number): string {
  if (leg.expiry instanceof InvalidInput) throw badLeg(index, 'expiry', `${leg.expiry.problem}; got ${JSON.stringify(leg.expiry.raw)}`);
  if (expiryInstant(leg.expiry) <= nowMs) throw badLeg(index, 'expiry', `${leg.expiry} has expired (at 15:30 IST that day); give an unexpired expiry from expiryList`);
  return leg.expiry;
}

/** The leg in core/strategy/legs.ts' vocabulary, its fields checked. */
function strategyLeg(leg: MarginLegArgs, index: number, expiry: string): StrategyLeg {
  if (!(Number.isInteger(leg.lots) && leg.lots > 0)) throw badLeg(index, 'lots', `must be a positive integer number of lots, got ${leg.lots}`);
  const action = leg.action as LegAction;
  if (leg.instrument === 'FUTURE') {
    for (const field of ['right', 'strike', 'iv'] as const) {
      if (leg[field] !== null && leg[field] !== undefined) throw badLeg(index, field, 'a FUTURE leg has no right, strike or IV; leave it out');
    }
    return { instrument: 'FUTURE', expiry, action, lots: leg.lots };
  }
  if (!leg.right) throw badLeg(index, 'right', 'an OPTION leg needs right: CALL or PUT');
  if (leg.strike === null || leg.strike === undefined || !(leg.strike > 0)) throw badLeg(index, 'strike', `an OPTION leg needs a positive strike, got ${leg.strike ?? 'none'}`);
  if (leg.iv !== null && leg.iv !== undefined && !(leg.iv > 0 && leg.iv < 5)) throw badLeg(index, 'iv', `must be a decimal between 0 and 5 (0.15 = 15 %), got ${leg.iv}`);
  return { instrument: 'OPTION', right: leg.right as OptionRight, strike: leg.strike, expiry, action, lots: leg.lots, ...(leg.iv == null ? {} : { iv: leg.iv }) };
}

/** The leg resolved against its expiry's stored chain: lot size, time, forward and IV. */
function resolvePosition(context: Context, leg: StrategyLeg, index: number, chain: EnrichedSnapshot, nowMs: number): MarginPosition {
  const instrument = context.instruments.get(chain.symbol)!;
  const lotSize = lotSizeOn(instrument, istDate(nowMs), leg.expiry);
  const tYears = yearsToExpiry(nowMs, expiryInstant(leg.expiry));
  if (leg.instrument === 'FUTURE') return { leg, lotSize, tYears, forward: chain.future ?? chain.forward ?? chain.spot, iv: 0 };
  const forward = chain.forward ?? chain.future ?? chain.spot;
  const row = chain.rows.find((r) => r.strike === leg.strike);
  if (!row) {
    const { strikes, range } = strikesAround(chain, leg.strike);
    throw badLeg(index, 'strike', `${leg.strike} is not a strike of the stored ${chain.symbol} ${chain.expiry} chain ${range}`, { strikes });
  }
  const iv = leg.iv ?? row[leg.right === 'CALL' ? 'call' : 'put']?.iv ?? null;
  if (iv === null || !(iv > 0)) throw badLeg(index, 'iv', `the stored ${chain.symbol} ${chain.expiry} chain has no IV for the ${leg.strike} ${leg.right}; give iv (decimal)`);
  return { leg, lotSize, tYears, forward, iv };
}

async function marginEstimate(context: Context, input: MarginArgs): Promise<MarginAnswer> {
  const instrument = requireInstrument(context, input.symbol, 'input.symbol');
  if (input.legs.length === 0) throw badArgument('input.legs', 'input.legs: give at least one leg', { field: 'legs' });
  if (input.legs.length > MAX_MARGIN_LEGS) throw badArgument('input.legs', `input.legs: at most ${MAX_MARGIN_LEGS} legs, got ${input.legs.length}`, { field: 'legs' });
  if (input.annualVol != null && !(input.annualVol > 0 && input.annualVol < 5)) {
    throw badArgument('input.annualVol', `input.annualVol: must be a decimal between 0 and 5 (0.15 = 15 %), got ${input.annualVol}`, { field: 'annualVol' });
  }
  const nowMs = context.now();
  const legs = input.legs.map((leg, i) => strategyLeg(leg, i, legExpiry(leg, i, nowMs)));
  const expiries = [...new Set(legs.map((l) => l.expiry))].sort();
  if (expiries.length > MAX_MARGIN_EXPIRIES) throw badArgument('input.legs', `input.legs: at most ${MAX_MARGIN_EXPIRIES} expiries in one position, got ${expiries.length}`, { field: 'legs' });
  const chains = new Map<string, EnrichedSnapshot>();
  await Promise.all(
    expiries.map(async (expiry) => {
      const chain = await storedChain(context, instrument.symbol, expiry);
      if (chain) return void chains.set(expiry, chain);
      const index = legs.findIndex((l) => l.expiry === expiry);
      const error = await noChainError(context, instrument, expiry);
      throw new GraphQLError(`input.legs[${index}].expiry: ${error.message}`, { extensions: { ...error.extensions, argument: `input.legs[${index}].expiry`, leg: index, field: 'expiry' } });
    }),
  );
  const positions = legs.map((leg, i) => resolvePosition(context, leg, i, chains.get(leg.expiry)!, nowMs));
  const nearest = chains.get(expiries[0])!;
  const annualVol = input.annualVol ?? nearest.analytics.atmIv ?? mean(positions.filter((p) => p.leg.instrument === 'OPTION').map((p) => p.iv));
  if (!(annualVol !== null && annualVol > 0)) {
    throw badArgument('input.annualVol', `input.annualVol: the stored ${nearest.symbol} ${nearest.expiry} chain has no ATM IV; give annualVol (decimal)`, { field: 'annualVol' });
  }
  return marginAnswer(context, instrument.symbol, positions, { spot: nearest.spot, rate: nearest.rate, annualVol }, nearest.timestamp);
}

/**
 * The estimate of resolved positions with the symbol's configured
 * parameters; a MarginInputError as the typed error naming the leg and field.
 * Shared by `marginEstimate` and the strategy builder's `margin` field.
 */
export function marginAnswer(context: Context, symbol: string, positions: MarginPosition[], market: MarginMarket, chainTimestamp: number): MarginAnswer {
  const parameters = context.marginParameters?.get(symbol) ?? NSE_INDEX_MARGIN_PARAMETERS;
  try {
    return { ...estimateMargin(positions, market, parameters), symbol, chainTimestamp, positions };
  } catch (error) {
    if (!(error instanceof MarginInputError)) throw error;
    throw error.leg === null ? badArgument(`input.${error.field}`, error.message, { field: error.field }) : badLeg(error.leg, error.field, error.message);
  }
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

builder.queryField('marginEstimate', (t) =>
  t.field({
    type: MarginEstimateType,
    description:
      `A margin ESTIMATE of a position's legs, SPAN-like (${MARGIN_METHOD}) Defaults from the latest stored chain of each leg's expiry: forward, the strike's IV, the lot size on today's IST date, the time to 15:30 IST of the expiry; the scan ranges from the nearest chain's ATM IV. ` +
      `Typed errors name the leg and field (\`extensions.argument\` such as input.legs[1].strike, \`extensions.leg\`, \`extensions.field\`): no legs, lots not a positive integer, a strike not in the chain (\`extensions.strikes\`), an expired expiry (BAD_USER_INPUT), an expiry without a stored chain (NO_DATA, \`extensions.expiriesWithData\`). ` +
      `Cost ${DATABASE_READ_COST} per distinct expiry (a chain read each) plus what is selected.`,
    args: { input: t.arg({ type: MarginInput, required: true, description: 'The position: symbol and legs.' }) },
    complexity: (args) => DATABASE_READ_COST * Math.min(Math.max(new Set((args.input?.legs ?? []).map((l) => String(l.expiry))).size, 1), MAX_MARGIN_EXPIRIES),
    resolve: (_root, args, context) => marginEstimate(context, args.input),
  }),
);
