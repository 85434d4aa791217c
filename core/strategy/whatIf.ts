/**
 * The what-if grid of a strategy, for heatmaps: its P&L (rupees) over spot ×
 * days from now × parallel IV shift, one flat column laid out
 * [ivShift][day][spot] (spot fastest): cell (s, d, v) is at
 * (v·days + d)·spots + s. A day past a leg's expiry values that leg at its
 * payoff. Bounded: at most WHAT_IF_MAX_CELLS cells.
 */
import { compileHorizon, kernelColumn, spotLogs, type PricedLeg, type StrategyMarket } from './pnl.ts';
import { StrategyInputError } from './resolve.ts';

export const WHAT_IF_MAX_CELLS = 50_000;
const DAY_MS = 86_400_000;

export interface WhatIfGrid {
  spots: Float64Array;
  /** Calendar days after the valuation instant. */
  daysFromNow: readonly number[];
  /** Parallel IV shifts, decimal (0.01 = 1 vol point). */
  ivShifts: readonly number[];
  /** P&L, rupees, [ivShift][day][spot]. */
  pnl: Float64Array;
}

export function whatIfGrid(legs: readonly PricedLeg[], market: StrategyMarket, spots: Float64Array, daysFromNow: readonly number[], ivShifts: readonly number[]): WhatIfGrid {
  const cells = spots.length * daysFromNow.length * ivShifts.length;
  if (cells > WHAT_IF_MAX_CELLS) {
    throw new StrategyInputError('whatIf', null, `The what-if grid would have ${cells} cells (spots × days × IV shifts); at most ${WHAT_IF_MAX_CELLS}`);
  }
  const pnl = new Float64Array(cells);
  const n = spots.length;
  const logs = spotLogs(spots);
  ivShifts.forEach((shift, v) => {
    daysFromNow.forEach((days, d) => {
      const from = (v * daysFromNow.length + d) * n;
      // kernelColumn writes out[from..to) from spots[from..to): hand it a view of the row.
      kernelColumn(compileHorizon(legs, market.rate, market.nowMs + days * DAY_MS, shift), spots, logs, pnl.subarray(from, from + n));
    });
  });
  return { spots, daysFromNow, ivShifts, pnl };
}
