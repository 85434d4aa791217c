/**
 * Skew is checked against a chain built from a known smile σ(K): the expected
 * 25Δ strikes are solved here by bisection on deltas from black.ts (not from
 * skew.ts), so the module's discrete interpolation is compared with the exact
 * continuous answer, to within the interpolation error of the strike grid.
 */
import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { CALL, PUT, optionGreeks } from '../pricing/black.ts';
import { atmIvAtForward, deltaSkew, forwardDelta, ivAtStrike, moneynessSkew } from './skew.ts';

const col = (values: number[]) => Float64Array.from(values);

const emptyChain = (strikes: number[], spot: number, tYears: number, rate: number): ChainSnapshot => testChain(strikes, { spot, tYears, rate });

const F = 24_000;
const T = 30 / 365;
const R = 0.065;

/** A put-skewed smile in log-moneyness, decimal vol. */
const smile = (k: number) => {
  const x = Math.log(k / F);
  return 0.14 - 0.25 * x + 1.5 * x * x;
};

function strikeGrid(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let k = from; k <= to; k += step) out.push(k);
  return out;
}

/** Chain whose IV columns follow `vol(K)` on both sides, prices from Black-76 on F, delta columns NaN. */
function smileChain(strikes: number[], vol: (k: number) => number, forward = F, tYears = T, rate = R): ChainSnapshot {
  const c = emptyChain(strikes, forward * Math.exp(-rate * tYears), tYears, rate);
  c.future = forward;
  strikes.forEach((k, i) => {
    const sigma = vol(k);
    for (const [side, type] of [[c.call, 'call'], [c.put, 'put']] as const) {
      side.iv[i] = sigma;
      side.ltp[i] = optionGreeks({ model: 'black76', underlying: forward, strike: k, tYears, vol: sigma, rate, type }).price;
    }
  });
  return c;
}

/** Undiscounted forward delta from black.ts: Black-76's ∂V/∂F is e^{−rT}·(that). */
function black76ForwardDelta(k: number, sigma: number, type: 'call' | 'put', forward = F, tYears = T, rate = R): number {
  return optionGreeks({ model: 'black76', underlying: forward, strike: k, tYears, vol: sigma, rate, type }).delta / Math.exp(-rate * tYears);
}

/** Strike in [lo, hi] where g(K) = target, g monotone, by bisection. */
function bisect(g: (k: number) => number, target: number, lo: number, hi: number): number {
  const increasing = g(hi) > g(lo);
  for (let iter = 0; iter < 200; iter++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) < target === increasing) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

describe('forwardDelta', () => {
  it('matches black.ts Black-76 delta undiscounted, for calls and puts', () => {
    for (const k of [20_000, 23_500, 24_000, 25_000]) {
      expect(forwardDelta(F, k, T, 0.15, CALL)).toBeCloseTo(black76ForwardDelta(k, 0.15, 'call'), 12);
      expect(forwardDelta(F, k, T, 0.15, PUT)).toBeCloseTo(black76ForwardDelta(k, 0.15, 'put'), 12);
    }
  });

  it('makes a call delta minus the put delta of the same strike exactly one', () => {
    expect(forwardDelta(F, 24_500, T, 0.2, CALL) - forwardDelta(F, 24_500, T, 0.2, PUT)).toBeCloseTo(1, 14);
  });

  it('is the payoff slope at expiry and NaN for invalid inputs', () => {
    expect(forwardDelta(F, 23_000, 0, 0.2, CALL)).toBe(1);
    expect(forwardDelta(F, 25_000, 0, 0.2, CALL)).toBe(0);
    expect(forwardDelta(F, F, 0, 0.2, PUT)).toBe(-0.5);
    expect(forwardDelta(NaN, 25_000, T, 0.2, CALL)).toBeNaN();
    expect(forwardDelta(F, 25_000, T, -0.1, CALL)).toBeNaN();
  });
});

describe('deltaSkew', () => {
  const strikes = strikeGrid(18_000, 30_000, 50);

  it('finds the 25-delta IVs of a known smile to within the interpolation error of a 50-point grid', () => {
    const c = smileChain(strikes, smile);
    const kCall = bisect((k) => black76ForwardDelta(k, smile(k), 'call'), 0.25, F, 30_000);
    const kPut = bisect((k) => black76ForwardDelta(k, smile(k), 'put'), -0.25, 18_000, F);
    const expectedRr = smile(kCall) - smile(kPut);
    const expectedBf = 0.5 * (smile(kCall) + smile(kPut)) - smile(F);

    const result = deltaSkew(c);
    expect(result.callStrike).toBeCloseTo(kCall, -1);
    expect(result.putStrike).toBeCloseTo(kPut, -1);
    // A 50-point grid leaves a few 1e-6 of interpolation error; the RR itself is ~1e-2.
    expect(Math.abs(result.callIv - smile(kCall))).toBeLessThan(5e-6);
    expect(Math.abs(result.putIv - smile(kPut))).toBeLessThan(5e-6);
    expect(Math.abs(result.riskReversal - expectedRr)).toBeLessThan(1e-5);
    expect(Math.abs(result.butterfly - expectedBf)).toBeLessThan(1e-5);
    // A put-skewed index smile: puts dearer than calls, wings above the ATM.
    expect(result.riskReversal).toBeLessThan(-0.005);
    expect(result.butterfly).toBeGreaterThan(0);
    expect(result.atmIv).toBeCloseTo(0.14, 6);
    expect(result.forward).toBe(F);
  });

  it('reports zero risk reversal and butterfly on a flat smile', () => {
    const result = deltaSkew(smileChain(strikes, () => 0.17));
    expect(result.riskReversal).toBe(0);
    expect(result.butterfly).toBe(0);
  });

  it('supports other wing deltas such as 10-delta', () => {
    const c = smileChain(strikes, smile);
    const kCall = bisect((k) => black76ForwardDelta(k, smile(k), 'call'), 0.1, F, 30_000);
    const kPut = bisect((k) => black76ForwardDelta(k, smile(k), 'put'), -0.1, 18_000, F);
    const result = deltaSkew(c, { delta: 0.1 });
    expect(Math.abs(result.riskReversal - (smile(kCall) - smile(kPut)))).toBeLessThan(1e-5);
  });

  it('interpolates linearly in delta between the chain delta columns (hand example)', () => {
    const c = emptyChain([100, 110, 120, 130], 100, T, R);
    c.future = 100;
    c.call.delta.set([0.6, 0.4, 0.3, 0.2]);
    c.call.iv.set([0.2, 0.19, 0.18, 0.175]);
    c.put.delta.set([-0.1, -0.2, -0.3, -0.45]);
    c.put.iv.set([0.3, 0.26, 0.22, 0.2]);
    const result = deltaSkew(c, { deltaSource: 'chain' });
    // Calls: 0.25 lies halfway between 0.3 (K = 120) and 0.2 (K = 130).
    expect(result.callIv).toBeCloseTo(0.1775, 12);
    expect(result.callStrike).toBeCloseTo(125, 12);
    // Puts, walked from K = 130 down: |Δ| 0.45, 0.3, 0.2 → halfway between K = 120 and K = 110.
    expect(result.putIv).toBeCloseTo(0.24, 12);
    expect(result.putStrike).toBeCloseTo(115, 12);
    expect(result.riskReversal).toBeCloseTo(0.1775 - 0.24, 12);
    // ATM at F = 100 is the first row: mean of call 0.2 and put 0.3.
    expect(result.atmIv).toBeCloseTo(0.25, 12);
    expect(result.butterfly).toBeCloseTo(0.5 * (0.1775 + 0.24) - 0.25, 12);
  });

  it('reads the chain delta columns as given when asked to, and computes forward deltas otherwise', () => {
    // One-year expiry so that the discount in a vendor's Black-76 delta (e^{−rT} ≈ 0.937) matters.
    const tYears = 1;
    const strikesLong = strikeGrid(12_000, 48_000, 100);
    const c = smileChain(strikesLong, smile, F, tYears);
    strikesLong.forEach((k, i) => {
      const sigma = smile(k);
      c.call.delta[i] = optionGreeks({ model: 'black76', underlying: F, strike: k, tYears, vol: sigma, rate: R, type: 'call' }).delta;
      c.put.delta[i] = optionGreeks({ model: 'black76', underlying: F, strike: k, tYears, vol: sigma, rate: R, type: 'put' }).delta;
    });
    const discounted = (k: number, type: 'call' | 'put') =>
      optionGreeks({ model: 'black76', underlying: F, strike: k, tYears, vol: smile(k), rate: R, type }).delta;
    const kCallChain = bisect((k) => discounted(k, 'call'), 0.25, F, 48_000);
    const kCallForward = bisect((k) => black76ForwardDelta(k, smile(k), 'call', F, tYears), 0.25, F, 48_000);

    const chainResult = deltaSkew(c, { deltaSource: 'chain' });
    const forwardResult = deltaSkew(c);
    expect(Math.abs(chainResult.callIv - smile(kCallChain))).toBeLessThan(2e-5);
    expect(Math.abs(forwardResult.callIv - smile(kCallForward))).toBeLessThan(2e-5);
    // The two conventions put 25Δ at strikes far apart compared with the grid error.
    expect(Math.abs(kCallChain - kCallForward)).toBeGreaterThan(150);
    expect(Math.abs(chainResult.callStrike - kCallChain)).toBeLessThan(10);
    expect(Math.abs(forwardResult.callStrike - kCallForward)).toBeLessThan(10);
  });

  it('falls back to a computed delta for rows whose chain delta is NaN', () => {
    const c = smileChain(strikes, smile);
    const withNaNDeltas = deltaSkew(c, { deltaSource: 'chain' });
    expect(withNaNDeltas.riskReversal).toBe(deltaSkew(c).riskReversal);
  });

  it('skips rows without a usable IV rather than reading them as zero', () => {
    const c = smileChain(strikes, smile);
    const reference = deltaSkew(c);
    // Blank out rows far from the 25Δ strikes: nothing changes.
    for (let i = 0; i < 10; i++) {
      c.call.iv[i] = 0;
      c.put.iv[strikes.length - 1 - i] = NaN;
    }
    expect(deltaSkew(c).riskReversal).toBe(reference.riskReversal);
  });

  it('returns NaN when the usable strikes do not reach 25 delta', () => {
    const c = smileChain(strikeGrid(23_700, 24_300, 50), smile);
    const result = deltaSkew(c);
    expect(result.callIv).toBeNaN();
    expect(result.putIv).toBeNaN();
    expect(result.riskReversal).toBeNaN();
    expect(result.butterfly).toBeNaN();
    expect(result.atmIv).toBeCloseTo(0.14, 5);
  });

  it('returns NaN for an empty or all-NaN chain and for an invalid delta', () => {
    const empty = emptyChain([], 24_000, T, R);
    expect(deltaSkew(empty).riskReversal).toBeNaN();
    const allNaN = emptyChain([23_000, 24_000, 25_000], 24_000, T, R);
    const result = deltaSkew(allNaN);
    expect(result.riskReversal).toBeNaN();
    expect(result.atmIv).toBeNaN();
    expect(deltaSkew(smileChain(strikes, smile), { delta: 0.7 }).riskReversal).toBeNaN();
  });
});

describe('moneynessSkew', () => {
  it('is exact for a smile linear in strike, using the put IV below and the call IV above the forward', () => {
    const strikes = strikeGrid(20_000, 28_000, 100);
    const c = smileChain(strikes, (k) => 0.15 - 2e-5 * (k - F));
    // Make the sides differ so that reading the wrong column would show.
    strikes.forEach((k, i) => {
      c.call.iv[i] = 0.15 - 2e-5 * (k - F) + 0.01;
    });
    const result = moneynessSkew(c);
    expect(result.putStrike).toBeCloseTo(22_800, 9);
    expect(result.callStrike).toBeCloseTo(25_200, 9);
    expect(result.putIv).toBeCloseTo(0.15 + 2e-5 * 1200, 12);
    expect(result.callIv).toBeCloseTo(0.15 - 2e-5 * 1200 + 0.01, 12);
    expect(result.skew).toBeCloseTo(2 * 2e-5 * 1200 - 0.01, 12);
  });

  it('matches a curved smile to within the strike-grid interpolation error, for any moneyness', () => {
    const c = smileChain(strikeGrid(18_000, 30_000, 50), smile);
    for (const m of [0.02, 0.05, 0.1]) {
      const expected = smile(F * (1 - m)) - smile(F * (1 + m));
      expect(Math.abs(moneynessSkew(c, { moneyness: m }).skew - expected)).toBeLessThan(1e-5);
    }
  });

  it('measures moneyness from the forward it is given', () => {
    const c = smileChain(strikeGrid(18_000, 30_000, 50), smile);
    const result = moneynessSkew(c, { forward: 20_000, moneyness: 0.1 });
    expect(result.putStrike).toBeCloseTo(18_000, 9);
    expect(result.putIv).toBeCloseTo(smile(18_000), 12);
  });

  it('returns NaN when a target strike is outside the chain or the chain is empty', () => {
    const narrow = smileChain(strikeGrid(23_000, 25_000, 50), smile);
    expect(moneynessSkew(narrow, { moneyness: 0.05 }).skew).toBeNaN();
    expect(moneynessSkew(emptyChain([], 24_000, T, R)).skew).toBeNaN();
  });
});

describe('ivAtStrike and atmIvAtForward', () => {
  it('interpolate in strike across missing rows and return NaN outside the usable range', () => {
    const strikes = col([100, 110, 120, 130]);
    const iv = col([0.2, NaN, 0.16, 0]);
    expect(ivAtStrike(strikes, iv, 115)).toBeCloseTo(0.17, 12);
    expect(ivAtStrike(strikes, iv, 120)).toBe(0.16);
    expect(ivAtStrike(strikes, iv, 125)).toBeNaN();
    expect(ivAtStrike(strikes, iv, 95)).toBeNaN();
  });

  it('averages call and put IVs per strike at the forward', () => {
    const c = emptyChain([100, 110], 100, T, R);
    c.call.iv.set([0.2, 0.1]);
    c.put.iv.set([0.22, NaN]);
    expect(atmIvAtForward(c, 105)).toBeCloseTo(0.5 * 0.21 + 0.5 * 0.1, 12);
  });
});
