/**
 * A margin ESTIMATE for a strategy's legs: a SPAN-like scenario method with
 * NSE Clearing's published risk parameters. It is not the clearing
 * corporation's figure (that comes from its daily risk-parameter files, with
 * its own EWMA volatility and prices); every figure here is labelled an
 * estimate.
 *
 * The method (NSE Clearing, "SPAN Risk Parameters", equity derivatives, page
 * updated 4 July 2024; /work/shared/DOMAIN.md "Margin"):
 *
 * 1. Price scan range, per leg, as a percentage of its underlying price:
 *    `priceScanSigmas` (6) daily standard deviations scaled up by √2, subject
 *    to a minimum of `priceScanMinPct` (9.3 % for index derivatives) or
 *    `priceScanLongDatedMinPct` (17.7 % for index options with a residual
 *    maturity over `longDatedYears`, 9 months). "Subject to" is read as a
 *    floor, as NSE Clearing's currency page spells it ("subject to the
 *    minimum percentage of underlying price"). The daily σ is the
 *    underlying's annualised volatility over √252 sessions; NSE uses the EWMA
 *    volatility of index returns, which the platform does not keep, so the
 *    caller passes a proxy (the API: the nearest chain's ATM IV). With index
 *    volatilities under about 17 % the floor decides.
 * 2. Volatility scan range: `volScanPct` (25 %) of the annualised volatility,
 *    at least `volScanMinPct` (4 vol points), applied to each option's IV as
 *    an absolute move (0.13 → 0.17 and 0.09), never below 0.
 * 3. The 16 standard SPAN scenarios (`SPAN_SCENARIOS`): the underlying
 *    unchanged, up and down ⅓, ⅔ and the whole scan range, each with the
 *    volatility up and down (14), plus up and down `extremeMoveMultiple` (2×)
 *    the range at unchanged volatility, of whose loss `extremeCoverPct` (35 %)
 *    counts. Each leg is repriced with Black-76 on its expiry's forward
 *    (core/pricing/black.ts) at the same time to expiry (no look-ahead
 *    decay); a futures leg moves one for one with its forward. Every forward
 *    moves by the same fraction: one underlying, perfectly correlated months.
 *    The scan risk is the worst weighted scenario loss of the whole position,
 *    0 when every scenario gains.
 * 4. Calendar spread charge (`calendarSpreadPct`, 1.75 % of the far-month
 *    contract): NSE computes it on the delta of the portfolio in each month.
 *    Here: the net delta in units per expiry (Black-76 forward delta, 1 for a
 *    future); the delta that offsets across expiries, min(Σ long deltas,
 *    Σ short deltas), is charged at the percentage of the farthest such
 *    expiry's forward. Not modelled: NSE's refusal of calendar treatment to a
 *    position expiring that day.
 * 5. Short option minimum charge (`shortOptionMinPct`, 3 % of the notional of
 *    the short index options: the older published parameter, kept as a floor
 *    since the current page no longer states one): SPAN = max(scan risk +
 *    calendar charge, short option minimum).
 * 6. Exposure (extreme-loss) margin, on top: `exposurePct` (2 %) of the
 *    notional of short index options and of every futures leg (SEBI; raised
 *    on expiry day for short options since November 2024, not modelled).
 *
 * Conventions:
 * - Notional = |quantity in units| × the underlying's spot, rupees (NSE: the
 *   underlying's price times the open position).
 * - A position of long options only has no SPAN and no exposure margin: the
 *   buyer pays the premium in full, which is its most it can lose. Any
 *   position with a short option or a future gets the SPAN treatment above.
 * - `totalRupees` is what the position blocks: SPAN + exposure + the premium
 *   of the options it buys (at `entryPrice` when the leg gives one, else the
 *   model price at its IV). Premium received for options sold is not
 *   credited, as brokers do not count it towards margin.
 * - Each leg's standalone figure is the same method applied to that leg
 *   alone; the hedge benefit is their sum minus the position's total (above
 *   0 when legs offset: a spread needs less than its naked short leg).
 * - Every figure is linear in the quantities: twice the lots, twice the margin.
 *
 * Cost: the legs' 17 prices each (base and 16 scenarios) in one struct-of-
 * arrays batch, in column buffers kept between calls; per-leg and combined
 * figures come from the same scenario table, nothing is repriced. About
 * 80 µs for 10 legs over 3 expiries on a loaded 2-core VM
 * (`BENCH_ONLY=margin npm run bench`).
 */
import { CALL, PUT, allocateGreeks, priceBatch, type GreekColumns, type OptionBatch } from '../pricing/black.ts';
import { SESSIONS_PER_YEAR } from '../time/expiry.ts';
import { legSign, type StrategyLeg } from './legs.ts';

/** The method's parameters, percentages as percent (9.3 = 9.3 %). Sources in the module doc. */
export interface MarginParameters {
  /** Daily standard deviations in the price scan range, before the √2 scaling. */
  priceScanSigmas: number;
  /** Least price scan range, % of the underlying price (index derivatives). */
  priceScanMinPct: number;
  /** Least price scan range for options with more than `longDatedYears` to expiry, %. */
  priceScanLongDatedMinPct: number;
  /** Residual maturity beyond which an option is long-dated, years (9 months = 0.75). */
  longDatedYears: number;
  /** Volatility scan range as a share of the annualised volatility, %. */
  volScanPct: number;
  /** Least volatility scan range, vol points (4 = ±0.04 of IV). */
  volScanMinPct: number;
  /** The extreme scenarios' move, multiples of the price scan range. */
  extremeMoveMultiple: number;
  /** Share of an extreme scenario's loss that counts, %. */
  extremeCoverPct: number;
  /** Short option minimum charge, % of the short options' notional. */
  shortOptionMinPct: number;
  /** Exposure margin, % of the notional of short options and futures. */
  exposurePct: number;
  /** Calendar spread charge, % of the far-month contract value of the offsetting delta. */
  calendarSpreadPct: number;
}

/** NSE Clearing's published index-derivative parameters (module doc). */
export const NSE_INDEX_MARGIN_PARAMETERS: Readonly<MarginParameters> = Object.freeze({
  priceScanSigmas: 6,
  priceScanMinPct: 9.3,
  priceScanLongDatedMinPct: 17.7,
  longDatedYears: 0.75,
  volScanPct: 25,
  volScanMinPct: 4,
  extremeMoveMultiple: 2,
  extremeCoverPct: 35,
  shortOptionMinPct: 3,
  exposurePct: 2,
  calendarSpreadPct: 1.75,
});

/** One leg resolved against the market: the stated leg plus what pricing it needs. */
export interface MarginPosition {
  leg: StrategyLeg;
  /** Units of the underlying per lot of this leg's contract. */
  lotSize: number;
  /** ACT/365 years to the leg's expiry instant. */
  tYears: number;
  /** Forward (futures) price of the leg's expiry, rupees per unit. */
  forward: number;
  /** Implied volatility of an option leg, decimal per year; ignored for a future. */
  iv: number;
}

/** The underlying's state the scan ranges and notionals use. */
export interface MarginMarket {
  /** Spot index level, rupees per unit: notionals. */
  spot: number;
  /** Risk-free rate, decimal per year, continuously compounded (Black-76 discounting). */
  rate: number;
  /** Annualised volatility of the underlying, decimal (NSE: EWMA of returns; a proxy such as the ATM IV): the scan ranges. */
  annualVol: number;
}

export interface SpanScenario {
  /** 1–16, in SPAN's standard order. */
  number: number;
  /** Underlying move as a fraction of the price scan range (±⅓, ±⅔, ±1, ±2 for the extremes). */
  priceMoveFraction: number;
  /** +1 volatility up by the scan range, −1 down, 0 unchanged. */
  volMove: -1 | 0 | 1;
  /** Share of the loss that counts, decimal (1, or 0.35 for the extremes by default). */
  weight: number;
}

/** The 16 standard SPAN scenarios; the extremes' fraction and weight come from the parameters. */
export function spanScenarios(params: Pick<MarginParameters, 'extremeMoveMultiple' | 'extremeCoverPct'>): SpanScenario[] {
  const moves = [0, 1 / 3, -1 / 3, 2 / 3, -2 / 3, 1, -1];
  const scenarios: SpanScenario[] = [];
  for (const move of moves) {
    for (const volMove of [1, -1] as const) scenarios.push({ number: scenarios.length + 1, priceMoveFraction: move, volMove, weight: 1 });
  }
  const weight = params.extremeCoverPct / 100;
  scenarios.push({ number: 15, priceMoveFraction: params.extremeMoveMultiple, volMove: 0, weight });
  scenarios.push({ number: 16, priceMoveFraction: -params.extremeMoveMultiple, volMove: 0, weight });
  return scenarios;
}

export const SPAN_SCENARIO_COUNT = 16;

/** A scenario with the position's weighted loss in it, rupees (negative: a gain). */
export interface ScenarioLoss extends SpanScenario {
  lossRupees: number;
}

/** The margin figures of a position or of one leg alone, rupees. */
export interface MarginFigures {
  /** Worst weighted scenario loss, ≥ 0 (0 for long options only). */
  scanRiskRupees: number;
  /** Calendar spread charge (0 for one expiry). */
  calendarSpreadRupees: number;
  /** Short option minimum charge: the floor of SPAN. */
  shortOptionMinimumRupees: number;
  /** max(scan risk + calendar charge, short option minimum); 0 for long options only. */
  spanRupees: number;
  /** Exposure margin on short options and futures. */
  exposureRupees: number;
  /** Premium of the options bought, paid in full. */
  premiumRupees: number;
  /** SPAN + exposure + premium: what the position blocks. */
  totalRupees: number;
}

export interface LegMargin extends MarginFigures {
  /** Index of the leg in the input. */
  leg: number;
  /** Signed quantity, units of the underlying (+ bought, − sold). */
  quantityUnits: number;
  /** This leg's price scan range, % of its underlying price. */
  priceScanPct: number;
  /** This leg's volatility scan range, vol points (0 for a future). */
  volScanPoints: number;
  /** Model price at the leg's IV (the forward for a future), rupees per unit. */
  priceRupees: number;
  /** Delta with respect to the leg's forward, units of the underlying (quantity × delta). */
  deltaUnits: number;
}

export interface MarginEstimate extends MarginFigures {
  /** Always true: this is an estimate, not the clearing corporation's figure. */
  isEstimate: true;
  method: string;
  /** The scenario that decided the scan risk (the first of equal ones); null when there is no SPAN (long options only). */
  worstScenario: ScenarioLoss | null;
  /** All 16 scenarios with the position's weighted loss, SPAN order; empty for long options only. */
  scenarios: ScenarioLoss[];
  /** Σ of each leg's standalone total − the position's total, rupees. */
  hedgeBenefitRupees: number;
  legs: LegMargin[];
  parameters: MarginParameters;
  market: MarginMarket;
}

export const MARGIN_METHOD =
  'Estimate, SPAN-like: worst of 16 price/volatility scenarios (NSE Clearing index parameters), plus a calendar spread charge, floored by the short option minimum, plus exposure margin and the premium of options bought.';

export class MarginInputError extends Error {
  constructor(
    /** The leg's index, or null for the market or parameters. */
    readonly leg: number | null,
    /** The offending field. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MarginInputError';
  }
}

/** The price scan range of an option or future with `tYears` to expiry, % of the underlying price. */
export function priceScanPct(params: MarginParameters, annualVol: number, tYears: number, isOption: boolean): number {
  const sigmaScaled = params.priceScanSigmas * Math.SQRT2 * (annualVol / Math.sqrt(SESSIONS_PER_YEAR)) * 100;
  const floor = isOption && tYears > params.longDatedYears ? params.priceScanLongDatedMinPct : params.priceScanMinPct;
  return Math.max(sigmaScaled, floor);
}

/** The volatility scan range, vol points (4 = ±0.04 of IV). */
export function volScanPoints(params: MarginParameters, annualVol: number): number {
  return Math.max((params.volScanPct / 100) * annualVol * 100, params.volScanMinPct);
}

function validate(positions: readonly MarginPosition[], market: MarginMarket): void {
  if (positions.length === 0) throw new MarginInputError(null, 'legs', 'a margin estimate needs at least one leg');
  for (const [name, value] of [
    ['spot', market.spot],
    ['annualVol', market.annualVol],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new MarginInputError(null, name, `${name} must be a positive number, got ${value}`);
  }
  if (!Number.isFinite(market.rate)) throw new MarginInputError(null, 'rate', `rate must be a finite decimal, got ${market.rate}`);
  positions.forEach((p, i) => {
    const { leg } = p;
    if (!(Number.isInteger(leg.lots) && leg.lots > 0)) throw new MarginInputError(i, 'lots', `leg ${i + 1}: lots must be a positive integer, got ${leg.lots}`);
    if (!(Number.isInteger(p.lotSize) && p.lotSize > 0)) throw new MarginInputError(i, 'lotSize', `leg ${i + 1}: lot size must be a positive integer, got ${p.lotSize}`);
    if (!(Number.isFinite(p.forward) && p.forward > 0)) throw new MarginInputError(i, 'forward', `leg ${i + 1}: forward must be a positive price, got ${p.forward}`);
    if (!Number.isFinite(p.tYears)) throw new MarginInputError(i, 'tYears', `leg ${i + 1}: time to expiry must be finite, got ${p.tYears}`);
    if (leg.entryPrice !== undefined && !(Number.isFinite(leg.entryPrice) && leg.entryPrice >= 0)) {
      throw new MarginInputError(i, 'entryPrice', `leg ${i + 1}: entry price must be a price ≥ 0, got ${leg.entryPrice}`);
    }
    if (leg.instrument === 'OPTION') {
      if (!(Number.isFinite(leg.strike) && leg.strike > 0)) throw new MarginInputError(i, 'strike', `leg ${i + 1}: strike must be a positive price, got ${leg.strike}`);
      if (!(Number.isFinite(p.iv) && p.iv > 0 && p.iv < 5)) throw new MarginInputError(i, 'iv', `leg ${i + 1}: IV must be a decimal between 0 and 5 (0.15 = 15 %), got ${p.iv}`);
    }
  });
}

const BASE = 0;
/** Slots per leg in the pricing batch: the base price, then the 16 scenarios. */
const SLOTS = 1 + SPAN_SCENARIO_COUNT;

interface Scratch {
  legs: number;
  batch: OptionBatch;
  priced: GreekColumns;
  /** Signed quantity per leg, units. */
  quantity: Float64Array;
  /** Price scan range per leg, %. */
  scanPct: Float64Array;
  /** Weighted loss per leg and scenario, rupees: [i·16 + s]. */
  loss: Float64Array;
}

let scratch: Scratch | null = null;

/**
 * Column buffers for `legs` legs, kept between calls (estimates are
 * synchronous, and every figure returned is copied out of them), grown to the
 * next power of two when a position has more legs than any before it (the
 * API bounds the legs of a position, so this stays small).
 */
function scratchFor(legs: number): Scratch {
  if (scratch && scratch.legs >= legs) return scratch;
  const capacity = 2 ** Math.ceil(Math.log2(Math.max(legs, 4)));
  const size = capacity * SLOTS;
  scratch = {
    legs: capacity,
    batch: {
      model: 'black76',
      underlying: new Float64Array(size),
      strike: new Float64Array(size),
      tYears: new Float64Array(size),
      vol: new Float64Array(size),
      rate: new Float64Array(size),
      optionType: new Int8Array(size),
    },
    priced: allocateGreeks(size),
    quantity: new Float64Array(capacity),
    scanPct: new Float64Array(capacity),
    loss: new Float64Array(capacity * SPAN_SCENARIO_COUNT),
  };
  return scratch;
}

/**
 * The margin estimate of `positions` (method and conventions in the module
 * doc). Throws MarginInputError naming the leg and field for bad input.
 */
export function estimateMargin(positions: readonly MarginPosition[], market: MarginMarket, params: MarginParameters): MarginEstimate {
  validate(positions, market);
  const n = positions.length;
  const scenarios = spanScenarios(params);
  const volScan = volScanPoints(params, market.annualVol) / 100;

  // One batch: leg i's base price at slot i·17, its scenario s at i·17 + 1 + s.
  const { batch, priced, quantity, scanPct, loss } = scratchFor(n);
  for (let i = 0; i < n; i++) {
    const p = positions[i];
    const leg = p.leg;
    quantity[i] = legSign(leg) * leg.lots * p.lotSize;
    const isOption = leg.instrument === 'OPTION';
    scanPct[i] = priceScanPct(params, market.annualVol, p.tYears, isOption);
    if (!isOption) {
      // A future is not priced: option type 0 makes priceBatch skip its slots (NaN, never read).
      batch.optionType.fill(0, i * SLOTS, (i + 1) * SLOTS);
      continue;
    }
    const type = leg.right === 'CALL' ? CALL : PUT;
    for (let slot = 0; slot < SLOTS; slot++) {
      const j = i * SLOTS + slot;
      const scenario = slot === BASE ? null : scenarios[slot - 1];
      batch.underlying[j] = scenario ? p.forward * (1 + (scenario.priceMoveFraction * scanPct[i]) / 100) : p.forward;
      batch.strike[j] = leg.strike;
      batch.tYears[j] = p.tYears;
      batch.vol[j] = scenario ? Math.max(0, p.iv + scenario.volMove * volScan) : p.iv;
      batch.rate[j] = market.rate;
      batch.optionType[j] = type;
    }
  }
  priceBatch(batch, priced, 0, n * SLOTS);

  // Weighted loss of each leg in each scenario, rupees: loss[i·16 + s].
  const legs: LegMargin[] = [];
  const deltaByExpiry = new Map<string, { deltaUnits: number; forward: number; tYears: number }>();
  let shortOptionNotionalRupees = 0;
  let exposureNotionalRupees = 0;
  for (let i = 0; i < n; i++) {
    const p = positions[i];
    const isOption = p.leg.instrument === 'OPTION';
    const price = isOption ? priced.price[i * SLOTS] : p.forward;
    const delta = isOption ? priced.delta[i * SLOTS] : 1;
    for (let s = 0; s < SPAN_SCENARIO_COUNT; s++) {
      const scenario = scenarios[s];
      const moved = isOption ? priced.price[i * SLOTS + 1 + s] : p.forward * (1 + (scenario.priceMoveFraction * scanPct[i]) / 100);
      loss[i * SPAN_SCENARIO_COUNT + s] = -quantity[i] * (moved - price) * scenario.weight;
    }
    const deltaUnits = quantity[i] * delta;
    const month = deltaByExpiry.get(p.leg.expiry) ?? { deltaUnits: 0, forward: p.forward, tYears: p.tYears };
    month.deltaUnits += deltaUnits;
    deltaByExpiry.set(p.leg.expiry, month);
    const shortNotional = isOption && quantity[i] < 0 ? -quantity[i] * market.spot : 0;
    const exposureNotional = isOption ? shortNotional : Math.abs(quantity[i]) * market.spot;
    shortOptionNotionalRupees += shortNotional;
    exposureNotionalRupees += exposureNotional;
    const premiumPerUnit = p.leg.entryPrice ?? price;
    const span = hasSpan(p, quantity[i]);
    const standalone = figures(
      span ? Math.max(0, maxOf(loss, i * SPAN_SCENARIO_COUNT)) : 0,
      0,
      shortNotional,
      exposureNotional,
      isOption && quantity[i] > 0 ? quantity[i] * premiumPerUnit : 0,
      span,
      params,
    );
    legs.push({
      leg: i,
      quantityUnits: quantity[i],
      priceScanPct: scanPct[i],
      volScanPoints: isOption ? volScan * 100 : 0,
      priceRupees: price,
      deltaUnits,
      ...standalone,
    });
  }

  const spanApplies = positions.some((p, i) => hasSpan(p, quantity[i]));
  const scenarioLosses: ScenarioLoss[] = [];
  let worst: ScenarioLoss | null = null;
  if (spanApplies) {
    for (let s = 0; s < SPAN_SCENARIO_COUNT; s++) {
      let total = 0;
      for (let i = 0; i < n; i++) total += loss[i * SPAN_SCENARIO_COUNT + s];
      const { number, priceMoveFraction, volMove, weight } = scenarios[s];
      const row: ScenarioLoss = { number, priceMoveFraction, volMove, weight, lossRupees: total };
      scenarioLosses.push(row);
      if (worst === null || row.lossRupees > worst.lossRupees) worst = row;
    }
  }
  const combined = figures(
    worst ? Math.max(0, worst.lossRupees) : 0,
    spanApplies ? calendarSpreadCharge(deltaByExpiry, params) : 0,
    shortOptionNotionalRupees,
    exposureNotionalRupees,
    legs.reduce((total, leg) => total + leg.premiumRupees, 0),
    spanApplies,
    params,
  );
  const standaloneTotal = legs.reduce((total, leg) => total + leg.totalRupees, 0);
  return {
    isEstimate: true,
    method: MARGIN_METHOD,
    ...combined,
    worstScenario: worst,
    scenarios: scenarioLosses,
    hedgeBenefitRupees: standaloneTotal - combined.totalRupees,
    legs,
    parameters: { ...params },
    market: { ...market },
  };
}

/** A short option or any future: what gets the SPAN treatment (long options pay their premium instead). */
function hasSpan(p: MarginPosition, quantityUnits: number): boolean {
  return p.leg.instrument === 'FUTURE' || quantityUnits < 0;
}

function maxOf(values: Float64Array, from: number): number {
  let max = -Infinity;
  for (let s = 0; s < SPAN_SCENARIO_COUNT; s++) max = Math.max(max, values[from + s]);
  return max;
}

function figures(
  scanRiskRupees: number,
  calendarSpreadRupees: number,
  shortOptionNotionalRupees: number,
  exposureNotionalRupees: number,
  premiumRupees: number,
  spanApplies: boolean,
  params: MarginParameters,
): MarginFigures {
  const shortOptionMinimumRupees = (params.shortOptionMinPct / 100) * shortOptionNotionalRupees;
  const spanRupees = spanApplies ? Math.max(scanRiskRupees + calendarSpreadRupees, shortOptionMinimumRupees) : 0;
  const exposureRupees = (params.exposurePct / 100) * exposureNotionalRupees;
  return {
    scanRiskRupees,
    calendarSpreadRupees,
    shortOptionMinimumRupees,
    spanRupees,
    exposureRupees,
    premiumRupees,
    totalRupees: spanRupees + exposureRupees + premiumRupees,
  };
}

/**
 * The delta that offsets across expiries, min(Σ long net deltas, Σ short net
 * deltas) in units, charged at `calendarSpreadPct` of the forward of the
 * farthest expiry holding any of it; 0 with one expiry.
 */
function calendarSpreadCharge(byExpiry: Map<string, { deltaUnits: number; forward: number; tYears: number }>, params: MarginParameters): number {
  if (byExpiry.size < 2) return 0;
  let long = 0;
  let short = 0;
  let far: { forward: number; tYears: number } | null = null;
  for (const month of byExpiry.values()) {
    if (month.deltaUnits > 0) long += month.deltaUnits;
    else short -= month.deltaUnits;
    if (month.deltaUnits !== 0 && (far === null || month.tYears > far.tYears)) far = month;
  }
  const spreadUnits = Math.min(long, short);
  return far && spreadUnits > 0 ? (params.calendarSpreadPct / 100) * spreadUnits * far.forward : 0;
}
