import { describe, expect, it } from 'vitest';
import { whatIfGrid } from './whatIf.ts';
import { pnlAt } from './pnl.ts';
import { DAY_MS, market, NOW, option } from './testLegs.ts';
import { StrategyInputError } from './resolve.ts';

describe('whatIfGrid', () => {
  const legs = [option('CALL', 100, -75, 2.5), option('PUT', 100, -75, 2.3)];
  const spots = Float64Array.from([95, 100, 105]);

  it('lays the P&L out [ivShift][day][spot], each cell the P&L at that spot, day and parallel shift', () => {
    const grid = whatIfGrid(legs, market, spots, [0, 5, 40], [-0.02, 0, 0.03]);
    expect(grid.pnl.length).toBe(27);
    [-0.02, 0, 0.03].forEach((shift, v) =>
      [0, 5, 40].forEach((days, d) =>
        spots.forEach((s, i) => expect(grid.pnl[(v * 3 + d) * 3 + i]).toBeCloseTo(pnlAt(legs, market, NOW + days * DAY_MS, shift, s), 9)),
      ),
    );
    // Day 40 is past the expiry: the payoff, whatever the IV.
    expect(grid.pnl[(0 * 3 + 2) * 3 + 1]).toBeCloseTo(grid.pnl[(2 * 3 + 2) * 3 + 1], 9);
  });

  it('refuses a grid above its cell bound, naming the whatIf field', () => {
    const many = new Float64Array(2_000);
    expect(() => whatIfGrid(legs, market, many, Array.from({ length: 30 }, (_, i) => i), [0, 0.01, 0.02, 0.03])).toThrow(StrategyInputError);
  });
});
