import { describe, expect, it } from 'vitest';
import { butterflyG, checkButterfly, fitSvi, sviDensity, sviDerivatives, sviTotalVariance, type SviParams } from './svi.ts';

/** A one-year equity-like slice, arbitrage-free (b(1 + |ρ|) = 0.56 ≤ 4). */
const YEAR: SviParams = { a: 0.04, b: 0.4, rho: -0.4, m: 0.05, sigma: 0.1 };
/** A one-week index-like slice (ATM vol about 12 %). */
const WEEK: SviParams = { a: 0.0002, b: 0.003, rho: -0.6, m: 0.005, sigma: 0.02 };
const WEEK_T = 7 / 365;
/** Axel Vogt's slice (Gatheral & Jacquier 2014, "Arbitrage-free SVI volatility surfaces", §2.3): T = 1, butterfly arbitrage. */
const VOGT: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

const grid = (from: number, to: number, n: number) => Float64Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));
const integrate = (f: (k: number) => number, from: number, to: number, n = 20_000) => {
  const h = (to - from) / n;
  let sum = 0.5 * (f(from) + f(to));
  for (let i = 1; i < n; i++) sum += f(from + i * h);
  return sum * h;
};

describe('SVI raw slice', () => {
  it('has w = a + b·σ at the vertex when ρ = 0, and w(k) ≈ a + b(ρ ± 1)(k − m) in the wings', () => {
    const p = { ...YEAR, rho: 0 };
    expect(sviTotalVariance(p, p.m)).toBeCloseTo(p.a + p.b * p.sigma, 15);
    const far = 1e4;
    expect(sviTotalVariance(YEAR, far) / far).toBeCloseTo(YEAR.b * (YEAR.rho + 1), 4);
    expect(sviTotalVariance(YEAR, -far) / far).toBeCloseTo(YEAR.b * (1 - YEAR.rho), 4);
  });

  it('gives first and second derivatives that match central finite differences', () => {
    const h = 1e-4;
    for (const k of [-0.4, -0.05, 0, 0.05, 0.3]) {
      const { w, w1, w2 } = sviDerivatives(YEAR, k);
      expect(w).toBe(sviTotalVariance(YEAR, k));
      expect(w1).toBeCloseTo((sviTotalVariance(YEAR, k + h) - sviTotalVariance(YEAR, k - h)) / (2 * h), 6);
      expect(w2).toBeCloseTo((sviTotalVariance(YEAR, k + h) - 2 * w + sviTotalVariance(YEAR, k - h)) / (h * h), 4);
    }
  });

  it('has g(k) = 1 everywhere for a flat smile (b = 0): the lognormal density itself', () => {
    for (const k of [-1, 0, 0.7]) expect(butterflyG({ a: 0.04, b: 0, rho: 0, m: 0, sigma: 0.1 }, k)).toBe(1);
  });

  it('implies a density of ln(S_T/F) that integrates to 1 and keeps the forward a martingale (E[S_T/F] = 1) when free of arbitrage', () => {
    expect(checkButterfly(YEAR, -3, 3).arbitrage).toBe(false);
    // The left wing is fat (w grows like 0.56·|k|): integrate far out.
    expect(integrate((k) => sviDensity(YEAR, k), -80, 40, 400_000)).toBeCloseTo(1, 4);
    expect(integrate((k) => Math.exp(k) * sviDensity(YEAR, k), -80, 40, 400_000)).toBeCloseTo(1, 4);
  });

  it("flags Vogt's textbook slice: g(k) < 0 (a negative density) between the strikes", () => {
    const check = checkButterfly(VOGT, -1.5, 1.5);
    expect(check.arbitrage).toBe(true);
    expect(check.minG).toBeLessThan(0);
    expect(sviDensity(VOGT, check.minGAt)).toBeLessThan(0);
    // The negative region is away from the wings: the density is positive at ±1.5.
    expect(butterflyG(VOGT, -1.5)).toBeGreaterThan(0);
    expect(butterflyG(VOGT, 1.5)).toBeGreaterThan(0);
  });

  it('flags a slice whose total variance goes negative', () => {
    expect(checkButterfly({ a: -0.01, b: 0.01, rho: 0, m: 0, sigma: 0.1 }, -0.2, 0.2).arbitrage).toBe(true);
  });
});

describe('fitSvi (quasi-explicit)', () => {
  it.each([
    ['a one-year slice', YEAR, 1, grid(-0.5, 0.4, 25)],
    ['a one-week index slice', WEEK, WEEK_T, grid(-0.08, 0.06, 29)],
  ])('recovers the parameters of %s from exact total variances', (_name, params, tYears, k) => {
    const w = k.map((x) => sviTotalVariance(params, x));
    const fit = fitSvi(k, w, tYears)!;
    expect(fit.points).toBe(k.length);
    expect(fit.rmseVolPoints).toBeLessThan(1e-3);
    for (const key of ['a', 'b', 'rho', 'm', 'sigma'] as const) expect(fit.params[key], key).toBeCloseTo(params[key], key === 'b' || key === 'rho' ? 3 : 4);
    expect(fit.butterfly.arbitrage).toBe(false);
    expect(fit.checkedFrom).toBeCloseTo(k[0] - (k[k.length - 1] - k[0]), 12);
  });

  it('reports the RMSE in vol points of noisy quotes: ±0.3 vol points of alternating noise gives about 0.3', () => {
    const k = grid(-0.08, 0.06, 29);
    const vols = k.map((x, i) => Math.sqrt(sviTotalVariance(WEEK, x) / WEEK_T) + (i % 2 ? 0.003 : -0.003));
    const w = vols.map((v) => v * v * WEEK_T);
    const fit = fitSvi(k, w, WEEK_T)!;
    expect(fit.rmseVolPoints).toBeGreaterThan(0.2);
    expect(fit.rmseVolPoints).toBeLessThan(0.31);
    // The fit stays inside Zeliade's domain.
    const { a, b, rho, sigma } = fit.params;
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(Math.abs(rho)).toBeLessThanOrEqual(1);
    expect(b * sigma * (1 + Math.abs(rho))).toBeLessThanOrEqual(4 * sigma + 1e-12);
  });

  it('skips NaN and non-positive variances, and answers null with fewer than five usable points or no time to expiry', () => {
    const k = grid(-0.1, 0.1, 9);
    const w = k.map((x) => sviTotalVariance(WEEK, x));
    w[1] = NaN;
    w[2] = 0;
    expect(fitSvi(k, w, WEEK_T)!.points).toBe(7);
    expect(fitSvi(k.subarray(0, 4), w.subarray(0, 4), WEEK_T)).toBeNull();
    expect(fitSvi(k, w, 0)).toBeNull();
    expect(fitSvi(new Float64Array(6).fill(0.01), new Float64Array(6).fill(0.001), WEEK_T)).toBeNull();
  });
});
