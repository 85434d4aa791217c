import { describe, expect, it } from 'vitest';
import { allocateSide, type ChainSnapshot } from '../chain.ts';
import { chainMaxPain, maxPain } from './maxPain.ts';
import { mulberry32 } from '../random.ts';

const col = (values: number[]) => Float64Array.from(values);


/** The definition, literally: O(n²), missing OI as 0, first minimum wins. */
function bruteForce(strikes: Float64Array, callOi: Float64Array, putOi: Float64Array) {
  const n = strikes.length;
  const curve = new Float64Array(n);
  let best = -1;
  for (let j = 0; j < n; j++) {
    const settle = strikes[j];
    let pain = 0;
    for (let i = 0; i < n; i++) {
      const c = Number.isNaN(callOi[i]) ? 0 : callOi[i];
      const p = Number.isNaN(putOi[i]) ? 0 : putOi[i];
      pain += c * Math.max(settle - strikes[i], 0) + p * Math.max(strikes[i] - settle, 0);
    }
    curve[j] = pain;
    if (best < 0 || pain < curve[best]) best = j;
  }
  return { best, curve };
}

function randomChain(random: () => number, integerOi: boolean, maxOi: number) {
  const n = 1 + Math.floor(random() * 60);
  const strikes = new Float64Array(n);
  let k = 20000 + 50 * Math.floor(random() * 20);
  for (let i = 0; i < n; i++) {
    strikes[i] = k;
    k += 50 * (1 + Math.floor(random() * 3)); // uneven gaps, as far strikes are listed sparser
  }
  const draw = () => {
    const u = random();
    if (u < 0.1) return NaN;
    if (u < 0.2) return 0;
    return integerOi ? Math.floor(random() * maxOi) : random() * maxOi;
  };
  return { strikes, callOi: Float64Array.from(strikes, draw), putOi: Float64Array.from(strikes, draw) };
}

describe('maxPain', () => {
  it('finds the strike with the least payout in a hand-computed example', () => {
    // pain(90)  = puts: 20·(100−90) + 10·(110−90)             = 400
    // pain(100) = calls: 10·(100−90);  puts: 10·(110−100)      = 200
    // pain(110) = calls: 10·(110−90) + 20·(110−100)           = 400
    const curve = new Float64Array(3);
    const result = maxPain(col([90, 100, 110]), col([10, 20, 30]), col([30, 20, 10]), curve);
    expect(result).toEqual({ index: 1, strike: 100, payout: 200 });
    expect(Array.from(curve)).toEqual([400, 200, 400]);
  });

  it('matches the O(n²) definition exactly on random integer chains, ties included', () => {
    const random = mulberry32(20260127);
    for (let trial = 0; trial < 500; trial++) {
      // A small OI range in half the trials makes exact ties common.
      const { strikes, callOi, putOi } = randomChain(random, true, trial % 2 === 0 ? 3 : 100_000);
      const curve = new Float64Array(strikes.length);
      const result = maxPain(strikes, callOi, putOi, curve);
      const reference = bruteForce(strikes, callOi, putOi);
      expect(Array.from(curve)).toEqual(Array.from(reference.curve));
      const anyOi = [...callOi, ...putOi].some((v) => v > 0);
      if (anyOi) {
        expect(result.index).toBe(reference.best);
        expect(result.strike).toBe(strikes[reference.best]);
        expect(result.payout).toBe(reference.curve[reference.best]);
      } else {
        expect(result.index).toBe(-1);
      }
    }
  });

  it('agrees with the O(n²) definition to 1e-12 relative on random fractional OI', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const { strikes, callOi, putOi } = randomChain(random, false, 1e7);
      const curve = new Float64Array(strikes.length);
      const result = maxPain(strikes, callOi, putOi, curve);
      const reference = bruteForce(strikes, callOi, putOi);
      const scale = Math.max(...reference.curve, 1);
      for (let j = 0; j < strikes.length; j++) expect(Math.abs(curve[j] - reference.curve[j])).toBeLessThanOrEqual(1e-12 * scale);
      if (result.index >= 0) expect(reference.curve[result.index]).toBeLessThanOrEqual(reference.curve[reference.best] * (1 + 1e-12));
    }
  });

  it('breaks a tie in favour of the lowest strike', () => {
    // pain(100) = 10·(110−100) = 100 = pain(110) = 10·(110−100).
    expect(maxPain(col([100, 110]), col([10, 0]), col([0, 10]))).toEqual({ index: 0, strike: 100, payout: 100 });
  });

  it('treats missing and negative OI as no contracts', () => {
    const withGaps = maxPain(col([90, 100, 110]), col([10, NaN, 30]), col([-5, 20, 10]));
    const zeroed = maxPain(col([90, 100, 110]), col([10, 0, 30]), col([0, 20, 10]));
    expect(withGaps).toEqual(zeroed);
  });

  it('returns the only strike with zero payout for a single-strike chain', () => {
    expect(maxPain(col([25000]), col([100]), col([200]))).toEqual({ index: 0, strike: 25000, payout: 0 });
  });

  it('returns NaN for an empty chain and for a chain without open interest, still filling the curve', () => {
    expect(maxPain(col([]), col([]), col([]))).toEqual({ index: -1, strike: NaN, payout: NaN });
    const curve = new Float64Array(3).fill(NaN);
    expect(maxPain(col([1, 2, 3]), col([NaN, 0, NaN]), col([NaN, NaN, 0]), curve).index).toBe(-1);
    expect(Array.from(curve)).toEqual([0, 0, 0]);
  });

  it('throws when the columns or the curve are not aligned with the strikes', () => {
    expect(() => maxPain(col([1, 2]), col([1]), col([1, 2]))).toThrow(RangeError);
    expect(() => maxPain(col([1, 2]), col([1, 2]), col([1, 2]), new Float64Array(3))).toThrow(RangeError);
  });
});

describe('chainMaxPain', () => {
  it('reads the call and put OI columns of a snapshot', () => {
    const snapshot: ChainSnapshot = {
      symbol: 'TEST',
      expiry: '2026-01-27',
      timestamp: 0,
      spot: 100,
      future: NaN,
      tYears: 0.05,
      rate: 0.065,
      lotSize: 65,
      strikes: col([90, 100, 110]),
      call: allocateSide(3),
      put: allocateSide(3),
    };
    snapshot.call.oi.set([10, 20, 30]);
    snapshot.put.oi.set([30, 20, 10]);
    expect(chainMaxPain(snapshot)).toEqual({ index: 1, strike: 100, payout: 200 });
  });
});
