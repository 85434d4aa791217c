import { describe, expect, it } from 'vitest';
import { SURFACE_CALL_DELTAS, deltaGrid, gexChart, oiProfile, smileChart } from './charts.ts';
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

describe('the delta grid of a smile', () => {
  const smile = {
    forward: 100,
    tYears: 0.1,
    strikes: Float64Array.from([90, 100, 110, 120]),
    logMoneyness: new Float64Array(4),
    callIv: new Float64Array(4),
    putIv: new Float64Array(4),
    otmIv: Float64Array.from([0.3, 0.2, 0.16, NaN]),
    totalVariance: new Float64Array(4),
    callDelta: Float64Array.from([0.9, 0.5, 0.3, 0.05]),
  };

  it('interpolates IV and strike linearly in delta between the bracketing strikes (hand-worked)', () => {
    const grid = deltaGrid(smile, [0.9, 0.7, 0.4]);
    // 0.9 is quoted at 90; 0.7 is halfway from 0.9 (90, 30 %) to 0.5 (100, 20 %); 0.4 halfway from 0.5 to 0.3 (110, 16 %).
    expect([...grid.iv].map((v) => +v.toFixed(12))).toEqual([0.3, 0.25, 0.18]);
    expect([...grid.strikes].map((v) => +v.toFixed(12))).toEqual([90, 95, 105]);
  });

  it('answers NaN outside the quoted deltas: no extrapolation, and a strike without an IV does not count', () => {
    const grid = deltaGrid(smile, [0.95, 0.2, 0.1]);
    expect([...grid.iv].every(Number.isNaN)).toBe(true);
    expect([...grid.strikes].every(Number.isNaN)).toBe(true);
  });

  it('runs the surface axis from the 10Δ put (call delta 0.90) to the 10Δ call (0.10)', () => {
    expect(SURFACE_CALL_DELTAS[0]).toBe(0.9);
    expect(SURFACE_CALL_DELTAS.at(-1)).toBe(0.1);
    expect(SURFACE_CALL_DELTAS).toContain(0.5);
  });
});
