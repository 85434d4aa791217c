/**
 * The risk-neutral distribution of the spot at an expiry implied by the
 * chain's smile (Breeden & Litzenberger 1978): with C(K) the call price
 * (discounted) as a function of the strike,
 *
 *   P(S_T ≤ K) = 1 + e^{rT}·∂C/∂K,     q(K) = e^{rT}·∂²C/∂K²,
 *
 * taken by central differences of the smoothed call curve: Black-76 prices on
 * the forward at the SVI fit's volatility √(w(ln K/F)/T) (core/analytics/svi.ts,
 * fitted per snapshot and checked for butterfly arbitrage). The SVI fit is the
 * smoother: differences of raw quotes would be noise.
 *
 * Units: strikes and spots in index points; the density per index point.
 * The grid covers ln(K/F) ∈ ±DENSITY_SPAN_SD·√w(0) (DENSITY_POINTS points);
 * what lies beyond is reported as tail mass. A negative density (an SVI
 * extrapolated past where it was checked) is set to 0 and counted.
 */
import { normCdf } from '../math/normal.ts';
import { fitSvi, sviTotalVariance, type SviParams } from '../analytics/svi.ts';
import { chainSmile } from '../analytics/smile.ts';
import type { ChainSnapshot } from '../chain.ts';

export const DENSITY_POINTS = 241;
export const DENSITY_SPAN_SD = 7;
/** Relative strike step of the central differences. */
const RELATIVE_STEP = 1e-4;

export interface SmileDistribution {
  forward: number;
  tYears: number;
  rate: number;
  svi: SviParams;
}

/** Undiscounted Black call on the forward at the SVI volatility of its strike. */
function forwardCall(d: SmileDistribution, strike: number): number {
  const w = Math.max(sviTotalVariance(d.svi, Math.log(strike / d.forward)), 0);
  const s = Math.sqrt(w);
  if (!(s > 0)) return Math.max(d.forward - strike, 0);
  const d1 = Math.log(d.forward / strike) / s + 0.5 * s;
  return d.forward * normCdf(d1) - strike * normCdf(d1 - s);
}

/** The smoothed (discounted) call price at a strike, index points. */
export function smileCallPrice(d: SmileDistribution, strike: number): number {
  return Math.exp(-d.rate * d.tYears) * forwardCall(d, strike);
}

/** P(S_T ≤ x) implied by the smile: 1 + e^{rT}·∂C/∂K at x, clamped to [0, 1]. */
export function smileCdf(d: SmileDistribution, x: number): number {
  if (!(x > 0)) return 0;
  const h = RELATIVE_STEP * x;
  const slope = (forwardCall(d, x + h) - forwardCall(d, x - h)) / (2 * h);
  return Math.min(1, Math.max(0, 1 + slope));
}

export interface SmileDensity {
  /** Strikes (spots at expiry), index points, ascending. */
  strikes: Float64Array;
  /** Risk-neutral density per index point at each strike. */
  density: Float64Array;
  /** Trapezoid weights: density × the strike's share of the grid, so Σ weights = mass on the grid. */
  weights: Float64Array;
  /** Mass on the grid (≈ 1 less the tails). */
  mass: number;
  /** P(S_T below the grid), P(S_T above it). */
  tailBelow: number;
  tailAbove: number;
  /** Grid points where the density came out negative and was set to 0. */
  negativePoints: number;
}

const densities = new WeakMap<SmileDistribution, SmileDensity>();

/** smileDensity at DENSITY_POINTS, kept per distribution object: one per chain snapshot, however many strategies use it. */
export function cachedSmileDensity(d: SmileDistribution): SmileDensity {
  let density = densities.get(d);
  if (!density) densities.set(d, (density = smileDensity(d)));
  return density;
}

/** The density on its grid (see the module doc). */
export function smileDensity(d: SmileDistribution, points = DENSITY_POINTS): SmileDensity {
  const sdAtm = Math.sqrt(Math.max(sviTotalVariance(d.svi, 0), 1e-8));
  const strikes = new Float64Array(points);
  const density = new Float64Array(points);
  const weights = new Float64Array(points);
  let negativePoints = 0;
  for (let i = 0; i < points; i++) {
    const k = -DENSITY_SPAN_SD * sdAtm + (2 * DENSITY_SPAN_SD * sdAtm * i) / (points - 1);
    const strike = d.forward * Math.exp(k);
    strikes[i] = strike;
    const h = RELATIVE_STEP * strike * 10;
    const second = (forwardCall(d, strike + h) - 2 * forwardCall(d, strike) + forwardCall(d, strike - h)) / (h * h);
    if (second < 0) negativePoints++;
    density[i] = Math.max(second, 0);
  }
  let mass = 0;
  for (let i = 0; i < points; i++) {
    const left = i > 0 ? strikes[i] - strikes[i - 1] : 0;
    const right = i + 1 < points ? strikes[i + 1] - strikes[i] : 0;
    weights[i] = 0.5 * (left + right) * density[i];
    mass += weights[i];
  }
  return { strikes, density, weights, mass, tailBelow: smileCdf(d, strikes[0]), tailAbove: 1 - smileCdf(d, strikes[points - 1]), negativePoints };
}

/**
 * The smile distribution of a chain: the SVI fit of its OTM smile
 * (core/analytics/smile.ts, flagged IVs left out) on `forward`; null when the
 * fit fails (too few IVs) or is not free of butterfly arbitrage where checked.
 */
export function chainSmileDistribution(chain: ChainSnapshot, forward: number): SmileDistribution | null {
  const smile = chainSmile(chain, forward);
  const fit = fitSvi(smile.logMoneyness, smile.totalVariance, chain.tYears);
  if (!fit || fit.butterfly.arbitrage) return null;
  return { forward: smile.forward, tYears: chain.tYears, rate: chain.rate, svi: fit.params };
}
