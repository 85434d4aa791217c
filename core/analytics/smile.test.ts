import { describe, expect, it } from 'vitest';
import { chainSmile, otmIv } from './smile.ts';
import { testChain } from './testChain.ts';
import { normCdf } from '../math/normal.ts';

describe('the OTM smile', () => {
  it('takes the put below the forward, the call above it and the mean of both at it', () => {
    expect(otmIv(90, 100, 0.3, 0.25)).toBe(0.25);
    expect(otmIv(110, 100, 0.18, 0.2)).toBe(0.18);
    expect(otmIv(100, 100, 0.2, 0.22)).toBeCloseTo(0.21, 15);
  });

  it("falls back to the other side's IV where the OTM side has none, and is NaN when neither side has one", () => {
    expect(otmIv(90, 100, 0.3, NaN)).toBe(0.3);
    expect(otmIv(110, 100, 0, 0.2)).toBe(0.2);
    expect(otmIv(100, 100, NaN, 0.22)).toBe(0.22);
    expect(otmIv(90, 100, NaN, 0)).toBeNaN();
  });

  it('gives each strike its log-moneyness, total variance and forward delta on the given forward', () => {
    const chain = testChain([90, 100, 110], { tYears: 0.25 });
    chain.call.iv.set([0.3, 0.2, 0.18]);
    chain.put.iv.set([0.25, 0.22, NaN]);
    const smile = chainSmile(chain, 100);
    expect(smile.forward).toBe(100);
    expect([smile.otmIv[0], smile.otmIv[2]]).toEqual([0.25, 0.18]);
    expect(smile.otmIv[1]).toBeCloseTo(0.21, 15);
    expect(smile.logMoneyness[0]).toBeCloseTo(Math.log(0.9), 15);
    expect(smile.totalVariance[2]).toBeCloseTo(0.18 * 0.18 * 0.25, 15);
    // At K = F, d1 = σ√T/2.
    expect(smile.callDelta[1]).toBeCloseTo(normCdf((0.21 * 0.5) / 2), 12);
    expect(smile.putIv[2]).toBeNaN();
  });

  it('uses the future, else carry at the rate, when no forward is given', () => {
    const chain = testChain([100], { spot: 100, rate: 0.1, tYears: 0.5 });
    expect(chainSmile(chain).forward).toBeCloseTo(100 * Math.exp(0.05), 10);
    expect(chainSmile({ ...chain, future: 103 }).forward).toBe(103);
  });
});
