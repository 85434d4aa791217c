import { describe, expect, it } from 'vitest';
import { smileCallPrice, smileCdf, smileDensity, type SmileDistribution } from './density.ts';
import { fitSvi, sviDensity } from '../analytics/svi.ts';
import { optionPrice } from '../pricing/black.ts';
import { lognormalCdf } from './probability.ts';

const T = 30 / 365;
const F = 24_000;
/** An index-like skew: SVI fitted to a put-skewed smile (IV 13 % at the money, steeper to the left). */
function skewed(): SmileDistribution {
  const k = Float64Array.from({ length: 21 }, (_, i) => -0.1 + i * 0.01);
  const w = k.map((x) => (0.13 - 0.25 * x + 1.2 * x * x) ** 2 * T);
  const fit = fitSvi(k, w, T)!;
  expect(fit.butterfly.arbitrage).toBe(false);
  return { forward: F, tYears: T, rate: 0.065, svi: fit.params };
}

describe('the smile-implied density (Breeden–Litzenberger)', () => {
  it('integrates to 1 with its tails', () => {
    const d = smileDensity(skewed());
    expect(d.negativePoints).toBe(0);
    expect(d.mass + d.tailBelow + d.tailAbove).toBeCloseTo(1, 4);
    expect(d.mass).toBeGreaterThan(0.999);
  });

  it("reprices the smoothed chain's calls: e^{−rT}∫(S − K)⁺q(S)dS = C(K) across the strikes", () => {
    const smile = skewed();
    const d = smileDensity(smile);
    for (const strike of [22_000, 23_000, 24_000, 24_500, 25_500]) {
      let payoff = 0;
      for (let i = 0; i < d.strikes.length; i++) payoff += Math.max(d.strikes[i] - strike, 0) * d.weights[i];
      const repriced = Math.exp(-smile.rate * T) * payoff;
      expect(Math.abs(repriced - smileCallPrice(smile, strike))).toBeLessThan(0.5); // index points, on prices of ~10–2,000
    }
  });

  it("matches Gatheral's closed-form SVI density (an independent formula) and, on a flat smile, the lognormal", () => {
    const smile = skewed();
    const d = smileDensity(smile);
    for (const i of [60, 120, 180]) {
      const strike = d.strikes[i];
      // The density of k = ln(K/F) over K is that of S_T.
      expect(d.density[i]).toBeCloseTo(sviDensity(smile.svi, Math.log(strike / F)) / strike, 7);
    }
    const flat: SmileDistribution = { forward: F, tYears: T, rate: 0.065, svi: { a: 0.13 * 0.13 * T, b: 0, rho: 0, m: 0, sigma: 0.1 } };
    for (const x of [22_500, 24_000, 25_000]) expect(smileCdf(flat, x)).toBeCloseTo(lognormalCdf({ forward: F, vol: 0.13, tYears: T }, x), 6);
    expect(smileCallPrice(flat, 24_100)).toBeCloseTo(optionPrice({ model: 'black76', underlying: F, strike: 24_100, tYears: T, vol: 0.13, rate: 0.065, type: 'call' }), 8);
  });
});
