import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG, type UnusualConfig } from './config.ts';
import { createUnusualState, detectUnusual, latch, type UnusualSideInputs } from './unusual.ts';

const config: UnusualConfig = {
  ...DEFAULT_INTELLIGENCE_CONFIG.unusual,
  minBaseline: 5,
  zThreshold: 6,
  rearmZ: 3,
  cooldownMs: 10 * 60_000,
  // One feed only (the first call), so the baseline stays the hand-worked one.
  baselineIntervalMs: 24 * 3_600_000,
};
const buildup = DEFAULT_INTELLIGENCE_CONFIG.buildup;
const strikes = Float64Array.from([100, 110, 120, 130, 140]);
const context = (timestamp: number) => ({ symbol: 'TEST', expiry: '2026-12-29', timestamp, strikes, lotSize: 65 });
const f = (values: number[]) => Float64Array.from(values);
const nan = () => new Float64Array(5).fill(NaN);

function side(oiChanges: number[], extra: Partial<UnusualSideInputs> = {}): UnusualSideInputs {
  return {
    side: 'call',
    rowSlot: Int32Array.from([0, 1, 2, 3, 4]),
    latches: [nan(), nan(), nan(), nan()],
    oi: f(oiChanges.map((d) => 10_000 + d)),
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
  it('flags an OI change that is a robust-z outlier against the session baseline, once per episode', () => {
    const state = createUnusualState(config);
    const inputs = side([10, 20, 30, 40, 50]);
    // First call: no baseline yet, so no events; it feeds |ΔOI| = 10…50:
    // median 30, |x − 30| = 20,10,0,10,20 → MAD 10 → σ = 14.826.
    expect(detectUnusual(state, [inputs], context(0), config, buildup)).toEqual([]);
    expect(state.oiScale.median).toBe(30);
    expect(state.oiScale.sigma).toBeCloseTo(14.826, 12);

    // Strike 120 moves 130 contracts: z = (130 − 30)/14.826 = 6.745 ≥ 6.
    const surge = { ...inputs, oi: f([10_010, 10_020, 10_130, 10_040, 10_050]) };
    const events = detectUnusual(state, [surge], context(30_000), config, buildup);
    expect(events.map((e) => [e.kind, e.strike, e.side])).toEqual([['unusual_oi_change', 120, 'call']]);
    expect(events[0].score).toBeCloseTo(100 / 14.826, 10);
    expect(events[0].values.oiChangeContracts).toBe(130);
    // Still surging: no repeat.
    expect(detectUnusual(state, [surge], context(40_000), config, buildup)).toEqual([]);
    // Calms to z = 30/14.826 = 2.02 < 3: re-armed, but the cooldown holds until 10 minutes after 30 s.
    detectUnusual(state, [{ ...inputs, oi: f([10_010, 10_020, 10_060, 10_040, 10_050]) }], context(50_000), config, buildup);
    expect(detectUnusual(state, [surge], context(60_000), config, buildup)).toEqual([]);
    expect(detectUnusual(state, [surge], context(30_000 + 10 * 60_000), config, buildup).map((e) => e.kind)).toEqual(['unusual_oi_change']);
  });

  it('flags premium turnover (Δvolume × price × lot) outliers', () => {
    const state = createUnusualState(config);
    // Turnover per strike: 10 contracts × 2 points × 65 = 1,300 rupees… with one at 20 contracts: 2,600.
    const base = side([0, 0, 0, 0, 0], { volumeNow: f([110, 110, 110, 110, 120]), volumeIntervalStart: f([100, 100, 100, 100, 100]), price: f([2, 2, 2, 2, 2]) });
    detectUnusual(state, [base], context(0), config, buildup);
    // Baseline 1,300 ×4, 2,600: median 1,300, MAD 0 → σ = 1.2533 × mean |x − 1,300| = 1.2533 × 260 = 325.858.
    expect(state.turnoverScale.sigma).toBeCloseTo(1.2533 * 260, 9);
    // 100 contracts × 2 × 65 = 13,000 rupees at strike 100: z = 11,700/325.858 = 35.9.
    const events = detectUnusual(state, [{ ...base, volumeNow: f([200, 110, 110, 110, 120]) }], context(1_000), config, buildup);
    expect(events.map((e) => [e.kind, e.strike, e.values.turnoverRupees])).toEqual([['unusual_premium_turnover', 100, 13_000]]);
    expect(events[0].score).toBeCloseTo(11_700 / (1.2533 * 260), 9);
  });

  it('flags fresh far-OTM writing and IV jumps with OI build', () => {
    const state = createUnusualState(config);
    const code = new Int8Array(5);
    code[4] = 2; // short buildup at 140
    const inputs = side([0, 0, 0, 0, 0], {
      delta: f([0.5, 0.4, 0.3, 0.2, 0.1]),
      windowBuildup: { code, dOi: f([0, 0, 0, 0, 600]), dPrice: f([0, 0, 0, 0, -1.5]) },
      oiWindowStart: f([10_000, 10_000, 10_000, 10_000, 1_000]),
      ivNow: f([0.2, 0.2, 0.2, 0.2, 0.25]),
      ivWindowStart: f([0.2, 0.2, 0.2, 0.2, 0.22]),
    });
    const events = detectUnusual(state, [inputs], context(0), config, buildup);
    // Far OTM (|Δ| 0.1 ≤ 0.15), written 600 ≥ max(500, 10 % × 1,000): score 600/500 = 1.2.
    // IV +3 vol points ≥ 2 with OI +600 ≥ max(50, 0.5 % × 1,000): score 0.03/0.02 = 1.5.
    expect(events.map((e) => [e.kind, e.strike])).toEqual([
      ['far_otm_writing', 140],
      ['iv_jump_with_oi_build', 140],
    ]);
    expect(events[0].score).toBeCloseTo(1.2, 12);
    expect(events[1].score).toBeCloseTo(1.5, 12);
    expect(detectUnusual(state, [inputs], context(1_000), config, buildup)).toEqual([]);
  });
});
