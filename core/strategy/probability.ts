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
 * mass over the intervals where it is positive. The expected P&L is an
 * integral, by the trapezoid rule in z = (ln S − mean)/(σ√τ) over ±8
 * standard deviations (EV_Z_POINTS points; the weights are normalised, so
 * the truncated tails, below 1e-15, do not bias it).
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

/** Points of the z grid the expected P&L is integrated on (±8 σ, step 0.1). */
export const EV_Z_POINTS = 161;
const Z_MAX = 8;

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

/** The spots of the expected-value grid under the lognormal (EV_Z_POINTS, ascending) into `spots`, and their weights (summing to 1) into `weights`. */
export function lognormalGrid(d: Lognormal, spots: Float64Array, weights: Float64Array): void {
  const n = spots.length;
  const s = d.vol * Math.sqrt(Math.max(d.tYears, 0));
  const mean = Math.log(d.forward) - 0.5 * s * s;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const z = -Z_MAX + (2 * Z_MAX * i) / (n - 1);
    spots[i] = Math.exp(mean + s * z);
    const w = Math.exp(-0.5 * z * z) * (i === 0 || i === n - 1 ? 0.5 : 1);
    weights[i] = w;
    total += w;
  }
  for (let i = 0; i < n; i++) weights[i] /= total;
}

/** Σ values·weights. */
export function weightedSum(values: Float64Array, weights: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * weights[i];
  return sum;
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
