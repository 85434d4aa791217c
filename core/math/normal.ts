/**
 * Standard normal distribution, accurate in the tails.
 *
 * Everything goes through the scaled complementary error function
 * erfcx(x) = e^{x²}·erfc(x) on its positive side, where it is a table of
 * short polynomials (Faddeeva package, via stdlib): deep out-of-the-money
 * prices and their implied volatility need the tails to full relative
 * precision, and the hot loops need them cheap.
 */
import { fastErfcx as erfcx } from './erfcx.ts';
import erfcinv from '@stdlib/math-base-special-erfcinv';

export const SQRT_2PI = Math.sqrt(2 * Math.PI);
export const INV_SQRT_2PI = 1 / SQRT_2PI;

/**
 * Φ(x), the standard normal cumulative distribution function.
 * Written as ½·erfcx(|x|/√2)·e^{−x²/2} so that the tail keeps full relative
 * precision (Φ(−30) ≈ 4.9e−198, not 0) and one Math.exp suffices.
 */
export function normCdf(x: number): number {
  const tail = 0.5 * erfcx(Math.abs(x) * Math.SQRT1_2) * Math.exp(-0.5 * x * x);
  return x < 0 ? tail : 1 - tail;
}

/**
 * Φ(x) given φ(x)·√(2π) = e^{−x²/2} already computed by the caller (the
 * pricing loop needs the density anyway): saves the exponential.
 */
export function normCdfFromGaussian(x: number, gaussian: number): number {
  const tail = 0.5 * erfcx(Math.abs(x) * Math.SQRT1_2) * gaussian;
  return x < 0 ? tail : 1 - tail;
}

/** φ(x), the standard normal density. */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Φ⁻¹(p), the standard normal quantile. Through erfcinv so that it stays
 * accurate down to p = 1e-320 (erfinv(2p − 1) would round p away below ~1e-17).
 */
export function normInv(p: number): number {
  return -Math.SQRT2 * erfcinv(2 * p);
}

/**
 * Φ⁻¹(p) to about 4.5e−4 absolute (Abramowitz & Stegun 26.2.23), for p in
 * (0, 1). For initial guesses that an iteration refines anyway: a log and a
 * square root instead of a full-precision quantile.
 */
export function normInvApprox(p: number): number {
  const lowerTail = p < 0.5;
  const w = Math.sqrt(-2 * Math.log(lowerTail ? p : 1 - p));
  const z = w - (2.515517 + w * (0.802853 + w * 0.010328)) / (1 + w * (1.432788 + w * (0.189269 + w * 0.001308)));
  return lowerTail ? -z : z;
}

const SQRT_PI_OVER_2 = Math.sqrt(Math.PI / 2);

/**
 * Y(x) = Φ(x)/φ(x), Mills' ratio read from the left. Finite and accurate where
 * both Φ(x) and φ(x) underflow (x ≪ −38), which is what lets normalized Black
 * prices be evaluated without underflow far out of the money. For x > 0 the
 * reflection Y(x) = 1/φ(x) − Y(−x) keeps erfcx on its fast, positive side.
 */
export function millsRatio(x: number): number {
  if (x <= 0) return SQRT_PI_OVER_2 * erfcx(-x * Math.SQRT1_2);
  return SQRT_2PI * Math.exp(0.5 * x * x) - SQRT_PI_OVER_2 * erfcx(x * Math.SQRT1_2);
}

export { erfcx };
