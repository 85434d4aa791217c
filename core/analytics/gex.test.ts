/**
 * GEX is checked by hand on a tiny chain, its recomputed gamma against
 * black.ts, and the gamma flip against a brute-force root search written here:
 * total GEX at a hypothetical spot is re-priced option by option with
 * black.ts's `optionGreeks`, and its sign change is bracketed on a fine scan
 * and refined by bisection.
 */
import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { optionGreeks } from '../pricing/black.ts';
import {
  allocateGexColumns,
  allocateGexScratch,
  conventionSigns,
  gammaExposure,
  gammaFlip,
  gexProfile,
  type GexConvention,
} from './gex.ts';

const col = (values: number[]) => Float64Array.from(values);

const emptyChain = (strikes: number[], spot: number, lotSize = 10): ChainSnapshot => testChain(strikes, { spot, tYears: 7 / 365, lotSize });

/** Three strikes around spot 100, lot 10, with gammas and OI small enough to check by hand. */
function handExample(): ChainSnapshot {
  const c = emptyChain([95, 100, 105], 100, 10);
  c.call.gamma.set([0.01, 0.02, 0.015]);
  c.call.oi.set([1, 5, 2]);
  c.put.gamma.set([0.012, 0.02, 0.01]);
  c.put.oi.set([6, 4, 0]);
  return c;
}

describe('gammaExposure per strike', () => {
  it('is Γ·OI·lot·S²·0.01 with calls positive and puts negative by default (hand example)', () => {
    const c = handExample();
    const g = gammaExposure(c);
    // S²·0.01·lot = 100²·0.01·10 = 1000 rupees per unit of Γ·OI.
    expect(Array.from(g.columns.call)).toEqual([10, 100, 30].map((x) => expect.closeTo(x, 10)));
    expect(Array.from(g.columns.put)).toEqual([-72, -80, -0].map((x) => expect.closeTo(x, 10)));
    expect(Array.from(g.columns.net)).toEqual([-62, 20, 30].map((x) => expect.closeTo(x, 10)));
    expect(g.totalCall).toBeCloseTo(140, 10);
    expect(g.totalPut).toBeCloseTo(-152, 10);
    expect(g.totalNet).toBeCloseTo(-12, 10);
    expect(g.callWallStrike).toBe(100);
    expect(g.putWallStrike).toBe(100);
    expect(g.convention).toBe('dealer-long-calls-short-puts');
  });

  it('leaves a side with missing OI or gamma out of the totals and marks it NaN', () => {
    const c = emptyChain([95, 100], 100, 10);
    c.call.gamma.set([0.01, 0.02]);
    c.call.oi.set([NaN, 5]);
    c.put.gamma.set([0.01, NaN]); // and no IV to recompute from
    c.put.oi.set([2, 3]);
    const g = gammaExposure(c);
    expect(g.columns.call[0]).toBeNaN();
    expect(g.columns.put[1]).toBeNaN();
    expect(g.columns.net[0]).toBeCloseTo(-20, 10);
    expect(g.columns.net[1]).toBeCloseTo(100, 10);
    expect(g.totalNet).toBeCloseTo(80, 10);
  });

  it('flips every sign under the dealer-short-calls convention and drops them when unsigned, with the same walls', () => {
    const c = handExample();
    const base = gammaExposure(c);
    const flipped = gammaExposure(c, { convention: 'dealer-short-calls-long-puts' });
    const unsigned = gammaExposure(c, { convention: 'unsigned' });
    expect(flipped.convention).toBe('dealer-short-calls-long-puts');
    expect(unsigned.convention).toBe('unsigned');
    for (let i = 0; i < 3; i++) {
      expect(flipped.columns.net[i]).toBeCloseTo(-base.columns.net[i], 10);
      expect(unsigned.columns.put[i]).toBeCloseTo(Math.abs(base.columns.put[i]), 10);
    }
    expect(flipped.totalNet).toBeCloseTo(12, 10);
    expect(unsigned.totalNet).toBeCloseTo(292, 10);
    expect([flipped.callWallStrike, flipped.putWallStrike]).toEqual([base.callWallStrike, base.putWallStrike]);
    expect(conventionSigns('dealer-long-calls-short-puts')).toEqual({ call: 1, put: -1 });
  });

  it('recomputes gamma from IV with Black-76 on the forward when the column is NaN, matching black.ts', () => {
    const strikes = [23_800, 24_000, 24_200];
    const c = emptyChain(strikes, 23_950, 65);
    c.future = 24_010;
    c.call.iv.set([0.13, 0.12, 0.115]);
    c.call.oi.set([100, 200, 300]);
    const g = gammaExposure(c);
    strikes.forEach((k, i) => {
      const gammaF = optionGreeks({ model: 'black76', underlying: c.future, strike: k, tYears: c.tYears, vol: c.call.iv[i], rate: c.rate, type: 'call' }).gamma;
      // Γ_F·F² is the same dollar gamma as Γ_S·S² when F moves with S.
      const expected = gammaF * c.future ** 2 * 0.01 * c.call.oi[i] * 65;
      expect(g.columns.call[i] / expected).toBeCloseTo(1, 12);
    });
  });

  it('recomputes gamma with Black-Scholes on spot when no forward is known', () => {
    const strikes = [23_800, 24_000];
    const c = emptyChain(strikes, 23_950, 65);
    c.put.iv.set([0.14, 0.13]);
    c.put.oi.set([50, 70]);
    const g = gammaExposure(c);
    strikes.forEach((k, i) => {
      const gammaS = optionGreeks({ model: 'bsm', underlying: c.spot, strike: k, tYears: c.tYears, vol: c.put.iv[i], rate: c.rate, type: 'put' }).gamma;
      const expected = -gammaS * c.spot ** 2 * 0.01 * c.put.oi[i] * 65;
      expect(g.columns.put[i] / expected).toBeCloseTo(1, 12);
    });
  });

  it("ignores the chain's gamma column when gammaSource is 'iv'", () => {
    const c = emptyChain([24_000], 24_000, 65);
    c.call.gamma[0] = 1; // absurd vendor value
    c.call.iv[0] = 0.12;
    c.call.oi[0] = 10;
    expect(gammaExposure(c).columns.call[0]).toBeCloseTo(1 * 24_000 ** 2 * 0.01 * 10 * 65, 6);
    const gammaS = optionGreeks({ model: 'bsm', underlying: 24_000, strike: 24_000, tYears: c.tYears, vol: 0.12, rate: c.rate, type: 'call' }).gamma;
    expect(gammaExposure(c, { gammaSource: 'iv' }).columns.call[0] / (gammaS * 24_000 ** 2 * 0.01 * 10 * 65)).toBeCloseTo(1, 12);
  });

  it('fills caller-provided columns', () => {
    const c = emptyChain([95, 100], 100);
    c.call.gamma.set([0.01, 0.02]);
    c.call.oi.set([1, 1]);
    const out = allocateGexColumns(2);
    const g = gammaExposure(c, { out });
    expect(g.columns).toBe(out);
    expect(out.call[1]).toBeCloseTo(20, 10);
  });

  it('returns NaN totals, walls and flip for an empty or all-NaN chain', () => {
    for (const c of [emptyChain([], 100), emptyChain([95, 100, 105], 100)]) {
      const g = gammaExposure(c);
      expect(g.totalNet).toBeNaN();
      expect(g.totalCall).toBeNaN();
      expect(g.callWallStrike).toBeNaN();
      expect(g.putWallStrike).toBeNaN();
      expect(g.gammaFlip).toBeNaN();
      expect(g.columns.net.length).toBe(c.strikes.length);
    }
    const noSpot = emptyChain([100], NaN);
    noSpot.call.gamma[0] = 0.01;
    noSpot.call.oi[0] = 1;
    expect(gammaExposure(noSpot).totalNet).toBeNaN();
  });
});

// A NIFTY-like weekly chain: call OI stacked above spot, put OI below, a smile.
const SPOT = 24_000;
const LOT = 65;
function positionedChain(withPuts = true): ChainSnapshot {
  const strikes: number[] = [];
  for (let k = 22_000; k <= 26_000; k += 100) strikes.push(k);
  const c = emptyChain(strikes, SPOT, LOT);
  c.future = SPOT * Math.exp(c.rate * c.tYears);
  strikes.forEach((k, i) => {
    const x = Math.log(k / SPOT);
    const vol = 0.12 - 0.2 * x + 2 * x * x;
    const distance = (k - SPOT) / 500;
    c.call.iv[i] = vol;
    c.call.oi[i] = Math.round(40_000 * Math.exp(-0.5 * (distance - 1.2) ** 2));
    if (withPuts) {
      c.put.iv[i] = vol;
      c.put.oi[i] = Math.round(60_000 * Math.exp(-0.5 * (distance + 0.6) ** 2));
    }
  });
  return c;
}

/** Total GEX at hypothetical spot S', option by option through black.ts (Black-76, F' = F·S'/S). */
function bruteTotalGex(c: ChainSnapshot, spotLevel: number, convention: GexConvention = 'dealer-long-calls-short-puts'): number {
  const signs = conventionSigns(convention);
  const forward = c.future * (spotLevel / c.spot);
  let total = 0;
  for (let i = 0; i < c.strikes.length; i++) {
    for (const [side, type, sign] of [[c.call, 'call', signs.call], [c.put, 'put', signs.put]] as const) {
      if (!(side.oi[i] > 0 && side.iv[i] > 0)) continue;
      const gammaF = optionGreeks({ model: 'black76', underlying: forward, strike: c.strikes[i], tYears: c.tYears, vol: side.iv[i], rate: c.rate, type }).gamma;
      total += sign * gammaF * forward * forward * 0.01 * side.oi[i] * c.lotSize;
    }
  }
  return total;
}

/** Root of bruteTotalGex nearest spot: scan 1-point steps outward, then bisect. */
function bruteFlip(c: ChainSnapshot, lowRatio: number, highRatio: number): number {
  const g = (s: number) => bruteTotalGex(c, s);
  let best = NaN;
  const step = 5;
  for (let s = c.spot * lowRatio; s + step <= c.spot * highRatio; s += step) {
    let a = s;
    let b = s + step;
    let ga = g(a);
    if (ga * g(b) >= 0) continue;
    for (let iter = 0; iter < 60; iter++) {
      const m = 0.5 * (a + b);
      const gm = g(m);
      if (gm * ga > 0) {
        a = m;
        ga = gm;
      } else b = m;
    }
    const root = 0.5 * (a + b);
    if (Number.isNaN(best) || Math.abs(root - c.spot) < Math.abs(best - c.spot)) best = root;
  }
  return best;
}

describe('gamma flip', () => {
  it('re-prices total GEX at hypothetical spots exactly as black.ts does', () => {
    const c = positionedChain();
    const levels = col([21_000, 23_000, 24_000, 25_500, 28_000]);
    const out = new Float64Array(levels.length);
    gexProfile(c, levels, out);
    levels.forEach((s, j) => expect(out[j] / bruteTotalGex(c, s)).toBeCloseTo(1, 10));
    // At the current spot the profile is the per-strike total with recomputed gamma.
    expect(out[2] / gammaExposure(c, { gammaSource: 'iv' }).totalNet).toBeCloseTo(1, 10);
  });

  it('finds the zero-gamma level a brute-force bisection finds, to within grid interpolation error', () => {
    const c = positionedChain();
    const expected = bruteFlip(c, 0.8, 1.2);
    expect(expected).toBeGreaterThan(22_000);
    expect(expected).toBeLessThan(26_000);
    const flip = gammaExposure(c).gammaFlip;
    // Default grid: 201 points over ±20 %, a 48-point spacing.
    expect(Math.abs(flip - expected)).toBeLessThan(1);
    // A finer grid converges on the root.
    expect(Math.abs(gammaFlip(c, { flipGridPoints: 4001 }) - expected)).toBeLessThan(0.01);
  });

  it('is the same level whichever signed convention is used', () => {
    const c = positionedChain();
    expect(gammaFlip(c, { convention: 'dealer-short-calls-long-puts' })).toBeCloseTo(gammaFlip(c), 8);
  });

  it('is NaN for a chain with only calls, under the unsigned convention, and when the grid holds no sign change', () => {
    expect(gammaExposure(positionedChain(false)).gammaFlip).toBeNaN();
    expect(gammaFlip(positionedChain(), { convention: 'unsigned' })).toBeNaN();
    // A grid that starts just past the root sees one sign only.
    const c = positionedChain();
    const expected = bruteFlip(c, 0.8, 1.2);
    const low = expected / SPOT + 0.005;
    expect(bruteFlip(c, low, 1.3)).toBeNaN();
    expect(gammaFlip(c, { flipRangeLow: low, flipRangeHigh: 1.3 })).toBeNaN();
  });

  it('is NaN at or after expiry, where every gamma is zero', () => {
    const c = positionedChain();
    c.tYears = 0;
    expect(gammaFlip(c)).toBeNaN();
  });

  it('gives the same answer with reused scratch, growing it for a larger chain', () => {
    const c = positionedChain();
    const scratch = allocateGexScratch(2, 3);
    const first = gammaFlip(c, { scratch });
    expect(scratch.weight.length).toBeGreaterThanOrEqual(2 * c.strikes.length);
    expect(scratch.profile.length).toBeGreaterThanOrEqual(201);
    const weights = scratch.weight;
    expect(gammaFlip(c, { scratch })).toBe(first);
    expect(scratch.weight).toBe(weights);
    expect(first).toBe(gammaFlip(c));
  });
});
