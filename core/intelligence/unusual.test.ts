import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG, resolveIntelligenceConfig, type UnusualConfig } from './config.ts';
import { createChainState, slotFor } from './chainState.ts';
import { createUnusualState, detectUnusual, latch, type UnusualSideInputs } from './unusual.ts';

const unusual: Partial<UnusualConfig> = { minBaseline: 5, zThreshold: 6, rearmZ: 3, cooldownMs: 20_000, baselineIntervalMs: 60_000 };
const config = resolveIntelligenceConfig({ unusual });
const buildup = DEFAULT_INTELLIGENCE_CONFIG.buildup;
const strikes = Float64Array.from([100, 110, 120, 130, 140]);
const context = (timestamp: number) => ({ symbol: 'TEST', expiry: '2026-12-29', timestamp, strikes, lotSize: 65 });
const f = (values: number[]) => Float64Array.from(values);
const nan = () => new Float64Array(5).fill(NaN);

function setup() {
  const chain = createChainState('TEST', '2026-12-29', '2026-12-01', config);
  const rowSlot = Int32Array.from(strikes, (k) => slotFor(chain, k, 100));
  return { chain, rowSlot, state: createUnusualState(config.unusual) };
}

function inputs(rowSlot: Int32Array, columns: UnusualSideInputs['columns'], extra: Partial<UnusualSideInputs> = {}): UnusualSideInputs {
  return {
    side: 'call',
    columns,
    rowSlot,
    oi: f([10_000, 10_000, 10_000, 10_000, 10_000]),
    oiIntervalStart: f([10_000, 10_000, 10_000, 10_000, 10_000]),
    volumeNow: nan(),
    volumeIntervalStart: nan(),
    price: nan(),
    delta: f([0.5, 0.5, 0.5, 0.5, 0.5]),
    windowBuildup: { code: new Int8Array(5), dOi: new Float64Array(5), dPrice: new Float64Array(5) },
    oiWindowStart: f([10_000, 10_000, 10_000, 10_000, 10_000]),
    ivNow: nan(),
    ivWindowStart: nan(),
    ...extra,
  };
}

/** OI moved by `changes` contracts per strike over the interval. */
const oiMoves = (changes: number[]) => ({ oi: f(changes.map((d) => 10_000 + d)) });

describe('latch', () => {
  it('fires once, re-arms when cleared, and waits out the cooldown', () => {
    const latches = new Float64Array(1).fill(NaN);
    expect(latch(latches, 0, true, false, 1_000, 60_000)).toBe(true);
    expect(latch(latches, 0, true, false, 2_000, 60_000)).toBe(false); // not re-armed
    expect(latch(latches, 0, false, true, 3_000, 60_000)).toBe(false); // clears: re-armed
    expect(latch(latches, 0, true, false, 4_000, 60_000)).toBe(false); // cooldown (fired at 1,000)
    expect(latch(latches, 0, true, false, 61_000, 60_000)).toBe(true);
  });
});

describe('unusual activity', () => {
  it('flags an OI change that is an outlier for its strike and material for the chain, once per episode', () => {
    const { chain, rowSlot, state } = setup();
    const columns = chain.call;
    // Five one-minute baselines: strike 120 moved 10, 20, 30, 40, 50 contracts; 100, 110, 130
    // moved 100 each time; 140 never moved.
    [10, 20, 30, 40, 50].forEach((x, m) => {
      expect(detectUnusual(state, chain, [inputs(rowSlot, columns, oiMoves([100, 100, x, 100, 0]))], context(m * 60_000), config.unusual, buildup)).toEqual([]);
    });
    const slot120 = rowSlot[2];
    // 120's baseline: median 30, |x − 30| = 20, 10, 0, 10, 20 → MAD 10 → σ = 14.826.
    expect(columns.oiBaselineMedian[slot120]).toBe(30);
    expect(columns.oiBaselineSigma[slot120]).toBeCloseTo(14.826, 12);
    expect(columns.oiBaselineCount[slot120]).toBe(5);

    // 4 min 10 s (no feed until 5 min): 120 moves 130 → z = 100/14.826 = 6.745 ≥ 6, and 130 ≥ the chain's
    // median move of 100. 140 moves 5 contracts: infinite z against its zeros, but far below 100.
    const surge = inputs(rowSlot, columns, oiMoves([100, 100, 130, 100, 5]));
    const events = detectUnusual(state, chain, [surge], context(250_000), config.unusual, buildup);
    expect(events.map((e) => [e.kind, e.strike, e.side])).toEqual([['unusual_oi_change', 120, 'call']]);
    expect(events[0].score).toBeCloseTo(100 / 14.826, 10);
    expect(events[0].values).toMatchObject({ oiChangeContracts: 130, baselineMedianContracts: 30, chainMedianContracts: 100, baselineObservations: 5 });
    // Still surging: no repeat. Calm (z = 30/14.826 = 2.02 < 3) re-arms; the 20 s cooldown still holds at 265 s.
    expect(detectUnusual(state, chain, [surge], context(255_000), config.unusual, buildup)).toEqual([]);
    detectUnusual(state, chain, [inputs(rowSlot, columns, oiMoves([100, 100, 60, 100, 0]))], context(260_000), config.unusual, buildup);
    expect(detectUnusual(state, chain, [surge], context(265_000), config.unusual, buildup)).toEqual([]);
    expect(detectUnusual(state, chain, [surge], context(270_000), config.unusual, buildup).map((e) => e.kind)).toEqual(['unusual_oi_change']);
  });

  it('flags premium turnover (Δvolume × price × lot) outliers', () => {
    const { chain, rowSlot, state } = setup();
    const columns = chain.call;
    const traded = (volumes: number[]) => ({ volumeNow: f(volumes.map((v) => 1_000 + v)), volumeIntervalStart: f([1_000, 1_000, 1_000, 1_000, 1_000]), price: f([2, 2, 2, 2, 2]) });
    // Strike 100 traded 10, 12, 8, 10, 10 contracts a minute at 2 points: 1,300, 1,560, 1,040, 1,300, 1,300 rupees.
    [10, 12, 8, 10, 10].forEach((v, m) => detectUnusual(state, chain, [inputs(rowSlot, columns, traded([v, 10, 10, 10, 10]))], context(m * 60_000), config.unusual, buildup));
    // Median 1,300; |x − 1,300| = 0, 260, 260, 0, 0: MAD 0, so σ = 1.2533 × mean 104 = 130.343.
    expect(columns.turnoverBaselineSigma[rowSlot[0]]).toBeCloseTo(1.2533 * 104, 9);
    // 20 contracts: 2,600 rupees, z = 1,300/130.343 = 9.97; the chain's median is 1,300.
    const events = detectUnusual(state, chain, [inputs(rowSlot, columns, traded([20, 10, 10, 10, 10]))], context(250_000), config.unusual, buildup);
    expect(events.map((e) => [e.kind, e.strike, e.values.turnoverRupees, e.values.chainMedianRupees])).toEqual([['unusual_premium_turnover', 100, 2_600, 1_300]]);
    expect(events[0].score).toBeCloseTo(1_300 / (1.2533 * 104), 9);
  });

  it('waits for minBaseline observations', () => {
    const { chain, rowSlot, state } = setup();
    [10, 20, 30, 40].forEach((x, m) => detectUnusual(state, chain, [inputs(rowSlot, chain.call, oiMoves([100, 100, x, 100, 0]))], context(m * 60_000), config.unusual, buildup));
    expect(detectUnusual(state, chain, [inputs(rowSlot, chain.call, oiMoves([100, 100, 5_000, 100, 0]))], context(190_000), config.unusual, buildup)).toEqual([]);
  });

  it('flags fresh far-OTM writing and IV jumps with OI build', () => {
    const { chain, rowSlot, state } = setup();
    const code = new Int8Array(5);
    code[4] = 2; // short buildup at 140
    const side = inputs(rowSlot, chain.call, {
      delta: f([0.5, 0.4, 0.3, 0.2, 0.1]),
      windowBuildup: { code, dOi: f([0, 0, 0, 0, 600]), dPrice: f([0, 0, 0, 0, -1.5]) },
      oiWindowStart: f([10_000, 10_000, 10_000, 10_000, 1_000]),
      ivNow: f([0.2, 0.2, 0.2, 0.2, 0.25]),
      ivWindowStart: f([0.2, 0.2, 0.2, 0.2, 0.22]),
    });
    const events = detectUnusual(state, chain, [side], context(0), config.unusual, buildup);
    // Far OTM (|Δ| 0.1 ≤ 0.15), written 600 ≥ max(500, 10 % × 1,000): score 600/500 = 1.2.
    // IV +3 vol points ≥ 2 with OI +600 ≥ max(50, 0.5 % × 1,000): score 0.03/0.02 = 1.5.
    expect(events.map((e) => [e.kind, e.strike])).toEqual([
      ['far_otm_writing', 140],
      ['iv_jump_with_oi_build', 140],
    ]);
    expect(events[0].score).toBeCloseTo(1.2, 12);
    expect(events[1].score).toBeCloseTo(1.5, 12);
    expect(detectUnusual(state, chain, [side], context(1_000), config.unusual, buildup)).toEqual([]);
  });
});
