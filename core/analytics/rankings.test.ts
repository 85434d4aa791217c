import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { rankChain, topN, type RankBy } from './rankings.ts';
import { mulberry32 } from '../random.ts';

const col = (values: number[]) => Float64Array.from(values);


/** Reference by repeated selection: take the best remaining row n times (O(n²)), lower strike on ties. */
function selectTop(strikes: Float64Array, metric: Float64Array, n: number, by: RankBy): number[] {
  const key = (i: number) => (by === 'absolute' ? Math.abs(metric[i]) : metric[i]);
  const taken = new Set<number>();
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    let best = -1;
    for (let i = 0; i < metric.length; i++) {
      if (taken.has(i) || Number.isNaN(metric[i])) continue;
      if (best < 0 || key(i) > key(best) || (key(i) === key(best) && strikes[i] < strikes[best])) best = i;
    }
    if (best < 0) break;
    taken.add(best);
    out.push(best);
  }
  return out;
}

const chain = (strikes: number[]): ChainSnapshot => testChain(strikes);

describe('topN', () => {
  const strikes = col([100, 110, 120, 130, 140]);
  const metric = col([5, NaN, -9, 9, 3]);

  it('ranks by signed value, largest first, skipping missing entries', () => {
    expect(topN(strikes, metric, 3).map((r) => r.strike)).toEqual([130, 100, 140]);
  });

  it('ranks by magnitude when asked, keeping the sign, and breaks the tie towards the lower strike', () => {
    const ranked = topN(strikes, metric, 2, { by: 'absolute' });
    expect(ranked.map((r) => [r.strike, r.value])).toEqual([
      [120, -9],
      [130, 9],
    ]);
    expect(topN(strikes, metric, 2, { by: 'absolute', ties: 'higherStrike' }).map((r) => r.strike)).toEqual([130, 120]);
  });

  it('scores intensity as |value| over the largest |value| in the whole column', () => {
    const ranked = topN(strikes, metric, 4);
    expect(ranked.map((r) => r.intensity)).toEqual([1, 5 / 9, 3 / 9, 1]);
    // The top value is small next to a large negative elsewhere in the column.
    expect(topN(col([1, 2]), col([-10, 2]), 1)).toEqual([{ index: 1, strike: 2, value: 2, intensity: 0.2 }]);
  });

  it('gives intensity 0 to a column of zeros rather than NaN', () => {
    expect(topN(col([1, 2]), col([0, 0]), 2).map((r) => r.intensity)).toEqual([0, 0]);
  });

  it('returns only the finite rows when n exceeds them, and nothing for n ≤ 0, empty or all-missing columns', () => {
    expect(topN(strikes, metric, 10)).toHaveLength(4);
    expect(topN(strikes, metric, 0)).toEqual([]);
    expect(topN(strikes, metric, -1)).toEqual([]);
    expect(topN(col([]), col([]), 3)).toEqual([]);
    expect(topN(col([1, 2]), col([NaN, NaN]), 3)).toEqual([]);
  });

  it('matches repeated selection on random columns with many ties', () => {
    const random = mulberry32(99);
    for (let trial = 0; trial < 400; trial++) {
      const n = Math.floor(random() * 40);
      const grid = Float64Array.from({ length: n }, (_, i) => 20000 + 50 * i);
      const values = Float64Array.from({ length: n }, () => (random() < 0.15 ? NaN : Math.floor(random() * 11) - 5));
      const take = Math.floor(random() * 12);
      for (const by of ['value', 'absolute'] as const) {
        expect(topN(grid, values, take, { by }).map((r) => r.index)).toEqual(selectTop(grid, values, take, by));
      }
    }
  });

  it('throws when the metric is not aligned with the strikes', () => {
    expect(() => topN(col([1, 2]), col([1]), 1)).toThrow(RangeError);
  });
});

describe('rankChain', () => {
  const c = chain([100, 110, 120]);
  c.call.oi.set([10, 30, 20]);
  c.put.oi.set([50, 40, 5]);
  c.call.oiChange.set([-25, 10, 5]);
  c.put.oiChange.set([1, NaN, -2]);
  c.call.volume.set([7, 8, 9]);
  c.put.volume.set([3, 2, 1]);
  c.call.iv.set([0.2, 0.18, 0.17]);
  c.put.iv.set([0.22, 0.2, NaN]);

  it('ranks calls and puts separately, OI change by magnitude', () => {
    const r = rankChain(c, 2);
    expect(r.call.oi.map((x) => x.strike)).toEqual([110, 120]);
    expect(r.put.oi.map((x) => x.strike)).toEqual([100, 110]);
    expect(r.call.oiChange.map((x) => x.value)).toEqual([-25, 10]);
    expect(r.put.oiChange.map((x) => x.value)).toEqual([-2, 1]);
    expect(r.call.volume.map((x) => x.strike)).toEqual([120, 110]);
    expect(r.put.volume.map((x) => x.strike)).toEqual([100, 110]);
  });

  it('leaves IV change out without previous IVs', () => {
    const r = rankChain(c, 2);
    expect(r.call.ivChange).toBeNull();
    expect(r.put.ivChange).toBeNull();
  });

  it('ranks IV change by magnitude against previous IVs, skipping strikes missing either IV', () => {
    const r = rankChain(c, 3, { call: col([0.21, 0.15, 0.17]), put: col([NaN, 0.19, 0.3]) });
    expect(r.call.ivChange!.map((x) => x.strike)).toEqual([110, 100, 120]);
    expect(r.call.ivChange![0].value).toBeCloseTo(0.03, 15);
    expect(r.call.ivChange![1].value).toBeCloseTo(-0.01, 15);
    expect(r.put.ivChange!.map((x) => x.strike)).toEqual([110]);
  });

  it('returns empty rankings for an empty chain', () => {
    const r = rankChain(chain([]), 5, { call: col([]), put: col([]) });
    expect([r.call.oi, r.call.oiChange, r.call.volume, r.call.ivChange, r.put.oi]).toEqual([[], [], [], [], []]);
  });

  it('throws when previous IVs are not aligned with the strikes', () => {
    expect(() => rankChain(c, 2, { call: col([0.2]), put: col([0.2, 0.2, 0.2]) })).toThrow(RangeError);
  });
});
