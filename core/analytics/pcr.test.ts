import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { chainPutCallRatios, finiteSum, putCallRatio } from './pcr.ts';

const col = (values: number[]) => Float64Array.from(values);

const chain = (n: number): ChainSnapshot => testChain(Array.from({ length: n }, (_, i) => 90 + 5 * i));

describe('putCallRatio', () => {
  it('divides the total put column by the total call column', () => {
    expect(putCallRatio(col([100, 200, 300]), col([50, 50, 100]))).toBe(3);
  });

  it('sums each side over its own finite entries, so a one-sided strike still counts', () => {
    // puts 100 + 300, calls 50 + 150: the NaNs sit on different strikes.
    expect(putCallRatio(col([100, NaN, 300]), col([NaN, 50, 150]))).toBe(2);
  });

  it('returns NaN rather than Infinity when the call total is zero', () => {
    expect(putCallRatio(col([10, 20]), col([0, 0]))).toBeNaN();
    expect(putCallRatio(col([10, 20]), col([5, -5]))).toBeNaN();
  });

  it('returns NaN when either side has no finite entry, and for an empty chain', () => {
    expect(putCallRatio(col([NaN, NaN]), col([10, 20]))).toBeNaN();
    expect(putCallRatio(col([10, 20]), col([NaN, NaN]))).toBeNaN();
    expect(putCallRatio(col([]), col([]))).toBeNaN();
  });

  it('reports zero when puts total zero against a non-zero call total', () => {
    expect(putCallRatio(col([0, 0]), col([10, NaN]))).toBe(0);
  });

  it('keeps the sign of a signed column: puts adding while calls shed gives a negative ratio', () => {
    // Σ put ΔOI = 300 − 100 = 200, Σ call ΔOI = −100 − 100 = −200.
    expect(putCallRatio(col([300, -100]), col([-100, -100]))).toBe(-1);
  });

  it('throws when the columns are not aligned', () => {
    expect(() => putCallRatio(col([1, 2]), col([1]))).toThrow(RangeError);
  });
});

describe('finiteSum', () => {
  it('ignores NaN and infinities and is NaN only when nothing is finite', () => {
    expect(finiteSum(col([1, NaN, 2, Infinity, -Infinity, 3]))).toBe(6);
    expect(finiteSum(col([NaN]))).toBeNaN();
    expect(finiteSum(col([0]))).toBe(0);
  });
});

describe('chainPutCallRatios', () => {
  it('reads OI, volume and OI change from their own columns', () => {
    const c = chain(3);
    c.put.oi.set([100, 200, 300]);
    c.call.oi.set([200, 200, 200]); // 600 / 600
    c.put.volume.set([10, 0, NaN]);
    c.call.volume.set([5, 15, 20]); // 10 / 40
    c.put.oiChange.set([-30, 10, NaN]);
    c.call.oiChange.set([NaN, 40, 0]); // −20 / 40
    expect(chainPutCallRatios(c)).toEqual({ oi: 1, volume: 0.25, oiChange: -0.5 });
  });

  it('is NaN throughout for an empty chain and for an unquoted chain', () => {
    const nan = { oi: NaN, volume: NaN, oiChange: NaN };
    expect(chainPutCallRatios(chain(0))).toEqual(nan);
    expect(chainPutCallRatios(chain(4))).toEqual(nan);
  });
});
