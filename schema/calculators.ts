/**
 * Calculators: one option's price and Greeks, its implied volatility, and the
 * strategy builder (payoff, P&L at dates, breakevens, probabilities, Greeks,
 * what-if grid, templates), as a query and as a live subscription. The math
 * is core/strategy/ and core/pricing/; this file reads the latest stored
 * chains for the defaults and maps bad input to typed errors.
 *
 * Units: prices in index points (rupees per unit of the index); P&L,
 * premiums and position Greeks in rupees for the whole position (units =
 * lots × lot size); IV as a decimal (0.15 = 15 %) unless a name says vol
 * points (1 vol point = 0.01); theta per calendar day, vega per vol point,
 * rho per 1 % of rate (core/pricing/black.ts).
 *
 * Bad strategy input is a BAD_USER_INPUT error (NO_DATA for an expiry
 * without a stored chain) whose extensions name, as marginEstimate's do,
 * `argument` (input.legs[1].strike, input.targetDates[0], input.spotPoints),
 * `field` (legs, lots, strike, expiry, entryPrice, iv, ivShiftVolPoints, right,
 * targetDates, spotPoints, spotFrom, whatIf.days…), `leg` (the leg's index in
 * `legs`, null for the strategy as a whole) and `item` (the position in a
 * list field such as targetDates, else null).
 */
import { GraphQLError } from 'graphql';
import { builder, badArgument, dateArgument, dateTimeArgument, DATABASE_READ_COST, InvalidInput, type Context } from './builder.ts';
import { storedChain, chainTopicKey } from './chain.ts';
import { requireInstrument } from './market.ts';
import { optionGreeks, GREEK_NAMES, type Greeks, type PricingModel } from '../core/pricing/black.ts';
import { impliedVol, IvStatus, IV_STATUS_NAMES } from '../core/iv/impliedVol.ts';
import { expiryInstant, yearsToExpiry } from '../core/time/expiry.ts';
import { atmStrike } from '../core/analytics/atm.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { LegAction, OptionRight, StrategyLeg } from '../core/strategy/legs.ts';
import { evaluateStrategy, type Horizon, type Probabilities, type StrategyEvaluation } from '../core/strategy/evaluate.ts';
import { legValueAt, yearsBetween, type PricedLeg, type StrategyMarket } from '../core/strategy/pnl.ts';
import { MarginEstimateType, marginAnswer, type MarginAnswer } from './margin.ts';
import {
  cachedExpiryMarket,
  expirySmile,
  checkLegs,
  checkTargets,
  resolveLegs,
  spotGrid,
  StrategyInputError,
  valuationMarket,
  MAX_LEGS,
  MAX_SPOT_POINTS,
  type BuilderLeg,
  type ExpiryMarket,
} from '../core/strategy/resolve.ts';
import { STRATEGY_TEMPLATES, instantiateTemplate, type StrategyTemplate } from '../core/strategy/templates.ts';
import { whatIfGrid, WHAT_IF_MAX_CELLS, type WhatIfGrid } from '../core/strategy/whatIf.ts';

const DAY_MS = 86_400_000;
/** Spot points of the curves when not asked. */
export const DEFAULT_SPOT_POINTS = 201;
/** Most target dates. */
export const MAX_TARGET_DATES = 20;
/** What a strategy evaluation costs on top of what it selects (its reads and its math). */
export const STRATEGY_COST = 2 * DATABASE_READ_COST;

// ---- enums ----

const OptionRightEnum = builder.enumType('OptionRight', {
  description: 'Call or put.',
  values: { CALL: { value: 'CALL', description: 'A call.' }, PUT: { value: 'PUT', description: 'A put.' } } as const,
});

const StrategyInstrumentEnum = builder.enumType('StrategyInstrument', {
  description: 'What a strategy leg trades.',
  values: { OPTION: { value: 'OPTION', description: 'An option (right and strike given).' }, FUTURE: { value: 'FUTURE', description: "The index future of the leg's expiry." } } as const,
});

const StrategyActionEnum = builder.enumType('StrategyAction', {
  description: 'Which way a strategy leg trades.',
  values: { BUY: { value: 'BUY', description: 'Bought (long).' }, SELL: { value: 'SELL', description: 'Sold (short, written).' } } as const,
});

const HorizonKindEnum = builder.enumType('StrategyHorizonKind', {
  description: 'Which instant a strategy curve is at.',
  values: {
    EXPIRY: { value: 'EXPIRY', description: 'The first (nearest) expiry: its legs at their payoff, later legs at their model value then.' },
    TARGET: { value: 'TARGET', description: 'A target instant (legs expired by then at their payoff).' },
  } as const,
});

const PremiumKindEnum = builder.enumType('StrategyPremiumKind', {
  description: 'Whether opening the strategy pays or receives premium.',
  values: { DEBIT: { value: 'DEBIT', description: 'Premium paid.' }, CREDIT: { value: 'CREDIT', description: 'Premium received.' }, NONE: { value: 'NONE', description: 'None (futures only, or it nets to 0).' } } as const,
});

const DistributionEnum = builder.enumType('StrategyDistribution', {
  description: 'The distribution of the spot a probability is computed under.',
  values: {
    LOGNORMAL_ATM_IV: { value: 'LOGNORMAL_ATM_IV', description: "The risk-neutral lognormal at the nearest expiry's ATM IV." },
    SMILE_IMPLIED: { value: 'SMILE_IMPLIED', description: "The risk-neutral distribution implied by the nearest expiry's smile (Breeden–Litzenberger on the SVI-smoothed calls)." },
  } as const,
});

const PricingModelEnum = builder.enumType('PricingModel', {
  description: 'The model an option is priced with.',
  values: {
    BSM: { value: 'bsm', description: 'Black-Scholes-Merton on the spot with a continuous dividend yield.' },
    BLACK76: { value: 'black76', description: 'Black-76 on the forward or futures price (the dividend yield does not apply).' },
  } as const,
});

const IV_STATUS_REASONS: Record<(typeof IV_STATUS_NAMES)[number], string> = {
  ok: 'Solved.',
  atIntrinsic: 'The price equals intrinsic value exactly: volatility 0.',
  priceBelowIntrinsic: 'The price is below intrinsic value: no volatility produces it.',
  priceAboveMaximum: 'The price is at or above the no-arbitrage maximum (the discounted forward for a call, the discounted strike for a put).',
  nonPositiveTime: 'The option has expired (time to expiry ≤ 0): its price is its payoff, whatever the volatility.',
  nonPositivePrice: 'The price is 0 or negative.',
  invalidInput: 'An input is not finite, or the underlying or strike is not positive.',
  priceTooSmall: 'The time value is too small (below double precision) for a volatility to be determined.',
};

const screaming = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

const IvStatusEnum = builder.enumType('ImpliedVolatilityStatus', {
  description: 'Whether the implied volatility was solved, and why not.',
  values: Object.fromEntries(IV_STATUS_NAMES.map((name) => [screaming(name), { value: name, description: IV_STATUS_REASONS[name] }])) as Record<string, { value: (typeof IV_STATUS_NAMES)[number]; description: string }>,
});

// ---- single-option calculators ----

const OptionCalculatorInput = builder.inputType('OptionCalculatorInput', {
  description:
    'One option to price or solve. Name `symbol` (with `expiry`) to take the defaults from the latest stored chain of that expiry: the rate, the underlying (spot under BSM, the forward under BLACK76), the dividend yield implied by the forward, and the valuation instant (the chain\'s). Without a symbol, `underlying`, `rate` and an expiry are required.',
  fields: (t) => ({
    symbol: t.string({ required: false, description: 'Underlying symbol, e.g. NIFTY: defaults from its latest stored chain of `expiry`.' }),
    right: t.field({ type: OptionRightEnum, required: true, description: 'Call or put.' }),
    strike: t.float({ required: true, description: 'Strike, index points.' }),
    expiry: t.field({ type: 'Date', required: false, description: 'Expiry date, YYYY-MM-DD: the option expires at 15:30 IST that day.' }),
    expiryAt: t.field({ type: 'DateTime', required: false, description: 'Expiry instant, instead of `expiry` (e.g. another close).' }),
    model: t.field({ type: PricingModelEnum, required: false, defaultValue: 'bsm', description: 'BSM on the spot (default) or BLACK76 on the forward/future.' }),
    underlying: t.float({ required: false, description: 'Spot (BSM) or forward/futures price (BLACK76), index points; default from the chain.' }),
    rate: t.float({ required: false, description: 'Risk-free rate, decimal per year, continuously compounded (0.065 = 6.5 %); default the chain\'s.' }),
    dividendYield: t.float({ required: false, description: 'Continuous dividend yield, decimal per year, BSM only; default the one implied by the chain\'s forward (0 without a symbol).' }),
    valuationAt: t.field({ type: 'DateTime', required: false, description: "The instant the option is valued at; default the chain's instant, else now." }),
  }),
});

const OptionPriceInput = builder.inputType('OptionPriceInput', {
  description: 'An option to price: the calculator fields and a volatility.',
  fields: (t) => ({
    option: t.field({ type: OptionCalculatorInput, required: true, description: 'The option and its market.' }),
    volatility: t.float({ required: false, description: "Volatility, decimal per year (0.15 = 15 %); default that strike's IV in the chain (the option's side, else the other's)." }),
  }),
});

const ImpliedVolatilityInput = builder.inputType('ImpliedVolatilityInput', {
  description: 'An option price to solve for the volatility.',
  fields: (t) => ({
    option: t.field({ type: OptionCalculatorInput, required: true, description: 'The option and its market.' }),
    price: t.float({ required: true, description: 'The option premium (discounted), index points per unit.' }),
  }),
});

interface CalculatorMarket {
  model: PricingModel;
  right: OptionRight;
  strike: number;
  underlying: number;
  rate: number;
  dividendYield: number;
  tYears: number;
  valuedAt: number;
  expiryAt: number;
  /** The chain's IV at the strike, when a chain was read. */
  chainIv: number | null;
}

interface OptionPriceResult extends CalculatorMarket {
  volatility: number;
  greeks: Greeks;
}

interface ImpliedVolatilityResult extends CalculatorMarket {
  price: number;
  volatility: number | null;
  status: (typeof IV_STATUS_NAMES)[number];
}

type CalculatorArgs = typeof OptionCalculatorInput.$inferInput;

/** The option's market from the input and, when a symbol is named, its expiry's latest stored chain; typed errors name the field. */
async function calculatorMarket(context: Context, input: CalculatorArgs): Promise<CalculatorMarket> {
  const model = (input.model ?? 'bsm') as PricingModel;
  const expiry = dateArgument(input.expiry, 'option.expiry');
  const expiryAtArg = dateTimeArgument(input.expiryAt, 'option.expiryAt');
  if (!(input.strike > 0 && input.strike < Infinity)) throw badArgument('option.strike', `Field "option.strike" must be a positive price, got ${input.strike}`);
  let chain: EnrichedSnapshot | null = null;
  if (input.symbol) {
    const instrument = requireInstrument(context, input.symbol, 'option.symbol');
    if (!expiry) throw badArgument('option.expiry', 'Field "option.expiry" is required with a symbol: the chain of that expiry gives the defaults');
    chain = await storedChain(context, instrument.symbol, expiry);
    if (!chain) throw new GraphQLError(`No stored ${instrument.symbol} chain for expiry ${expiry}`, { extensions: { code: 'NO_DATA', argument: 'option.expiry' } });
  }
  const expiryAt = expiryAtArg?.getTime() ?? (expiry ? expiryInstant(expiry) : undefined);
  if (expiryAt === undefined) throw badArgument('option.expiry', 'Give "option.expiry" (a date) or "option.expiryAt" (an instant)');
  const market = chain ? cachedExpiryMarket(chain) : null;
  const underlying = input.underlying ?? (market ? (model === 'black76' ? market.forward : market.spot) : undefined);
  if (!(underlying !== undefined && underlying > 0 && underlying < Infinity)) throw badArgument('option.underlying', `Field "option.underlying" must be a positive price (required without a symbol), got ${underlying}`);
  const rate = input.rate ?? market?.rate;
  if (!(rate !== undefined && Number.isFinite(rate) && Math.abs(rate) <= 1)) throw badArgument('option.rate', `Field "option.rate" must be a decimal within ±1 (required without a symbol), got ${rate}`);
  const dividendYield = input.dividendYield ?? market?.divYield ?? 0;
  if (!(Math.abs(dividendYield) <= 1)) throw badArgument('option.dividendYield', `Field "option.dividendYield" must be a decimal within ±1, got ${dividendYield}`);
  const valuedAt = dateTimeArgument(input.valuationAt, 'option.valuationAt')?.getTime() ?? chain?.timestamp ?? context.now();
  let chainIv: number | null = null;
  if (market) {
    const row = market.columns.strikes.indexOf(input.strike);
    const [own, other] = input.right === 'CALL' ? [market.columns.call.iv, market.columns.put.iv] : [market.columns.put.iv, market.columns.call.iv];
    const iv = row < 0 ? NaN : own[row] > 0 ? own[row] : other[row];
    chainIv = iv > 0 ? iv : null;
  }
  return { model, right: input.right as OptionRight, strike: input.strike, underlying, rate, dividendYield, tYears: yearsToExpiry(valuedAt, expiryAt), valuedAt, expiryAt, chainIv };
}

const OptionCalculationInterface = builder.interfaceRef<CalculatorMarket>('OptionCalculation').implement({
  description: 'What both option calculators report: the inputs used, defaults filled in.',
  fields: (t) => ({
    model: t.field({ type: PricingModelEnum, description: 'The model used.', resolve: (r) => r.model }),
    underlying: t.float({ description: 'Spot (BSM) or forward (BLACK76) used, index points.', resolve: (r) => r.underlying }),
    strike: t.float({ description: 'Strike, index points.', resolve: (r) => r.strike }),
    rate: t.float({ description: 'Rate used, decimal per year, continuous.', resolve: (r) => r.rate }),
    dividendYield: t.float({ description: 'Dividend yield used, decimal per year (BSM).', resolve: (r) => r.dividendYield }),
    timeToExpiryYears: t.float({ description: 'ACT/365 years from the valuation instant to the expiry instant (≤ 0: expired, priced at its payoff).', resolve: (r) => r.tYears }),
    valuedAt: t.field({ type: 'DateTime', description: 'The valuation instant.', resolve: (r) => r.valuedAt }),
    expiryAt: t.field({ type: 'DateTime', description: 'The expiry instant.', resolve: (r) => r.expiryAt }),
    chainIv: t.float({ nullable: true, description: "The strike's IV in the chain read for the defaults, decimal; null without a symbol or an IV there.", resolve: (r) => r.chainIv }),
  }),
});

const GREEK_DESCRIPTIONS: Record<(typeof GREEK_NAMES)[number], string> = {
  price: 'Premium',
  delta: 'Delta ∂V/∂U (U the spot under BSM, the forward under BLACK76)',
  gamma: 'Gamma ∂²V/∂U², per index point',
  theta: 'Theta, per calendar day',
  vega: 'Vega, per vol point',
  rho: 'Rho, per 1 % of rate',
  vanna: 'Vanna ∂Δ/∂σ, per vol point',
  charm: "Charm, delta's change per calendar day",
  vomma: 'Vomma, change of per-point vega per vol point',
};

const OptionPriceResultType = builder.objectRef<OptionPriceResult>('OptionPriceResult').implement({
  description: 'One option priced: its premium and Greeks per unit of the index (index points), and the inputs used.',
  interfaces: [OptionCalculationInterface],
  isTypeOf: (value) => 'greeks' in (value as object),
  fields: (t) => ({
    volatility: t.exposeFloat('volatility', { description: 'Volatility used, decimal per year.' }),
    ...(Object.fromEntries(
      GREEK_NAMES.map((name) => [name, t.float({ description: `${GREEK_DESCRIPTIONS[name]}, index points per unit.`, resolve: (r) => r.greeks[name] })]),
    ) as Record<(typeof GREEK_NAMES)[number], ReturnType<typeof t.float>>),
  }),
});

const ImpliedVolatilityResultType = builder.objectRef<ImpliedVolatilityResult>('ImpliedVolatilityResult').implement({
  description: 'The volatility that reproduces a price, or the reason there is none.',
  interfaces: [OptionCalculationInterface],
  isTypeOf: (value) => 'status' in (value as object),
  fields: (t) => ({
    price: t.exposeFloat('price', { description: 'The price solved for, index points per unit.' }),
    volatility: t.exposeFloat('volatility', { nullable: true, description: 'Implied volatility, decimal per year; null when `status` is not OK or AT_INTRINSIC.' }),
    status: t.field({ type: IvStatusEnum, description: 'OK, or why there is no solution.', resolve: (r) => r.status }),
    reason: t.string({ description: 'The status in words.', resolve: (r) => IV_STATUS_REASONS[r.status] }),
  }),
});

builder.queryField('optionPrice', (t) =>
  t.field({
    type: OptionPriceResultType,
    description: `Price and Greeks of one option (BSM on the spot or Black-76 on the forward), with defaults from the latest stored chain when a symbol is named. Cost ${DATABASE_READ_COST} (a database read).`,
    args: { input: t.arg({ type: OptionPriceInput, required: true, description: 'The option, its market and volatility.' }) },
    complexity: DATABASE_READ_COST,
    resolve: async (_root, { input }, context) => {
      const market = await calculatorMarket(context, input.option);
      const volatility = input.volatility ?? market.chainIv;
      if (!(volatility !== null && volatility >= 0 && volatility <= 5)) {
        throw badArgument('volatility', `Field "volatility" must be a decimal in [0, 5] (0.15 = 15 %)${market.chainIv === null ? '; the chain has no IV at this strike to default to' : ''}, got ${volatility}`);
      }
      const greeks = optionGreeks({ ...market, type: market.right === 'CALL' ? 'call' : 'put', vol: volatility, divYield: market.dividendYield });
      return { ...market, volatility, greeks };
    },
  }),
);

builder.queryField('impliedVolatility', (t) =>
  t.field({
    type: ImpliedVolatilityResultType,
    description: `The implied volatility of one option's price (BSM or Black-76), with the status and its reason when there is no solution; defaults from the latest stored chain when a symbol is named. Cost ${DATABASE_READ_COST}.`,
    args: { input: t.arg({ type: ImpliedVolatilityInput, required: true, description: 'The option, its market and price.' }) },
    complexity: DATABASE_READ_COST,
    resolve: async (_root, { input }, context) => {
      const market = await calculatorMarket(context, input.option);
      const { vol, status } = impliedVol({ ...market, price: input.price, type: market.right === 'CALL' ? 'call' : 'put', divYield: market.dividendYield });
      const solved = status === IvStatus.ok || status === IvStatus.atIntrinsic;
      return { ...market, price: input.price, volatility: solved ? vol : null, status: IV_STATUS_NAMES[status] };
    },
  }),
);

// ---- the strategy builder ----

const StrategyLegInput = builder.inputType('StrategyLegInput', {
  description: 'One leg: an option (right, strike) or the future of an expiry, bought or sold in lots, with an optional entry price and IV.',
  fields: (t) => ({
    instrument: t.field({ type: StrategyInstrumentEnum, required: true, description: 'OPTION or FUTURE.' }),
    right: t.field({ type: OptionRightEnum, required: false, description: 'CALL or PUT; required for an option.' }),
    strike: t.float({ required: false, description: 'Strike, index points, listed in the chain of `expiry`; required for an option.' }),
    expiry: t.field({ type: 'Date', required: true, description: 'Expiry date, YYYY-MM-DD, with a stored chain; not expired.' }),
    action: t.field({ type: StrategyActionEnum, required: true, description: 'BUY or SELL.' }),
    lots: t.int({ required: true, description: 'Lots, a whole number ≥ 1 (units = lots × the lot size of the expiry).' }),
    entryPrice: t.float({ required: false, description: 'Entry price, index points (rupees) per unit; default the latest mid (else last trade) in the stored chain, or the future price for a future.' }),
    iv: t.float({ required: false, description: "Option IV, decimal per year (0.15 = 15 %); default that strike's IV now." }),
    ivShiftVolPoints: t.float({ required: false, description: "This option's IV shift, vol points (1 = +0.01), added to its IV and the parallel shift." }),
  }),
});

const WhatIfInput = builder.inputType('StrategyWhatIfInput', {
  description: `A what-if grid for heatmaps: P&L over spot × days from now × parallel IV shift; at most ${WHAT_IF_MAX_CELLS} cells.`,
  fields: (t) => ({
    spotPoints: t.int({ required: false, defaultValue: 41, description: "Spots, evenly over the curves' spot range (default 41)." }),
    days: t.intList({ required: false, description: 'Calendar days after the valuation instant (default 0, then quarters of the time to the first expiry).' }),
    ivShiftsVolPoints: t.floatList({ required: false, description: 'Parallel IV shifts, vol points (default −5, −2, 0, 2, 5).' }),
  }),
});

const StrategyInput = builder.inputType('StrategyInput', {
  description: 'A strategy to evaluate against the latest stored chains of its expiries.',
  fields: (t) => ({
    symbol: t.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
    legs: t.field({ type: [StrategyLegInput], required: true, description: `The legs, 1 to ${MAX_LEGS}; expiries may differ (calendars, diagonals).` }),
    targetDates: t.field({
      type: ['DateTime'],
      required: false,
      description: `Instants to show the P&L at besides the first expiry (T+0 is the valuation instant), at most ${MAX_TARGET_DATES}; each not before the valuation instant nor after the last leg's expiry. Default: the valuation instant.`,
    }),
    ivShiftVolPoints: t.float({ required: false, defaultValue: 0, description: 'Parallel IV shift of every option, vol points (1 = +0.01).' }),
    spotFrom: t.float({ required: false, description: 'Lowest spot of the curves, index points; default spot − 3 expected moves to the last expiry.' }),
    spotTo: t.float({ required: false, description: 'Highest spot of the curves, index points; default spot + 3 expected moves.' }),
    spotPoints: t.int({ required: false, defaultValue: DEFAULT_SPOT_POINTS, description: `Spots on the curves, 2 to ${MAX_SPOT_POINTS} (default ${DEFAULT_SPOT_POINTS}).` }),
    whatIf: t.field({ type: WhatIfInput, required: false, description: 'Ask for a what-if grid.' }),
  }),
});

type StrategyArgs = typeof StrategyInput.$inferInput;

interface StrategyResult {
  symbol: string;
  /** The legs as the user stated them (what the margin estimate takes). */
  input: BuilderLeg[];
  market: StrategyMarket;
  legs: PricedLeg[];
  atmIv: number;
  evaluation: StrategyEvaluation;
  whatIf: WhatIfGrid | null;
  smileAvailable: boolean;
}

/** A StrategyInputError as the API's typed error (see the module doc). */
export function strategyInputError(error: StrategyInputError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', argument: inputPath(error.field, error.legIndex, error.item), field: error.field, leg: error.legIndex, item: error.item } });
}

/** The path of a field in the strategy input: input.legs[1].strike, input.targetDates[0], input.spotPoints. */
function inputPath(field: string, leg: number | null, item: number | null): string {
  if (leg !== null) return `input.legs[${leg}].${field}`;
  return item !== null ? `input.${field}[${item}]` : `input.${field}`;
}

async function withStrategyErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof StrategyInputError ? strategyInputError(error) : error;
  }
}

/** The GraphQL legs as the builder's legs; StrategyInputError naming the leg and field. */
function builderLegs(legs: StrategyArgs['legs']): BuilderLeg[] {
  return legs.map((leg, i): BuilderLeg => {
    if (leg.expiry instanceof InvalidInput) throw new StrategyInputError('expiry', i, `Leg ${i}: expiry ${leg.expiry.problem}; got ${JSON.stringify(leg.expiry.raw)}`);
    const common = { expiry: leg.expiry, action: leg.action as LegAction, lots: leg.lots, entryPrice: leg.entryPrice ?? undefined };
    if (leg.instrument === 'FUTURE') return { instrument: 'FUTURE', ...common };
    if (!leg.right) throw new StrategyInputError('right', i, `Leg ${i}: an option leg needs its right (CALL or PUT)`);
    if (leg.strike == null) throw new StrategyInputError('strike', i, `Leg ${i}: an option leg needs its strike`);
    if (leg.ivShiftVolPoints != null && !(Math.abs(leg.ivShiftVolPoints) <= 500)) {
      throw new StrategyInputError('ivShiftVolPoints', i, `Leg ${i}: ivShiftVolPoints must be within ±500 vol points, got ${leg.ivShiftVolPoints}`);
    }
    const ivShift = leg.ivShiftVolPoints == null ? undefined : leg.ivShiftVolPoints / 100;
    return { instrument: 'OPTION', right: leg.right as OptionRight, strike: leg.strike, iv: leg.iv ?? undefined, ivShift, ...common };
  });
}

/**
 * The latest stored chain of each expiry of the legs (`fresh` replaces its
 * expiry's: the snapshot a live update brings), as markets; NO_DATA naming
 * the first leg of an expiry without one.
 */
async function legMarkets(context: Context, symbol: string, legs: readonly BuilderLeg[], fresh?: EnrichedSnapshot): Promise<Map<string, ExpiryMarket>> {
  const expiries = [...new Set(legs.map((l) => l.expiry))];
  const chains = await Promise.all(expiries.map((expiry) => (fresh && fresh.expiry === expiry ? fresh : storedChain(context, symbol, expiry))));
  const markets = new Map<string, ExpiryMarket>();
  expiries.forEach((expiry, i) => {
    const chain = chains[i];
    if (!chain) {
      const leg = legs.findIndex((l) => l.expiry === expiry);
      throw new GraphQLError(`Leg ${leg}: no stored ${symbol} chain for expiry ${expiry}`, { extensions: { code: 'NO_DATA', argument: inputPath('expiry', leg, null), field: 'expiry', leg, item: null } });
    }
    markets.set(expiry, cachedExpiryMarket(chain));
  });
  return markets;
}

/** Checks a strategy input's shape and symbol before any read; the builder's legs. */
function checkStrategyInput(context: Context, input: StrategyArgs): { symbol: string; legs: BuilderLeg[] } {
  const symbol = requireInstrument(context, input.symbol, 'input.symbol').symbol;
  const legs = builderLegs(input.legs);
  checkLegs(legs, context.now());
  return { symbol, legs };
}

/** The days of a default what-if grid: 0 and quarters of the time to the first expiry, whole days. */
function defaultWhatIfDays(market: StrategyMarket, legs: readonly PricedLeg[]): number[] {
  const days = (Math.min(...legs.map((l) => l.expiryMs)) - market.nowMs) / DAY_MS;
  return [...new Set([0, 0.25, 0.5, 0.75, 1].map((f) => Math.floor(f * days)))];
}

/** Evaluates a strategy input against the latest stored chains (or `fresh` for its expiry). */
async function strategyResult(context: Context, input: StrategyArgs, fresh?: EnrichedSnapshot): Promise<StrategyResult> {
  const { symbol, legs: builder } = checkStrategyInput(context, input);
  const markets = await legMarkets(context, symbol, builder, fresh);
  const legs = resolveLegs(builder, markets);
  const market = valuationMarket([...markets.values()]);
  const nearest = [...markets.values()].sort((a, b) => a.expiryMs - b.expiryMs)[0];
  const targetArgs = input.targetDates ?? [new Date(market.nowMs)];
  if (targetArgs.length > MAX_TARGET_DATES) throw new StrategyInputError('targetDates', null, `At most ${MAX_TARGET_DATES} target dates, got ${targetArgs.length}`);
  const targets = targetArgs.map((t, i) => {
    if (t instanceof InvalidInput) throw new StrategyInputError('targetDates', null, `targetDates[${i}] ${t.problem}; got ${JSON.stringify(t.raw)}`, i);
    return t.getTime();
  });
  checkTargets(targets, market.nowMs, legs);
  const lastExpiryMs = Math.max(...legs.map((l) => l.expiryMs));
  const spots = spotGrid(market.spot, nearest.atmIv, (lastExpiryMs - market.nowMs) / (365 * DAY_MS), input.spotPoints ?? DEFAULT_SPOT_POINTS, input.spotFrom ?? undefined, input.spotTo ?? undefined);
  const ivShift = (input.ivShiftVolPoints ?? 0) / 100;
  if (!(Math.abs(ivShift) <= 5)) throw new StrategyInputError('ivShiftVolPoints', null, `ivShiftVolPoints must be within ±500, got ${input.ivShiftVolPoints}`);
  const evaluation = evaluateStrategy({ legs, market, spots, targets, ivShift, atmIv: nearest.atmIv, divYield: nearest.divYield, smile: expirySmile(nearest) });
  let whatIf: WhatIfGrid | null = null;
  if (input.whatIf) {
    const w = input.whatIf;
    const points = w.spotPoints ?? 41;
    const whatIfSpots = spotGrid(market.spot, nearest.atmIv, 0, points, spots[0], spots[spots.length - 1]);
    const days = w.days ?? defaultWhatIfDays(market, legs);
    const lastDay = (lastExpiryMs - market.nowMs) / DAY_MS;
    days.forEach((d, i) => {
      if (!(d >= 0 && d <= Math.ceil(lastDay))) throw new StrategyInputError('whatIf.days', null, `whatIf.days[${i}] must be from 0 to ${Math.ceil(lastDay)} (the last expiry), got ${d}`, i);
    });
    whatIf = whatIfGrid(legs, market, whatIfSpots, days, (w.ivShiftsVolPoints ?? [-5, -2, 0, 2, 5]).map((v) => v / 100));
  }
  return { symbol, input: builder, market, legs, atmIv: nearest.atmIv, evaluation, whatIf, smileAvailable: expirySmile(nearest) !== null };
}

const PricedLegType = builder.objectRef<{ leg: PricedLeg; market: StrategyMarket }>('StrategyPricedLeg').implement({
  description: 'One leg as priced: the defaults filled in from the chain, in lots and units.',
  fields: (t) => ({
    index: t.int({ description: "The leg's index in the input's `legs`.", resolve: ({ leg }) => leg.index }),
    instrument: t.field({ type: StrategyInstrumentEnum, description: 'OPTION or FUTURE.', resolve: ({ leg }) => leg.instrument }),
    right: t.field({ type: OptionRightEnum, nullable: true, description: 'CALL or PUT; null for a future.', resolve: ({ leg }) => (leg.optionSign === 0 ? null : leg.optionSign > 0 ? 'CALL' : 'PUT') }),
    strike: t.float({ nullable: true, description: 'Strike, index points; null for a future.', resolve: ({ leg }) => (leg.instrument === 'OPTION' ? leg.strike : null) }),
    expiry: t.field({ type: 'Date', description: 'Expiry date.', resolve: ({ leg }) => leg.expiry }),
    action: t.field({ type: StrategyActionEnum, description: 'BUY or SELL.', resolve: ({ leg }) => (leg.units > 0 ? 'BUY' : 'SELL') }),
    lots: t.int({ description: 'Lots.', resolve: ({ leg }) => leg.lots }),
    lotSize: t.int({ description: "Units per lot of the leg's expiry on the chain's date.", resolve: ({ leg }) => leg.lotSize }),
    units: t.float({ description: 'Signed quantity in units of the index: lots × lot size, negative when sold.', resolve: ({ leg }) => leg.units }),
    entryPrice: t.float({ description: 'Entry price, index points per unit (as given, else the chain mid or the future price).', resolve: ({ leg }) => leg.entryPrice }),
    iv: t.float({ nullable: true, description: 'IV used, decimal, before shifts; null for a future.', resolve: ({ leg }) => (leg.instrument === 'OPTION' ? leg.iv : null) }),
    dividendYield: t.float({ description: "Dividend yield of the leg's expiry implied by its forward, decimal per year (the carry tying it to the spot).", resolve: ({ leg }) => leg.divYield }),
    valueNow: t.float({ description: 'Model value now at the current spot (with the IV shifts), index points per unit.', resolve: ({ leg, market }) => legValueAt(leg, market, market.nowMs, market.spot) }),
    pnlNow: t.float({ description: 'P&L now, rupees: units × (valueNow − entryPrice).', resolve: ({ leg, market }) => leg.units * (legValueAt(leg, market, market.nowMs, market.spot) - leg.entryPrice) }),
  }),
});

const GreeksType = builder.objectRef<Greeks>('PositionGreeks').implement({
  description: "The position's Greeks now at the current spot, in rupees for all its units (each leg's Greek × its signed units).",
  fields: (t) => ({
    value: t.float({ description: 'Model value of the legs, rupees (futures at their fair value).', resolve: (g) => g.price }),
    delta: t.float({ description: 'Rupees per index point of the spot.', resolve: (g) => g.delta }),
    gamma: t.float({ description: 'Change of delta per index point: rupees per index point².', resolve: (g) => g.gamma }),
    theta: t.float({ description: 'Rupees per calendar day.', resolve: (g) => g.theta }),
    vega: t.float({ description: 'Rupees per vol point (0.01 of IV) on every option.', resolve: (g) => g.vega }),
    rho: t.float({ description: 'Rupees per 1 % of rate.', resolve: (g) => g.rho }),
    vanna: t.float({ description: 'Change of delta (rupees per index point) per vol point.', resolve: (g) => g.vanna }),
    charm: t.float({ description: 'Change of delta (rupees per index point) per calendar day.', resolve: (g) => g.charm }),
    vomma: t.float({ description: 'Change of vega (rupees per vol point) per vol point.', resolve: (g) => g.vomma }),
  }),
});

const ProbabilitiesType = builder.objectRef<Probabilities & { distribution: 'LOGNORMAL_ATM_IV' | 'SMILE_IMPLIED'; densityMass?: number; tailMass?: number }>('StrategyProbabilities').implement({
  description: 'Probability of profit and expected P&L at a horizon under one distribution of the spot.',
  fields: (t) => ({
    distribution: t.field({ type: DistributionEnum, description: 'Which distribution.', resolve: (p) => p.distribution }),
    probabilityOfProfit: t.exposeFloat('probabilityOfProfit', { description: 'P(P&L > 0), 0–1 (exact given the breakevens).' }),
    expectedPnl: t.exposeFloat('expectedPnl', { description: 'Expected P&L, rupees.' }),
    densityMass: t.float({ nullable: true, description: 'SMILE_IMPLIED only: the density\'s mass on its grid (≈ 1; the rest is tailMass).', resolve: (p) => p.densityMass ?? null }),
    tailMass: t.float({ nullable: true, description: 'SMILE_IMPLIED only: the mass beyond the grid, valued at its ends.', resolve: (p) => p.tailMass ?? null }),
  }),
});

const BreakevenType = builder.objectRef<{ spot: number; touch: number }>('StrategyBreakeven').implement({
  description: 'A spot where the P&L crosses zero (root-found to 1e-9 index points).',
  fields: (t) => ({
    spot: t.exposeFloat('spot', { description: 'Index points.' }),
    touchProbability: t.float({ description: 'Probability the spot touches it before the horizon (lognormal at the ATM IV, continuous monitoring), 0–1.', resolve: (b) => b.touch }),
  }),
});

const HorizonType = builder.objectRef<Horizon>('StrategyHorizon').implement({
  description: 'The P&L at one instant: a curve over the spot grid and its figures.',
  fields: (t) => ({
    kind: t.field({ type: HorizonKindEnum, description: 'The first expiry or a target instant.', resolve: (h) => h.kind }),
    at: t.field({ type: 'DateTime', description: 'The instant.', resolve: (h) => h.atMs }),
    pnl: t.floatList({ description: 'P&L at each spot of `spots`, rupees.', resolve: (h) => Array.from(h.pnl) }),
    breakevens: t.field({ type: [BreakevenType], description: 'Breakevens, ascending.', resolve: (h) => h.breakevens.map((spot, i) => ({ spot, touch: h.touchProbabilities[i] })) }),
    maxProfit: t.float({ nullable: true, description: 'Largest P&L, rupees; null when unlimited (see maxProfitUnlimited).', resolve: (h) => h.maxProfit }),
    maxProfitUnlimited: t.boolean({ description: 'Whether the profit grows without bound as the spot rises.', resolve: (h) => h.maxProfit === null }),
    maxProfitAt: t.float({ nullable: true, description: 'A spot where the max profit is reached, index points.', resolve: (h) => h.maxProfitAt }),
    maxLoss: t.float({ nullable: true, description: 'Smallest P&L (negative: a loss), rupees; null when unlimited.', resolve: (h) => h.maxLoss }),
    maxLossUnlimited: t.boolean({ description: 'Whether the loss grows without bound as the spot rises.', resolve: (h) => h.maxLoss === null }),
    maxLossAt: t.float({ nullable: true, description: 'A spot where the max loss is reached, index points.', resolve: (h) => h.maxLossAt }),
    lognormal: t.field({ type: ProbabilitiesType, description: 'Under the lognormal at the ATM IV.', resolve: (h) => ({ ...h.lognormal, distribution: 'LOGNORMAL_ATM_IV' as const }) }),
    smileImplied: t.field({
      type: ProbabilitiesType,
      nullable: true,
      description: "Under the smile-implied distribution of the nearest expiry: the EXPIRY horizon only; null for targets, or when the smile cannot be fitted free of butterfly arbitrage.",
      resolve: (h) => (h.smile ? { ...h.smile, distribution: 'SMILE_IMPLIED' as const } : null),
    }),
  }),
});

const WhatIfType = builder.objectRef<WhatIfGrid>('StrategyWhatIf').implement({
  description: 'P&L over spot × days × IV shift, flat: cell (spot s, day d, shift v) at index (v × days + d) × spots + s.',
  fields: (t) => ({
    spots: t.floatList({ description: 'Spots, index points.', resolve: (w) => Array.from(w.spots) }),
    daysFromNow: t.intList({ description: 'Calendar days after the valuation instant.', resolve: (w) => [...w.daysFromNow] }),
    ivShiftsVolPoints: t.floatList({ description: 'Parallel IV shifts, vol points.', resolve: (w) => w.ivShifts.map((v) => v * 100) }),
    pnl: t.floatList({ description: 'P&L, rupees, laid out [ivShift][day][spot].', resolve: (w) => Array.from(w.pnl) }),
  }),
});

const StrategyResultType = builder.objectRef<StrategyResult>('StrategyResult').implement({
  description: 'A strategy evaluated against the latest stored chains of its expiries.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    valuedAt: t.field({ type: 'DateTime', description: 'The valuation instant: the latest chain instant of the legs\' expiries.', resolve: (r) => r.market.nowMs }),
    spot: t.float({ description: 'Spot now (nearest expiry\'s chain), index points.', resolve: (r) => r.market.spot }),
    rate: t.float({ description: 'Rate, decimal per year, continuous.', resolve: (r) => r.market.rate }),
    atmIv: t.float({ description: "The nearest expiry's ATM IV, decimal: the lognormal's volatility.", resolve: (r) => r.atmIv }),
    legs: t.field({ type: [PricedLegType], description: 'The legs as priced.', resolve: (r) => r.legs.map((leg) => ({ leg, market: r.market })) }),
    netPremium: t.float({ description: 'Σ option units × entry price, rupees: positive a debit paid, negative a credit received.', resolve: (r) => r.evaluation.netPremium }),
    netPremiumKind: t.field({ type: PremiumKindEnum, description: 'DEBIT, CREDIT or NONE.', resolve: (r) => (r.evaluation.netPremium > 0 ? ('DEBIT' as const) : r.evaluation.netPremium < 0 ? ('CREDIT' as const) : ('NONE' as const)),
    }),
    pnlNow: t.float({ description: 'P&L now at the current spot (live P&L of the position), rupees.', resolve: (r) => r.legs.reduce((sum, leg) => sum + leg.units * (legValueAt(leg, r.market, r.market.nowMs, r.market.spot) - leg.entryPrice), 0) }),
    spots: t.floatList({ description: 'The spot grid of the curves, index points, ascending.', resolve: (r) => Array.from(r.evaluation.spots) }),
    horizons: t.field({ type: [HorizonType], description: 'The payoff at the first expiry, then the P&L at each target instant.', resolve: (r) => r.evaluation.horizons }),
    greeks: t.field({ type: GreeksType, description: 'Position Greeks now.', resolve: (r) => r.evaluation.greeks }),
    smileAvailable: t.exposeBoolean('smileAvailable', { description: "Whether the nearest expiry's smile could be fitted for the smile-implied probabilities." }),
    whatIf: t.field({ type: WhatIfType, nullable: true, description: 'The what-if grid, when asked.', resolve: (r) => r.whatIf }),
    margin: t.field({
      type: MarginEstimateType,
      description:
        "The position's margin ESTIMATE (the same SPAN-like method and parameters as `marginEstimate`), from the legs as priced here: their lot sizes, IVs before any what-if shift, and each expiry's forward; the scan ranges from the nearest expiry's ATM IV (`atmIv`). Rupees.",
      resolve: (r, _args, context) => strategyMargin(context, r),
    }),
  }),
});

/** The margin estimate of a priced strategy: each leg's forward from the spot and its expiry's carry, F = S·e^{(r−q)τ}. */
function strategyMargin(context: Context, r: StrategyResult): MarginAnswer {
  const { spot, rate, nowMs } = r.market;
  const positions = r.legs.map((leg) => {
    const tYears = Math.max(yearsBetween(nowMs, leg.expiryMs), 0);
    return { leg: r.input[leg.index], lotSize: leg.lotSize, tYears, forward: spot * Math.exp((rate - leg.divYield) * tYears), iv: leg.instrument === 'OPTION' ? leg.iv : 0 };
  });
  return marginAnswer(context, r.symbol, positions, { spot, rate, annualVol: r.atmIv }, nowMs);
}

builder.queryField('strategy', (t) =>
  t.field({
    type: StrategyResultType,
    description: `Evaluate a strategy: net premium, payoff and P&L curves, exact breakevens, max profit/loss, probabilities (lognormal and smile-implied), touch probabilities, position Greeks and an optional what-if grid. Bad input is a BAD_USER_INPUT error whose extensions name the field and leg. Cost ${STRATEGY_COST}.`,
    args: { input: t.arg({ type: StrategyInput, required: true, description: 'The strategy.' }) },
    complexity: STRATEGY_COST,
    resolve: (_root, { input }, context) => withStrategyErrors(() => strategyResult(context, input)),
  }),
);

/** Merges async iterables into one, in arrival order; returning it returns them all. */
export function mergeIterables<T>(sources: readonly AsyncIterable<T>[]): AsyncIterableIterator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => pending.set(i, iterators[i].next().then((r) => ({ i, r })));
  iterators.forEach((_, i) => pull(i));
  const merged: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => merged,
    async next() {
      while (pending.size > 0) {
        const { i, r } = await Promise.race(pending.values());
        if (r.done) {
          pending.delete(i);
          continue;
        }
        pull(i);
        return { value: r.value, done: false };
      }
      return { value: undefined, done: true };
    },
    async return() {
      pending.clear();
      await Promise.all(iterators.map((it) => it.return?.()));
      return { value: undefined, done: true };
    },
  };
  return merged;
}

builder.subscriptionField('strategyUpdated', (t) =>
  t.field({
    type: StrategyResultType,
    description:
      "A strategy re-priced on every new chain snapshot of any of its legs' expiries (the live P&L of a position), with that snapshot and the latest stored chains of the other expiries; the first event is the next snapshot. Subscribers asking for the same strategy share one computation. The input is checked up front against the stored chains (errors as `strategy`).",
    args: { input: t.arg({ type: StrategyInput, required: true, description: 'The strategy.' }) },
    complexity: STRATEGY_COST,
    subscribe: (_root, { input }, context) =>
      withStrategyErrors(async () => {
        await strategyResult(context, input);
        const { symbol, legs } = checkStrategyInput(context, input);
        const topics = [...new Set(legs.map((l) => chainTopicKey(symbol, l.expiry)))].sort();
        for (const topic of topics) context.noteLiveSource?.(topic);
        return mergeIterables(topics.map((topic) => context.pubsub.subscribe('chain:updated', topic)));
      }),
    resolve: (snapshot, { input }, context) => withStrategyErrors(() => strategyResult(context, input, snapshot)),
  }),
);

// ---- templates ----

const StrategyTemplateType = builder.objectRef<StrategyTemplate>('StrategyTemplate').implement({
  description: 'A named strategy the builder can instantiate around ATM.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Identifier to pass to strategyTemplate, e.g. IRON_CONDOR.' }),
    label: t.exposeString('label', { description: 'Display name.' }),
    description: t.exposeString('description', { description: 'What it is, its legs in words.' }),
    needsFarExpiry: t.exposeBoolean('needsFarExpiry', { description: 'Whether it needs `farExpiry` (calendars, diagonals).' }),
  }),
});

const StrategyLegType = builder.objectRef<StrategyLeg>('StrategyLeg').implement({
  description: 'One leg as the user states it (the shape of StrategyLegInput): pass it back to `strategy`, edited or not.',
  fields: (t) => ({
    instrument: t.field({ type: StrategyInstrumentEnum, description: 'OPTION or FUTURE.', resolve: (l) => l.instrument }),
    right: t.field({ type: OptionRightEnum, nullable: true, description: 'CALL or PUT; null for a future.', resolve: (l) => (l.instrument === 'OPTION' ? l.right : null) }),
    strike: t.float({ nullable: true, description: 'Strike, index points (a listed one); null for a future.', resolve: (l) => (l.instrument === 'OPTION' ? l.strike : null) }),
    expiry: t.field({ type: 'Date', description: 'Expiry date.', resolve: (l) => l.expiry }),
    action: t.field({ type: StrategyActionEnum, description: 'BUY or SELL.', resolve: (l) => l.action }),
    lots: t.exposeInt('lots', { description: 'Lots.' }),
  }),
});

builder.queryField('strategyTemplates', (t) =>
  t.field({
    type: [StrategyTemplateType],
    description: 'The named strategies strategyTemplate instantiates.',
    resolve: () => [...STRATEGY_TEMPLATES],
  }),
);

builder.queryField('strategyTemplate', (t) =>
  t.field({
    type: [StrategyLegType],
    description: `A named strategy's legs around the ATM strike (nearest the forward) of the latest stored chain of \`expiry\`, as editable legs. Bad input is BAD_USER_INPUT naming \`field\`. Cost ${2 * DATABASE_READ_COST} (up to two chain reads).`,
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      name: t.arg.string({ required: true, description: 'Template name, from strategyTemplates.' }),
      expiry: t.arg({ type: 'Date', required: true, description: 'The (near) expiry, with a stored chain.' }),
      farExpiry: t.arg({ type: 'Date', required: false, description: 'The far expiry of calendars and diagonals, with a stored chain.' }),
      widthStrikes: t.arg.int({ required: false, defaultValue: 1, description: "Listed strike steps per width (the distance between a template's strikes), ≥ 1." }),
      lots: t.arg.int({ required: false, defaultValue: 1, description: 'Lots per leg (ratio legs take multiples).' }),
    },
    complexity: 2 * DATABASE_READ_COST,
    resolve: (_root, args, context) =>
      withStrategyErrors(async () => {
        const instrument = requireInstrument(context, args.symbol);
        const expiry = dateArgument(args.expiry, 'expiry');
        const farExpiry = dateArgument(args.farExpiry, 'farExpiry');
        const read = async (date: string, field: string) => {
          const chain = await storedChain(context, instrument.symbol, date);
          if (!chain) throw new GraphQLError(`No stored ${instrument.symbol} chain for expiry ${date}`, { extensions: { code: 'NO_DATA', argument: field, field } });
          return cachedExpiryMarket(chain);
        };
        const near = await read(expiry, 'expiry');
        const needsFar = STRATEGY_TEMPLATES.find((tpl) => tpl.name === args.name)?.needsFarExpiry ?? false;
        const far = needsFar && farExpiry ? await read(farExpiry, 'farExpiry') : null;
        return instantiateTemplate(args.name, {
          strikes: near.columns.strikes,
          farStrikes: far?.columns.strikes,
          atmStrike: atmStrike(near.columns.strikes, near.forward),
          strikeStep: instrument.strikeStep,
          widthStrikes: args.widthStrikes ?? 1,
          expiry,
          farExpiry,
          lots: args.lots ?? 1,
        });
      }),
  }),
);
