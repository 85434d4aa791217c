import { describe, expect, it } from 'vitest';
import { millsRatio, normCdf, normInv, normInvApprox, normPdf } from './normal.ts';

// Φ(x) = erfc(−x/√2)/2 from the C library's erfc (an independent
// implementation, correct to about an ulp), printed to 16 digits.
const REFERENCE_CDF: [number, number][] = [
  [0, 0.5],
  [1, 0.8413447460685429],
  [1.96, 0.9750021048517795],
  [-3, 0.0013498980316300957],
  [-5, 2.866515718791946e-7],
  [-10, 7.619853024160593e-24],
  [-20, 2.7536241186063314e-89],
  [-37, 5.725571222525139e-300],
];

describe('standard normal distribution', () => {
  it('matches reference CDF values to 1e-13 relative, deep into the lower tail', () => {
    for (const [x, expected] of REFERENCE_CDF) expect(Math.abs(normCdf(x) / expected - 1)).toBeLessThan(1e-13);
  });

  it('is symmetric: Φ(x) + Φ(−x) = 1', () => {
    for (let x = -8; x <= 8; x += 0.37) expect(normCdf(x) + normCdf(-x)).toBeCloseTo(1, 15);
  });

  it('has Mills ratio Φ(x)/φ(x) on both sides of zero', () => {
    for (const x of [-30, -5, -1, -0.1, 0, 0.1, 1, 3]) {
      const expected = normCdf(x) / normPdf(x);
      expect(Math.abs(millsRatio(x) / expected - 1)).toBeLessThan(1e-13);
    }
  });

  it('inverts the CDF to 1e-13 relative in x, down to p = 1e-300', () => {
    for (const [x, p] of REFERENCE_CDF) expect(Math.abs(normInv(p) - x)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(x)));
    expect(normInv(0.975)).toBeCloseTo(1.959963984540054, 14);
  });

  it('approximates the quantile to 4.5e-4 for initial guesses', () => {
    for (let p = 1e-12; p < 1; p = p < 0.01 ? p * 10 : p + 0.01) {
      expect(Math.abs(normInvApprox(p) - normInv(p))).toBeLessThan(4.5e-4);
    }
  });
});
