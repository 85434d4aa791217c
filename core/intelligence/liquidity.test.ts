import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG, type LiquidityConfig } from './config.ts';
import { createLiquidityState, liquidityStress, measureLiquidity, type BookSide } from './liquidity.ts';

const f = (values: number[]) => Float64Array.from(values);

describe('liquidity measures', () => {
  it('weights relative spreads by OI, sums depth in contracts, counts one-sided quotes and stale sides', () => {
    const call: BookSide = {
      bid: f([10, 5, NaN]),
      ask: f([10.5, 5.2, 1]),
      bidQty: f([100, 200, NaN]),
      askQty: f([100, 300, 50]),
      oi: f([1_000, 3_000, 500]),
      staleSnapshots: f([0, 2, 4]),
      listed: Uint8Array.from([1, 1, 1]),
    };
    const put: BookSide = {
      bid: f([1, 4.8, 9.6]),
      ask: f([1.1, 5, 10.4]),
      bidQty: f([50, 100, 150]),
      askQty: f([50, 100, 150]),
      oi: f([0, 2_000, 1_000]),
      staleSnapshots: f([1, 1, 1]),
      listed: Uint8Array.from([1, 1, 1]),
    };
    const m = measureLiquidity([call, put], 1, 1, 50);
    // Spread: call 0.5/10.25 × 1,000 + 0.2/5.1 × 3,000 + put 0.2/4.9 × 2,000 + 0.8/10 × 1,000
    // (the one-sided call and the zero-OI put are out) over 7,000 contracts.
    const expected = ((0.5 / 10.25) * 1_000 + (0.2 / 5.1) * 3_000 + (0.2 / 4.9) * 2_000 + 0.08 * 1_000) / 7_000;
    expect(m.spread).toBeCloseTo(expected, 12);
    // Depth: calls (200 + 500 + 50)/50 = 15, puts (100 + 200 + 300)/50 = 12 → 27 contracts.
    expect(m.depth).toBe(27);
    // One side in six has no bid.
    expect(m.oneSided).toBeCloseTo(1 / 6, 12);
    // (0 + 2 + 4 + 1 + 1 + 1)/6 = 1.5 snapshots.
    expect(m.staleness).toBe(1.5);
  });

  it('reads depth and staleness near the money only', () => {
    const side: BookSide = {
      bid: f([1, 1, 1, 1, 1]),
      ask: f([1.1, 1.1, 1.1, 1.1, 1.1]),
      bidQty: f([1_000, 10, 10, 10, 1_000]),
      askQty: f([0, 0, 0, 0, 0]),
      oi: f([1, 1, 1, 1, 1]),
      staleSnapshots: f([50, 0, 0, 0, 50]),
      listed: Uint8Array.from([1, 1, 1, 1, 1]),
    };
    const m = measureLiquidity([side], 2, 1, 10);
    expect(m.depth).toBe(3);
    expect(m.staleness).toBe(0);
  });
});

describe('liquidity stress index', () => {
  const config: LiquidityConfig = { ...DEFAULT_INTELLIGENCE_CONFIG.liquidity, minBaselineSamples: 2 };

  it('scores each measure against its session median and weights them into 0–100', () => {
    const state = createLiquidityState(config);
    const usual = { spread: 0.01, depth: 100, oneSided: 0.1, staleness: 1 };
    expect(liquidityStress(state, usual, 0, config).index).toBeNull(); // one sample
    expect(liquidityStress(state, usual, 60_000, config).index).toBe(0); // as usual
    // Within the minute: no new sample, so the baseline stays the usual values.
    const stressed = liquidityStress(state, { spread: 0.021, depth: 49, oneSided: 0.1, staleness: 3 }, 70_000, config);
    // spread (0.021 + 0.001)/(0.01 + 0.001) = 2 → 100·(2 − 1)/(3 − 1) = 50
    // depth (100 + 1)/(49 + 1) = 2.02 → 51; oneSided 1 → 0; staleness (3 + 1)/(1 + 1) = 2 → 50
    // index = 0.4·50 + 0.25·51 + 0.2·0 + 0.15·50 = 40.25
    const scores = Object.fromEntries(stressed.components.map((c) => [c.measure, c.score]));
    expect(scores.spread).toBeCloseTo(50, 10);
    expect(scores.depth).toBeCloseTo(51, 10);
    expect(scores.oneSided).toBeCloseTo(0, 10);
    expect(scores.staleness).toBeCloseTo(50, 10);
    expect(stressed.index).toBeCloseTo(40.25, 10);
    expect(stressed.baselineSamples).toBe(2);
  });

  it('caps a component at 100 and leaves out a measure without a value', () => {
    const state = createLiquidityState(config);
    const usual = { spread: 0.01, depth: 100, oneSided: 0.1, staleness: 1 };
    liquidityStress(state, usual, 0, config);
    liquidityStress(state, usual, 60_000, config);
    const result = liquidityStress(state, { spread: 0.5, depth: NaN, oneSided: 0.1, staleness: 1 }, 70_000, config);
    // spread → 100 (capped); oneSided, staleness → 0; depth missing: weights 0.4, 0.2, 0.15 → 40/0.75.
    expect(result.index).toBeCloseTo((0.4 * 100) / 0.75, 10);
    expect(result.components.find((c) => c.measure === 'depth')!.score).toBeNull();
  });
});
