/**
 * The upper tail of the standard normal, Q(a) = Φ(−a) = 1 − Φ(a) for a ≥ 0,
 * to full relative precision and without an exponential: the strategy
 * kernel needs Φ(d1) and Φ(d2) for every leg and spot, and there
 * Math.exp plus erfcx (normal.ts' way) is most of the cost.
 *
 * Scheme. [0, TABLE_LIMIT) is cut into pieces of width 1/STEPS. On a piece
 * with midpoint m, writing a = m + v,
 *   Q(a) = ½·erfcx(a/√2)·e^{−a²/2} = e^{−m²/2} · [½·erfcx(a/√2)·e^{−m·v − v²/2}],
 * and the bracket is smooth and varies by less than a factor e^{m/STEPS} over
 * the piece, so a polynomial of degree DEGREE in v holds it to about an ulp.
 * The polynomials are not typed in by hand: they are fitted at start-up by
 * Chebyshev interpolation of the library's erfcx (as erfcx.ts fits its own
 * table), then written in powers of s = 2v·STEPS ∈ [−1, 1] and evaluated by
 * Estrin's scheme (short dependency chains). The factor e^{−m²/2} is one
 * Math.exp per piece at start-up, multiplied into the piece's coefficients. Beyond TABLE_LIMIT (and for NaN) the
 * erfcx formula.
 *
 * Accuracy (normTail.test.ts): within a few ulps of Φ(−a) computed in high
 * precision, better than ½·erfcx(a/√2)·e^{−a²/2} in double (whose
 * exponential of a rounded −a²/2 loses up to a²/2 ulps far out).
 */
import libraryErfcx from '@stdlib/math-base-special-erfcx';
import { fastErfcx } from './erfcx.ts';

/** Pieces per unit of a. */
const STEPS = 32;
/** Degree of each piece's polynomial (the evaluation below is written for 8). */
const DEGREE = 8;
const TERMS = DEGREE + 1;
/** a from which the tail is computed by the erfcx formula (Φ(−10) ≈ 7.6e−24). */
export const TABLE_LIMIT = 10;
const PIECES = TABLE_LIMIT * STEPS;

const coefficients = fitTable();

function fitTable(): Float64Array {
  // T_k as powers of s: T_0 = 1, T_1 = s, T_k = 2s·T_{k−1} − T_{k−2}.
  const chebyshev: number[][] = [[1], [0, 1]];
  for (let k = 2; k <= DEGREE; k++) {
    const next = new Array<number>(k + 1).fill(0);
    chebyshev[k - 1].forEach((c, i) => (next[i + 1] += 2 * c));
    chebyshev[k - 2].forEach((c, i) => (next[i] -= c));
    chebyshev.push(next);
  }
  const coefficients = new Float64Array(PIECES * TERMS);
  const values = new Float64Array(TERMS);
  const half = 0.5 / STEPS;
  for (let piece = 0; piece < PIECES; piece++) {
    const mid = (piece + 0.5) / STEPS;
    const scale = Math.exp(-0.5 * mid * mid);
    for (let j = 0; j < TERMS; j++) {
      const v = half * Math.cos((Math.PI * (j + 0.5)) / TERMS);
      values[j] = 0.5 * libraryErfcx((mid + v) * Math.SQRT1_2) * Math.exp(-mid * v - 0.5 * v * v);
    }
    // Chebyshev coefficients, summing deviations from the mean (erfcx.ts'
    // habit) so that the small ones round relative to the variation.
    let mean = 0;
    for (let j = 0; j < TERMS; j++) mean += values[j];
    mean /= TERMS;
    for (let k = 0; k < TERMS; k++) {
      let c = mean;
      if (k > 0) {
        let sum = 0;
        for (let j = 0; j < TERMS; j++) sum += (values[j] - mean) * Math.cos((Math.PI * k * (j + 0.5)) / TERMS);
        c = (2 / TERMS) * sum;
      }
      chebyshev[k].forEach((power, i) => (coefficients[piece * TERMS + i] += c * power));
    }
    // The piece's factor e^{−m²/2} taken into its coefficients (one rounding each, as the product would have).
    for (let i = 0; i < TERMS; i++) coefficients[piece * TERMS + i] *= scale;
  }
  return coefficients;
}

/** Φ(−a) = 1 − Φ(a): the table for 0 ≤ a < TABLE_LIMIT, else (a negative or far out, NaN) the erfcx formula. */
export function normTail(a: number): number {
  if (!(a >= 0 && a < TABLE_LIMIT)) return 0.5 * fastErfcx(a * Math.SQRT1_2) * Math.exp(-0.5 * a * a);
  const y = a * STEPS;
  // y ≥ 0: truncation is the floor, and an int32 index keeps the loads cheap.
  const piece = y | 0;
  const s = 2 * (y - piece) - 1;
  const c = coefficients;
  const b = piece * TERMS;
  const s2 = s * s;
  const s4 = s2 * s2;
  return c[b] + s * c[b + 1] + s2 * (c[b + 2] + s * c[b + 3]) + s4 * (c[b + 4] + s * c[b + 5] + s2 * (c[b + 6] + s * c[b + 7]) + s4 * c[b + 8]);
}
