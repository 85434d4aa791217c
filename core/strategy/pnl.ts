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

/** The value of one leg per unit, at each spot, added × `weight` into `out`. */
export function addLegValue(leg: PricedLeg, rate: number, atMs: number, ivShift: number, spots: Float64Array, weight: number, out: Float64Array, from = 0, to = spots.length): void {
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
  const carry = (rate - q) * tau;
  const inverseTotalVol = 1 / totalVol;
  const halfTotalVol = 0.5 * totalVol;
  const discountedStrike = discount * k;
  for (let i = from; i < to; i++) {
    const s = spots[i];
    if (!(s > 0)) {
      // S = 0: a put is worth its discounted strike, a call nothing.
      if (sign < 0) out[i] += weight * discountedStrike;
      continue;
    }
    const d1 = (Math.log(s / k) + carry) * inverseTotalVol + halfTotalVol;
    const d2 = d1 - totalVol;
    const discountedSpot = yieldDiscount * s;
    const gaussian1 = Math.exp(-0.5 * d1 * d1);
    const gaussian2 = gaussian1 > 0 ? (gaussian1 * discountedSpot) / discountedStrike : Math.exp(-0.5 * d2 * d2);
    const cdf1 = normCdfFromGaussian(sign * d1, gaussian1);
    const cdf2 = normCdfFromGaussian(sign * d2, gaussian2);
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
  for (const leg of legs) addLegValue(leg, market.rate, atMs, ivShift, spots, leg.units, out, from, to);
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
