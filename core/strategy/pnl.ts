/**
 * The P&L of a strategy's legs over a column of spots at one instant: the
 * kernel under every curve, breakeven, probability and what-if grid of the
 * strategy builder.
 *
 * Model. The state is the spot S of the index. Each leg belongs to an expiry
 * whose forward ties to the spot through that expiry's carry,
 * F = S·e^{(r−q)τ} (q the expiry's implied dividend yield, from its chain's
 * forward), so that calendars and diagonals are priced with each leg's own
 * time τ and volatility:
 * - an option is worth its Black-Scholes-Merton price on S with yield q while
 *   τ > 0 (core/pricing/black.ts' convention), its payoff after;
 * - a future is marked to market at its fair value S·e^{(r−q)τ}, at S from
 *   its expiry on.
 * A leg's P&L is its signed quantity in units (lots × lot size, + bought,
 * − sold) times (value − entry price); the strategy's is their sum, rupees.
 *
 * The column loop allocates nothing: the caller passes the spots and the
 * output column; scalar evaluations (root finding) reuse one-element scratch
 * columns.
 */
import { normCdfFromGaussian } from '../math/normal.ts';

const MS_PER_YEAR = 365 * 24 * 60 * 60 * 1000;
/** |d| beyond which Φ(d) is 0 or 1 to double precision (Φ(−8.5) ≈ 9.5e-18). */
const SATURATED_D = 8.5;
/** Bound once: a transpiled ESM import is a getter call on every use, which the hot loop would pay per point. */
const cdfFromGaussian = normCdfFromGaussian;

/** A leg resolved against the market: everything the kernel needs, in units. */
export interface PricedLeg {
  /** The leg's index in the user's list, for messages. */
  index: number;
  instrument: 'OPTION' | 'FUTURE';
  /** +1 call, −1 put; 0 for a future. */
  optionSign: 1 | -1 | 0;
  /** Strike, index points; NaN for a future. */
  strike: number;
  /** Expiry date (YYYY-MM-DD) and its instant, epoch ms. */
  expiry: string;
  expiryMs: number;
  /** Signed quantity in units of the index: lots × lot size, positive bought, negative sold. */
  units: number;
  /** Lots and lot size as given and resolved. */
  lots: number;
  lotSize: number;
  /** Entry price, rupees per unit (index points). */
  entryPrice: number;
  /** Implied volatility, decimal per year; NaN for a future. */
  iv: number;
  /** This leg's extra IV shift, decimal (0.01 = 1 vol point). */
  ivShift: number;
  /** Continuous dividend yield of the leg's expiry (decimal per year): F = S·e^{(r−q)τ}. */
  divYield: number;
}

/** The market a strategy is valued in. */
export interface StrategyMarket {
  /** Spot index level now, index points. */
  spot: number;
  /** Risk-free rate, decimal, continuously compounded. */
  rate: number;
  /** The valuation instant ("now"), epoch ms. */
  nowMs: number;
}

/** Years from `fromMs` to `toMs`, ACT/365. */
export function yearsBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}

/** ln of each spot in [from, to) into `out` (the kernel's shared column: one log per spot, not per leg and spot). */
export function logColumn(spots: Float64Array, out: Float64Array, from = 0, to = spots.length): Float64Array {
  for (let i = from; i < to; i++) out[i] = Math.log(spots[i]);
  return out;
}

let logScratch = new Float64Array(512);

/** A scratch column of at least `n` entries, reused between calls (grown when short). */
function logScratchOf(n: number): Float64Array {
  if (logScratch.length < n) logScratch = new Float64Array(Math.max(n, 2 * logScratch.length));
  return logScratch;
}

/**
 * The value of one leg per unit, at each spot, added × `weight` into `out`;
 * `logSpots` holds ln of each spot (logColumn).
 */
export function addLegValue(
  leg: PricedLeg,
  rate: number,
  atMs: number,
  ivShift: number,
  spots: Float64Array,
  weight: number,
  out: Float64Array,
  from = 0,
  to = spots.length,
  logSpots = logColumn(spots, logScratchOf(to), from, to),
): void {
  const tau = yearsBetween(atMs, leg.expiryMs);
  const q = leg.divYield;
  if (leg.instrument === 'FUTURE') {
    const growth = tau > 0 ? Math.exp((rate - q) * tau) : 1;
    for (let i = from; i < to; i++) out[i] += weight * spots[i] * growth;
    return;
  }
  const sign = leg.optionSign;
  const k = leg.strike;
  const sigma = Math.max(0, leg.iv + leg.ivShift + ivShift);
  const totalVol = tau > 0 ? sigma * Math.sqrt(tau) : 0;
  if (!(totalVol > 0)) {
    // Expired, or no variance left: the (discounted forward) payoff.
    const discount = tau > 0 ? Math.exp(-rate * tau) : 1;
    const growth = tau > 0 ? Math.exp((rate - q) * tau) : 1;
    for (let i = from; i < to; i++) {
      const payoff = sign * (spots[i] * growth - k);
      if (payoff > 0) out[i] += weight * discount * payoff;
    }
    return;
  }
  const discount = Math.exp(-rate * tau);
  const yieldDiscount = Math.exp(-q * tau);
  // d1 = (ln S − ln K + (r − q)τ)/(σ√τ) + σ√τ/2, with the constant part once per leg.
  const offset = (-Math.log(k) + (rate - q) * tau) / totalVol + 0.5 * totalVol;
  const inverseTotalVol = 1 / totalVol;
  const discountedStrike = discount * k;
  for (let i = from; i < to; i++) {
    const s = spots[i];
    if (!(s > 0)) {
      // S = 0: a put is worth its discounted strike, a call nothing.
      if (sign < 0) out[i] += weight * discountedStrike;
      continue;
    }
    const d1 = logSpots[i] * inverseTotalVol + offset;
    const d2 = d1 - totalVol;
    const discountedSpot = yieldDiscount * s;
    // Beyond SATURATED_D standard deviations Φ is 0 or 1 in double precision:
    // the option is its discounted forward intrinsic value, or worthless (most
    // of a grid far from a short-dated strike), without the exponential and
    // the two erfcx.
    const x1 = sign * d1;
    const x2 = sign * d2;
    if ((x1 < x2 ? x1 : x2) > SATURATED_D) {
      out[i] += weight * sign * (discountedSpot - discountedStrike);
      continue;
    }
    if ((x1 > x2 ? x1 : x2) < -SATURATED_D) continue;
    const gaussian1 = Math.exp(-0.5 * d1 * d1);
    const gaussian2 = gaussian1 > 0 ? (gaussian1 * discountedSpot) / discountedStrike : Math.exp(-0.5 * d2 * d2);
    const cdf1 = cdfFromGaussian(sign * d1, gaussian1);
    const cdf2 = cdfFromGaussian(sign * d2, gaussian2);
    out[i] += weight * sign * (discountedSpot * cdf1 - discountedStrike * cdf2);
  }
}

/**
 * The strategy's P&L (rupees) at `atMs` at each spot into `out` (overwritten):
 * Σ units × (value − entry). `ivShift` (decimal) is added to every option's IV
 * on top of its own shift.
 */
export function pnlColumn(legs: readonly PricedLeg[], market: StrategyMarket, atMs: number, ivShift: number, spots: Float64Array, out: Float64Array, from = 0, to = spots.length): void {
  let entry = 0;
  for (const leg of legs) entry += leg.units * leg.entryPrice;
  for (let i = from; i < to; i++) out[i] = -entry;
  const logSpots = logColumn(spots, logScratchOf(to), from, to);
  for (const leg of legs) addLegValue(leg, market.rate, atMs, ivShift, spots, leg.units, out, from, to, logSpots);
}

const scalarSpot = new Float64Array(1);
const scalarOut = new Float64Array(1);

/** The P&L at one spot (rupees), as pnlColumn. */
export function pnlAt(legs: readonly PricedLeg[], market: StrategyMarket, atMs: number, ivShift: number, spot: number): number {
  scalarSpot[0] = spot;
  pnlColumn(legs, market, atMs, ivShift, scalarSpot, scalarOut);
  return scalarOut[0];
}

/** The value of one leg per unit at one spot (index points), as the kernel prices it. */
export function legValueAt(leg: PricedLeg, market: StrategyMarket, atMs: number, spot: number, ivShift = 0): number {
  scalarSpot[0] = spot;
  scalarOut[0] = 0;
  addLegValue(leg, market.rate, atMs, ivShift, scalarSpot, 1, scalarOut);
  return scalarOut[0];
}
