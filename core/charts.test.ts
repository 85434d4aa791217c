import { describe, expect, it } from 'vitest';
import { gexChart, oiProfile, smileChart } from './charts.ts';
import { testChain } from './analytics/testChain.ts';
import { sviTotalVariance } from './analytics/svi.ts';
import { DEFAULT_INTELLIGENCE_CONFIG } from './intelligence/config.ts';

const zones = DEFAULT_INTELLIGENCE_CONFIG.zones;

describe('the OI profile of a snapshot', () => {
  it('gives the max-pain curve in rupees (hand-worked) and the zones either side of spot', () => {
    const chain = testChain([90, 100, 110], { spot: 100, lotSize: 65 });
    chain.call.oi.set([0, 10, 20]);
    chain.put.oi.set([30, 10, 0]);
    chain.call.oiChange.set([0, 0, 5]);
    chain.put.oiChange.set([8, 0, 0]);
    const profile = oiProfile(chain, { zones });
    // pain(90) = put 10·(100 − 90); pain(100) = 0; pain(110) = call 10·(110 − 100); × 65 rupees a point-contract.
    expect([...profile.painRupees]).toEqual([6500, 0, 6500]);
    expect(profile.maxPain).toBe(100);
    expect(profile.zones.support[0].peakStrike).toBe(90);
    expect(profile.zones.resistance[0].peakStrike).toBe(110);
  });
});

describe('the GEX chart of a snapshot', () => {
  it('re-prices total GEX over the spot grid, equal to the chain total at today\'s spot when gamma comes from the same IVs', () => {
    const chain = testChain([95, 100, 105], { spot: 100, tYears: 0.05, rate: 0 });
    chain.call.oi.set([100, 200, 300]);
    chain.put.oi.set([300, 200, 100]);
    chain.call.iv.set([0.2, 0.18, 0.17]);
    chain.put.iv.set([0.22, 0.18, 0.16]);
    const chart = gexChart(chain, { forward: 100, low: 0.9, high: 1.1, points: 5 });
    [90, 95, 100, 105, 110].forEach((level, j) => expect(chart.spotLevels[j]).toBeCloseTo(level, 10));
    expect(chart.totals[2]).toBeCloseTo(chart.gex.totalNet, 6);
    expect(chart.gex.convention).toBe('dealer-long-calls-short-puts');
    // More put OI below spot, more call OI above: total GEX rises with spot and crosses 0 inside the grid.
    expect(chart.totals[0]).toBeLessThan(0);
    expect(chart.totals[4]).toBeGreaterThan(0);
    expect(chart.gex.gammaFlip).toBeGreaterThan(90);
    expect(chart.gex.gammaFlip).toBeLessThan(110);
  });
});

describe('the smile chart of a snapshot', () => {
  it('fits SVI to IVs drawn from an SVI slice and gives back those IVs at each strike', () => {
    const params = { a: 0.0002, b: 0.003, rho: -0.6, m: 0.005, sigma: 0.02 };
    const tYears = 7 / 365;
    const strikes = Array.from({ length: 21 }, (_, i) => 23_000 + 100 * i);
    const chain = testChain(strikes, { spot: 24_000, tYears });
    strikes.forEach((k, i) => {
      const vol = Math.sqrt(sviTotalVariance(params, Math.log(k / 24_000)) / tYears);
      if (k < 24_000) chain.put.iv[i] = vol;
      else chain.call.iv[i] = vol;
    });
    const chart = smileChart(chain, 24_000);
    expect(chart.fit!.points).toBe(21);
    expect(chart.fit!.rmseVolPoints).toBeLessThan(1e-3);
    expect(chart.fit!.butterfly.arbitrage).toBe(false);
    chart.fittedIv.forEach((v, i) => expect(v).toBeCloseTo(chart.smile.otmIv[i], 6));
  });
});
