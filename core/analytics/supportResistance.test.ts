import { describe, expect, it } from 'vitest';
import { allocateSide, type ChainSnapshot } from '../chain.ts';
import { chainSupportResistance, supportResistance } from './supportResistance.ts';
import { mulberry32 } from '../random.ts';

const col = (values: number[]) => Float64Array.from(values);


describe('supportResistance', () => {
  const strikes = col([90, 95, 100, 105, 110]);
  const callOi = col([5, 20, 100, 400, 600]); // total 1125
  const putOi = col([500, 300, 200, 50, 10]); // total 1060

  it('ranks strikes at or below spot by put OI as support, with share of all put OI and ratio to the next', () => {
    const { support } = supportResistance(strikes, callOi, putOi, 100, 2);
    expect(support).toEqual([
      { index: 0, strike: 90, oi: 500, shareOfTotal: 500 / 1060, ratioToNext: 500 / 300 },
      { index: 1, strike: 95, oi: 300, shareOfTotal: 300 / 1060, ratioToNext: 300 / 200 },
    ]);
  });

  it('ranks strikes at or above spot by call OI as resistance', () => {
    const { resistance } = supportResistance(strikes, callOi, putOi, 100, 5);
    expect(resistance.map((l) => [l.strike, l.oi])).toEqual([
      [110, 600],
      [105, 400],
      [100, 100],
    ]);
    expect(resistance[0].shareOfTotal).toBe(600 / 1125);
    expect(resistance[2].ratioToNext).toBeNaN();
  });

  it('uses each strike on one side only when spot is between strikes', () => {
    const { support, resistance } = supportResistance(strikes, callOi, putOi, 102, 5);
    expect(support.map((l) => l.strike)).toEqual([90, 95, 100]);
    expect(resistance.map((l) => l.strike)).toEqual([110, 105]);
  });

  it('breaks ties towards the strike nearer spot', () => {
    const flat = col([10, 10, 10, 10, 10]);
    const { support, resistance } = supportResistance(strikes, flat, flat, 100, 2);
    expect(support.map((l) => l.strike)).toEqual([100, 95]);
    expect(resistance.map((l) => l.strike)).toEqual([100, 105]);
    expect(support[0].ratioToNext).toBe(1);
  });

  it('does not offer strikes with zero or missing OI as levels', () => {
    const { support } = supportResistance(strikes, callOi, col([0, NaN, 200, 50, 10]), 100, 5);
    expect(support.map((l) => l.strike)).toEqual([100]);
    expect(support[0].shareOfTotal).toBe(200 / 260);
  });

  it('agrees with a filter-and-sort reference on random chains', () => {
    const random = mulberry32(5);
    for (let trial = 0; trial < 300; trial++) {
      const n = Math.floor(random() * 30);
      const grid = Float64Array.from({ length: n }, (_, i) => 100 + 5 * i);
      const draw = () => (random() < 0.1 ? NaN : Math.floor(random() * 6));
      const calls = Float64Array.from(grid, draw);
      const puts = Float64Array.from(grid, draw);
      const spot = 95 + random() * (5 * n + 10);
      const k = 1 + Math.floor(random() * 5);
      const totalPuts = puts.reduce((s, v) => (v > 0 ? s + v : s), 0);
      const reference = [...grid.keys()]
        .filter((i) => grid[i] <= spot && puts[i] > 0)
        .sort((a, b) => puts[b] - puts[a] || grid[b] - grid[a]);
      const { support } = supportResistance(grid, calls, puts, spot, k);
      expect(support.map((l) => l.index)).toEqual(reference.slice(0, k));
      support.forEach((l, r) => {
        expect(l.shareOfTotal).toBe(puts[l.index] / totalPuts);
        expect(l.ratioToNext).toEqual(r + 1 < reference.length ? puts[l.index] / puts[reference[r + 1]] : NaN);
      });
    }
  });

  it('returns no levels for an empty chain, a missing spot or k < 1', () => {
    const none = { support: [], resistance: [] };
    expect(supportResistance(col([]), col([]), col([]), 100, 3)).toEqual(none);
    expect(supportResistance(strikes, callOi, putOi, NaN, 3)).toEqual(none);
    expect(supportResistance(strikes, callOi, putOi, 100, 0)).toEqual(none);
  });

  it('throws when the OI columns are not aligned with the strikes', () => {
    expect(() => supportResistance(strikes, col([1]), putOi, 100, 3)).toThrow(RangeError);
  });
});

describe('chainSupportResistance', () => {
  it('reads OI and spot from the snapshot', () => {
    const snapshot: ChainSnapshot = {
      symbol: 'TEST',
      expiry: '2026-01-27',
      timestamp: 0,
      spot: 104,
      future: NaN,
      tYears: 0.05,
      rate: 0.065,
      lotSize: 65,
      strikes: col([100, 105, 110]),
      call: allocateSide(3),
      put: allocateSide(3),
    };
    snapshot.call.oi.set([900, 10, 20]);
    snapshot.put.oi.set([30, 999, 40]);
    const { support, resistance } = chainSupportResistance(snapshot, 1);
    expect(support.map((l) => l.strike)).toEqual([100]);
    expect(resistance.map((l) => l.strike)).toEqual([110]);
  });
});
