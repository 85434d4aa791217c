/**
 * Probabilities of a strategy's P&L at a horizon: the probability of profit
 * and the expected P&L under a distribution of the spot then, and the
 * probability of the spot touching a level before it.
 *
 * Distributions:
 * - lognormal: ln S_τ ~ N(ln F_τ − σ²τ/2, σ²τ), F_τ = S·e^{(r−q)τ} the
 *   forward to the horizon and σ one volatility (the ATM IV), the
 *   risk-neutral Black-Scholes world;
 * - any other given by its CDF (the smile-implied one, density.ts).
 *
 * The probability of profit is exact given the breakevens: the P&L keeps one
 * sign between consecutive breakevens, so it is the sum of the distribution's
 * mass over the intervals where it is positive. (The expected P&L is an
 * integral over the scan grid, in evaluate.ts.)
 *
 * Touching: the first passage of a geometric Brownian motion with drift
 * r − q through a level H before τ (reflection principle with drift,
 * e.g. Shreve, Stochastic Calculus for Finance II, 7.2), with ν = r − q − σ²/2,
 * b = ln(H/S):
 *   H > S: Φ((−b + ντ)/(σ√τ)) + e^{2νb/σ²}·Φ((−b − ντ)/(σ√τ)),
 *   H < S: Φ(( b − ντ)/(σ√τ)) + e^{2νb/σ²}·Φ(( b + ντ)/(σ√τ)).
 * Continuous monitoring: a daily close touches less often.
 */
import { normCdf } from '../math/normal.ts';

/** The lognormal of the spot at a horizon. */
export interface Lognormal {
  /** Forward to the horizon, index points. */
  forward: number;
  /** Volatility, decimal per year. */
  vol: number;
  /** Years to the horizon. */
  tYears: number;
}

/** P(S_τ ≤ x) under the lognormal. */
export function lognormalCdf(d: Lognormal, x: number): number {
  if (!(x > 0)) return 0;
  const s = d.vol * Math.sqrt(Math.max(d.tYears, 0));
  if (!(s > 0)) return x >= d.forward ? 1 : 0;
  return normCdf((Math.log(x / d.forward) + 0.5 * s * s) / s);
}

/**
 * The probability that the P&L is positive, given its breakevens (ascending,
 * index points), its sign at a spot (`positiveAt`) and the spot's CDF.
 */
export function probabilityOfProfit(breakevens: readonly number[], positiveAt: (spot: number) => boolean, cdf: (x: number) => number, spot: number): number {
  if (breakevens.length === 0) return positiveAt(spot) ? 1 : 0;
  let probability = 0;
  const bounds = [0, ...breakevens, Infinity];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const lo = bounds[i];
    const hi = bounds[i + 1];
    const inside = lo === 0 ? hi / 2 : hi === Infinity ? lo * 2 : Math.sqrt(lo * hi);
    if (positiveAt(inside)) probability += (hi === Infinity ? 1 : cdf(hi)) - (lo === 0 ? 0 : cdf(lo));
  }
  return Math.min(1, Math.max(0, probability));
}

/** Probability that the spot touches `level` before `tYears` (see the module doc); 1 when it is there already. */
export function touchProbability(spot: number, level: number, vol: number, rate: number, divYield: number, tYears: number): number {
  const b = Math.log(level / spot);
  if (b === 0) return 1;
  const s = vol * Math.sqrt(Math.max(tYears, 0));
  if (!(s > 0)) return 0;
  const nu = rate - divYield - 0.5 * vol * vol;
  const drift = nu * tYears;
  const reflection = Math.exp((2 * nu * b) / (vol * vol));
  const p = b > 0 ? normCdf((-b + drift) / s) + reflection * normCdf((-b - drift) / s) : normCdf((b - drift) / s) + reflection * normCdf((b + drift) / s);
  return Math.min(1, Math.max(0, p));
}
