/**
 * From the legs a user states (legs.ts, in lots, prices and IVs optional) to
 * the legs the evaluation prices (pnl.ts, in units, every figure filled in),
 * against the latest stored chain of each expiry involved; and the checks
 * that turn bad input into a StrategyInputError naming the leg and field.
 *
 * Defaults from the chain of the leg's expiry:
 * - an option's entry price: the mid of a two-sided quote, else the last
 *   trade (core/analytics/atm.ts' markPrice); its IV: that side's IV at the
 *   strike now, else the other side's (the same volatility by parity);
 * - a future's entry price: the stored future price, else the forward;
 * - the expiry's carry: q = r − ln(F/S)/T from the chain's forward, so the
 *   legs of every expiry move with one spot.
 */
import { chainColumns, isUsableIv, type ChainSnapshot } from '../chain.ts';
import { markPrice, atmIv as chainAtmIv } from '../analytics/atm.ts';
import { expiryInstant } from '../time/expiry.ts';
import type { EnrichedSnapshot } from '../models.ts';
import { legSign, type StrategyLeg } from './legs.ts';
import type { PricedLeg, StrategyMarket } from './pnl.ts';
import { chainSmileDistribution, type SmileDistribution } from './density.ts';

/** A leg as the builder takes it: the shared vocabulary plus a per-leg IV shift. */
export type BuilderLeg = StrategyLeg & {
  /** Extra IV shift of this option leg, decimal (0.01 = 1 vol point); absent: 0. */
  ivShift?: number;
};

/** Bad strategy input: which leg (null for the strategy as a whole) and which field, and why. */
export class StrategyInputError extends Error {
  constructor(
    readonly field: string,
    readonly legIndex: number | null,
    message: string,
    /** The position in a list field (targetDates), when the field is a list. */
    readonly item: number | null = null,
  ) {
    super(message);
    this.name = 'StrategyInputError';
  }
}

/** One expiry's market as the builder needs it, from its latest stored chain. */
export interface ExpiryMarket {
  expiry: string;
  expiryMs: number;
  /** Instant of the chain, epoch ms. */
  timestamp: number;
  spot: number;
  /** Forward of the expiry, index points. */
  forward: number;
  rate: number;
  tYears: number;
  /** Units per lot of this expiry on the chain's date. */
  lotSize: number;
  /** Stored future price, NaN when the source has none. */
  future: number;
  /** Continuous dividend yield implied by the forward: q = r − ln(F/S)/T, decimal. */
  divYield: number;
  /** ATM IV (decimal) of the chain. */
  atmIv: number;
  /** The chain's columns, each side's IV as quoted (a flagged side keeps its IV: the user prices that option). */
  columns: ChainSnapshot;
  /** The columns as the analytics saw them (a flagged side's IV is NaN): what the smile is fitted to. */
  analysed: ChainSnapshot;
}

const markets = new WeakMap<EnrichedSnapshot, ExpiryMarket>();

/** expiryMarket, kept per snapshot object (the latest-chain cache hands out the same one): one SVI fit per snapshot. */
export function cachedExpiryMarket(snapshot: EnrichedSnapshot): ExpiryMarket {
  let market = markets.get(snapshot);
  if (!market) markets.set(snapshot, (market = expiryMarket(snapshot)));
  return market;
}

const smiles = new WeakMap<ExpiryMarket, SmileDistribution | null>();

/**
 * The smile-implied distribution at this expiry (the SVI fit of the analysed
 * IVs, core/strategy/density.ts); null when it cannot be fitted free of
 * arbitrage or the chain has expired. Fitted on first use and kept with the
 * market (about 25 ms of CPU a fit: only the nearest expiry's is asked for).
 */
export function expirySmile(market: ExpiryMarket): SmileDistribution | null {
  let smile = smiles.get(market);
  if (smile === undefined) smiles.set(market, (smile = market.tYears > 0 ? chainSmileDistribution(market.analysed, market.forward) : null));
  return smile;
}

/** The builder's view of a stored chain. */
export function expiryMarket(snapshot: EnrichedSnapshot): ExpiryMarket {
  const columns = chainColumns(snapshot);
  const forward = snapshot.forward ?? snapshot.future ?? snapshot.spot * Math.exp(snapshot.rate * Math.max(snapshot.tYears, 0));
  const divYield = snapshot.tYears > 0 ? snapshot.rate - Math.log(forward / snapshot.spot) / snapshot.tYears : 0;
  const quotedAtm = snapshot.analytics?.atmIv;
  const withQuotes: ChainSnapshot = { ...columns, call: { ...columns.call, iv: ivColumn(snapshot, 'call') }, put: { ...columns.put, iv: ivColumn(snapshot, 'put') } };
  return {
    expiry: snapshot.expiry,
    expiryMs: expiryInstant(snapshot.expiry),
    timestamp: snapshot.timestamp,
    spot: snapshot.spot,
    forward,
    rate: snapshot.rate,
    tYears: snapshot.tYears,
    lotSize: snapshot.lotSize,
    future: snapshot.future ?? NaN,
    divYield,
    atmIv: quotedAtm != null && isUsableIv(quotedAtm) ? quotedAtm : chainAtmIv(withQuotes, forward),
    columns: withQuotes,
    analysed: columns,
  };
}

/** Each strike's IV of one side as quoted (flagged sides keep their IV: the user prices that option, not the smile). */
function ivColumn(snapshot: EnrichedSnapshot, side: 'call' | 'put'): Float64Array {
  return Float64Array.from(snapshot.rows, (row) => row[side]?.iv ?? NaN);
}

/** Most legs a strategy takes. */
export const MAX_LEGS = 20;
/** Most lots a leg takes. */
export const MAX_LOTS = 10_000;

/** Checks the legs' shape before any chain is read (no legs, lots, dates, numbers); throws StrategyInputError. */
export function checkLegs(legs: readonly BuilderLeg[], nowMs: number): void {
  if (legs.length === 0) throw new StrategyInputError('legs', null, 'A strategy needs at least one leg');
  if (legs.length > MAX_LEGS) throw new StrategyInputError('legs', null, `A strategy takes at most ${MAX_LEGS} legs, got ${legs.length}`);
  legs.forEach((leg, i) => {
    const where = `Leg ${i}`;
    if (!Number.isInteger(leg.lots) || leg.lots <= 0 || leg.lots > MAX_LOTS) {
      throw new StrategyInputError('lots', i, `${where}: lots must be a whole number from 1 to ${MAX_LOTS}, got ${leg.lots}`);
    }
    let expiryMs: number;
    try {
      expiryMs = expiryInstant(leg.expiry);
    } catch (error) {
      throw new StrategyInputError('expiry', i, `${where}: ${(error as Error).message}`);
    }
    if (expiryMs <= nowMs) throw new StrategyInputError('expiry', i, `${where}: expiry ${leg.expiry} is in the past (it expired at ${new Date(expiryMs).toISOString()})`);
    if (leg.entryPrice !== undefined && !(leg.entryPrice >= 0 && leg.entryPrice < Infinity)) {
      throw new StrategyInputError('entryPrice', i, `${where}: entryPrice must be a price ≥ 0 in rupees per unit, got ${leg.entryPrice}`);
    }
    if (leg.instrument === 'OPTION') {
      if (!(leg.strike > 0 && leg.strike < Infinity)) throw new StrategyInputError('strike', i, `${where}: strike must be a positive price, got ${leg.strike}`);
      if (leg.iv !== undefined && !(leg.iv > 0 && leg.iv <= 5)) throw new StrategyInputError('iv', i, `${where}: iv must be a decimal in (0, 5] (0.15 = 15 %), got ${leg.iv}`);
      if (leg.ivShift !== undefined && !(Math.abs(leg.ivShift) <= 5)) throw new StrategyInputError('ivShift', i, `${where}: ivShift must be a decimal within ±5, got ${leg.ivShift}`);
    }
  });
}

/** The legs priced against their expiries' markets (see the module doc); throws StrategyInputError naming the leg and field. */
export function resolveLegs(legs: readonly BuilderLeg[], markets: ReadonlyMap<string, ExpiryMarket>): PricedLeg[] {
  return legs.map((leg, index): PricedLeg => {
    const market = markets.get(leg.expiry);
    if (!market) throw new StrategyInputError('expiry', index, `Leg ${index}: no stored chain for expiry ${leg.expiry}`);
    const units = legSign(leg) * leg.lots * market.lotSize;
    const base = { index, expiry: leg.expiry, expiryMs: market.expiryMs, units, lots: leg.lots, lotSize: market.lotSize, divYield: market.divYield, ivShift: 0 };
    if (leg.instrument === 'FUTURE') {
      const entryPrice = leg.entryPrice ?? (market.future > 0 ? market.future : market.forward);
      return { ...base, instrument: 'FUTURE', optionSign: 0, strike: NaN, entryPrice, iv: NaN };
    }
    const { strikes } = market.columns;
    const row = strikes.indexOf(leg.strike);
    if (row < 0) {
      throw new StrategyInputError('strike', index, `Leg ${index}: ${leg.strike} is not a listed strike of the ${market.columns.symbol} ${leg.expiry} chain (${strikes[0]}–${strikes[strikes.length - 1]})`);
    }
    const [own, other] = leg.right === 'CALL' ? [market.columns.call, market.columns.put] : [market.columns.put, market.columns.call];
    const entryPrice = leg.entryPrice ?? markPrice(own, row);
    if (!(entryPrice >= 0)) throw new StrategyInputError('entryPrice', index, `Leg ${index}: the ${leg.strike} ${leg.right} has no price in the latest chain; give entryPrice`);
    const iv = leg.iv ?? (isUsableIv(own.iv[row]) ? own.iv[row] : isUsableIv(other.iv[row]) ? other.iv[row] : NaN);
    if (!isUsableIv(iv)) throw new StrategyInputError('iv', index, `Leg ${index}: the ${leg.strike} strike has no IV in the latest chain; give iv`);
    return { ...base, instrument: 'OPTION', optionSign: leg.right === 'CALL' ? 1 : -1, strike: leg.strike, entryPrice, iv, ivShift: leg.ivShift ?? 0 };
  });
}

/** The valuation market: the nearest expiry's spot and rate at the latest chain instant. */
export function valuationMarket(markets: readonly ExpiryMarket[]): StrategyMarket {
  const nearest = [...markets].sort((a, b) => a.expiryMs - b.expiryMs)[0];
  return { spot: nearest.spot, rate: nearest.rate, nowMs: Math.max(...markets.map((m) => m.timestamp)) };
}

/** Checks target instants: not before now, not after the last leg's expiry; throws StrategyInputError naming the item of `targetDates`. */
export function checkTargets(targets: readonly number[], nowMs: number, legs: readonly PricedLeg[]): void {
  const lastExpiryMs = Math.max(...legs.map((l) => l.expiryMs));
  targets.forEach((t, i) => {
    if (t > lastExpiryMs) throw new StrategyInputError('targetDates', null, `targetDates[${i}] (${new Date(t).toISOString()}) is after the last leg's expiry (${new Date(lastExpiryMs).toISOString()})`, i);
    if (t < nowMs - 60_000) throw new StrategyInputError('targetDates', null, `targetDates[${i}] (${new Date(t).toISOString()}) is before the valuation instant (${new Date(nowMs).toISOString()})`, i);
  });
}

/** Most points of a spot grid. */
export const MAX_SPOT_POINTS = 2_000;
/** Expected moves either side of the spot an automatic grid covers. */
export const AUTO_RANGE_MOVES = 3;

/**
 * The spot grid of the curves: `points` evenly spaced spots over [from, to]
 * when given, else spot ± AUTO_RANGE_MOVES expected moves to the last
 * expiry (S·σ_ATM·√T, at least 2 % of spot), floored above 0.
 */
export function spotGrid(spot: number, atmIv: number, lastTYears: number, points: number, from?: number, to?: number): Float64Array {
  if (!Number.isInteger(points) || points < 2 || points > MAX_SPOT_POINTS) throw new StrategyInputError('spotPoints', null, `spotPoints must be a whole number from 2 to ${MAX_SPOT_POINTS}, got ${points}`);
  const move = Math.max(spot * (isUsableIv(atmIv) ? atmIv : 0.2) * Math.sqrt(Math.max(lastTYears, 0)), 0.02 * spot);
  const low = from ?? Math.max(spot - AUTO_RANGE_MOVES * move, spot * 0.01);
  const high = to ?? spot + AUTO_RANGE_MOVES * move;
  if (!(low > 0 && high > low && high < Infinity)) throw new StrategyInputError('spotFrom', null, `the spot range must satisfy 0 < spotFrom < spotTo, got ${low}–${high}`);
  return Float64Array.from({ length: points }, (_, i) => low + ((high - low) * i) / (points - 1));
}
