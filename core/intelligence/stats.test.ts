import { describe, expect, it } from 'vitest';
import { FloatRing, linearScore, medianInPlace, robustScale, robustZ, symmetricScore } from './stats.ts';

describe('robust statistics', () => {
  it('takes the median of an odd and an even count', () => {
    expect(medianInPlace(Float64Array.from([5, 1, 3]))).toBe(3);
    expect(medianInPlace(Float64Array.from([4, 1, 3, 2]))).toBe(2.5);
    expect(medianInPlace(new Float64Array(0))).toBeNaN();
  });

  it('selects the same median as a full sort, with ties and sorted runs', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (const count of [1, 2, 3, 10, 11, 500, 4_096]) {
      for (const shape of ['random', 'ties', 'sorted', 'reversed']) {
        const values = Float64Array.from({ length: count }, (_, i) =>
          shape === 'random' ? next() : shape === 'ties' ? Math.floor(next() * 3) : shape === 'sorted' ? i : count - i,
        );
        const sorted = Float64Array.from(values).sort();
        const mid = count >> 1;
        const expected = count % 2 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
        expect(medianInPlace(values, count), `${shape} ${count}`).toBe(expected);
      }
    }
  });

  it('scores an outlier with median and MAD, unmoved by the outlier itself', () => {
    // median(1,2,3,4,100) = 3; |x − 3| = 2,1,0,1,97 → MAD = 1; σ = 1.4826.
    const scale = robustScale([1, 2, 3, 4, 100], 5);
    expect(scale.median).toBe(3);
    expect(scale.sigma).toBeCloseTo(1.4826, 12);
    // z(100) = 97 / 1.4826 = 65.4256…
    expect(robustZ(100, scale)).toBeCloseTo(97 / 1.4826, 10);
  });

  it('falls back to the mean absolute deviation when more than half the values are equal', () => {
    // median(0,0,0,0,10) = 0, MAD = 0; mean |x| = 2 → σ = 1.2533·2 = 2.5066.
    const scale = robustScale([0, 0, 0, 0, 10], 5);
    expect(scale.sigma).toBeCloseTo(2.5066, 12);
    expect(robustZ(10, scale)).toBeCloseTo(10 / 2.5066, 10);
  });

  it('gives an infinite z only when every baseline value is equal', () => {
    const scale = robustScale([7, 7, 7], 3);
    expect(scale.sigma).toBe(0);
    expect(robustZ(8, scale)).toBe(Infinity);
    expect(robustZ(7, scale)).toBe(0);
  });

  it('maps scores linearly and symmetrically, clamped to 0–100', () => {
    expect(linearScore(1, 0.7, 1.3)).toBeCloseTo(50, 12);
    expect(linearScore(2, 0.7, 1.3)).toBe(100);
    expect(linearScore(20, 24, 11)).toBeCloseTo((100 * 4) / 13, 12);
    expect(symmetricScore(0.0025, 0.005)).toBe(75);
    expect(symmetricScore(-1, 0.005)).toBe(0);
    expect(symmetricScore(NaN, 1)).toBeNaN();
  });
});

describe('FloatRing', () => {
  it('keeps the newest values up to its capacity', () => {
    const ring = new FloatRing(3);
    for (const v of [1, 2, 3, 4]) ring.push(v);
    expect(ring.count).toBe(3);
    expect(ring.newest(0)).toBe(4);
    expect(ring.newest(2)).toBe(2);
    expect(ring.newest(3)).toBeNaN();
    expect(ring.toJSON()).toEqual([2, 3, 4]);
    expect([...ring.held()].sort()).toEqual([2, 3, 4]);
  });
});
