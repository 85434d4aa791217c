/**
 * erfcx(x) = e^{x²}·erfc(x) for x ≥ 0, fast enough for the IV inner loop.
 *
 * Why not just call the library: @stdlib's erfcx (a port of the Faddeeva
 * package) is accurate but dispatches each call through a 100-way switch of
 * small functions, which costs more than two Math.exp calls and dominates the
 * implied-volatility solver. This module keeps the same scheme (piecewise
 * polynomials in y = 400/(4 + x), here four pieces per unit of y) but stores the
 * pieces as one flat coefficient table and evaluates them inline. The table
 * is not typed in by hand: it is fitted at start-up by Chebyshev
 * interpolation of the library function itself, and erfcx.test.ts checks the
 * result against the library to a few ulps over the whole range.
 *
 * Negative arguments and x ≥ 50 go to the library (rare in our use).
 */
import libraryErfcx from '@stdlib/math-base-special-erfcx';

/** Polynomial degree per piece, as in the library's own pieces. */
const DEGREE = 6;
const TERMS = DEGREE + 1;
/** Pieces of y per unit; they cover y ∈ [0, 101): x ∈ [0, 50) maps to y ∈ (7.4, 100]. */
const PIECES_PER_UNIT = 4;
const PIECES = 101 * PIECES_PER_UNIT;
const FAST_LIMIT = 50;

const table = fitTable();

function fitTable(): Float64Array {
  const coefficients = new Float64Array(PIECES * TERMS);
  const values = new Float64Array(TERMS);
  for (let piece = 0; piece < PIECES; piece++) {
    // Chebyshev nodes on t ∈ [−1, 1], with y = piece + (t + 1)/2.
    for (let j = 0; j < TERMS; j++) {
      const t = Math.cos((Math.PI * (j + 0.5)) / TERMS);
      const y = (piece + 0.5 * (t + 1)) / PIECES_PER_UNIT;
      values[j] = y > 0 ? libraryErfcx(400 / y - 4) : 0;
    }
    // The higher coefficients are tiny against the values: sum deviations from
    // the mean (their cosine weights sum to 0) so their rounding stays relative
    // to the function's variation over the piece, not to its size.
    let mean = 0;
    for (let j = 0; j < TERMS; j++) mean += values[j];
    mean /= TERMS;
    coefficients[piece * TERMS] = mean;
    for (let k = 1; k < TERMS; k++) {
      let sum = 0;
      for (let j = 0; j < TERMS; j++) sum += (values[j] - mean) * Math.cos((Math.PI * k * (j + 0.5)) / TERMS);
      coefficients[piece * TERMS + k] = (2 / TERMS) * sum;
    }
  }
  return coefficients;
}

/** erfcx(x); fastest for 0 ≤ x < 50. */
export function fastErfcx(x: number): number {
  if (!(x >= 0 && x < FAST_LIMIT)) return libraryErfcx(x);
  const y = (400 * PIECES_PER_UNIT) / (4 + x);
  const piece = Math.floor(y);
  const t = 2 * (y - piece) - 1;
  // Clenshaw recurrence for Σ c_k T_k(t), unrolled for DEGREE = 6.
  const base = piece * TERMS;
  const twoT = 2 * t;
  const b6 = table[base + 6];
  const b5 = table[base + 5] + twoT * b6;
  const b4 = table[base + 4] + twoT * b5 - b6;
  const b3 = table[base + 3] + twoT * b4 - b5;
  const b2 = table[base + 2] + twoT * b3 - b4;
  const b1 = table[base + 1] + twoT * b2 - b3;
  return table[base] + t * b1 - b2;
}
