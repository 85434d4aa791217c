import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG } from './config.ts';
import { buildupName, classifyBuildup, classifyColumns, summarizeWindow } from './buildups.ts';
import { chainBuildups, chainFlows, createIntelligenceState, reduce } from './index.ts';
import { ist, testSnapshot } from './testSnapshot.ts';

const config = DEFAULT_INTELLIGENCE_CONFIG.buildup;
const name = (code: number) => buildupName(code);

describe('buildup classification', () => {
  it('crosses price direction with OI direction', () => {
    expect(name(classifyBuildup(12, 10, 11_000, 10_000, config))).toBe('longBuildup');
    expect(name(classifyBuildup(8, 10, 11_000, 10_000, config))).toBe('shortBuildup');
    expect(name(classifyBuildup(12, 10, 9_000, 10_000, config))).toBe('shortCovering');
    expect(name(classifyBuildup(8, 10, 9_000, 10_000, config))).toBe('longUnwinding');
    expect(name(classifyBuildup(NaN, 10, 9_000, 10_000, config))).toBeNull();
  });

  it('calls a move inside the noise thresholds neutral', () => {
    // OI 10,000: OI noise = max(50 contracts, 0.5 % × 10,000 = 50) = 50, so ΔOI 49 is flat, 50 is not.
    expect(name(classifyBuildup(12, 10, 10_049, 10_000, config))).toBe('neutral');
    expect(name(classifyBuildup(12, 10, 10_050, 10_000, config))).toBe('longBuildup');
    // OI 40,000: noise = max(50, 200) = 200.
    expect(name(classifyBuildup(12, 10, 40_150, 40_000, config))).toBe('neutral');
    // Price 10: noise = max(2 ticks × 0.05 = 0.10, 0.5 % × 10 = 0.05) = 0.10; Δ 0.05 is flat, 0.10 is not.
    expect(name(classifyBuildup(10.05, 10, 11_000, 10_000, config))).toBe('neutral');
    expect(name(classifyBuildup(10.1, 10, 11_000, 10_000, config))).toBe('longBuildup');
    // Price 200: noise = max(0.10, 1.00) = 1.00.
    expect(name(classifyBuildup(200.9, 200, 11_000, 10_000, config))).toBe('neutral');
  });
});

describe('buildup totals', () => {
  it('adds contracts and premium (contracts × lot × price) per kind, and ranks the strongest strikes', () => {
    const strikes = Float64Array.from([100, 110, 120]);
    // Calls: 100 short buildup +200 (price 12 → 10), 110 short buildup +600 (5 → 4), 120 long buildup +100 (2 → 3).
    const call = classifyColumns(Float64Array.from([10, 4, 3]), Float64Array.from([12, 5, 2]), Float64Array.from([1_200, 2_600, 1_100]), Float64Array.from([1_000, 2_000, 1_000]), config);
    // Puts: 100 long unwinding −300 (3 → 2); the others flat.
    const put = classifyColumns(Float64Array.from([2, 6, 11]), Float64Array.from([3, 6, 11]), Float64Array.from([700, 500, 500]), Float64Array.from([1_000, 500, 500]), config);
    const summary = summarizeWindow(5, strikes, call, put, Float64Array.from([10, 4, 3]), Float64Array.from([2, 6, 11]), 65, 3);
    // Call writing: 200 + 600 = 800 contracts; premium 200·65·10 + 600·65·4 = 130,000 + 156,000 = 286,000 rupees.
    expect(summary.callWriting).toEqual({ strikes: 2, contracts: 800, premiumRupees: 286_000 });
    expect(summary.putWriting).toEqual({ strikes: 0, contracts: 0, premiumRupees: 0 });
    expect(summary.netPutMinusCallWritingContracts).toBe(-800);
    // Long buildup: 100 contracts × 65 × 3 = 19,500 rupees.
    expect(summary.call.totals.longBuildup).toEqual({ strikes: 1, contracts: 100, premiumRupees: 19_500 });
    // Put long unwinding: 300 × 65 × 2 = 39,000 rupees.
    expect(summary.put.totals.longUnwinding).toEqual({ strikes: 1, contracts: 300, premiumRupees: 39_000 });
    // Strongest call writing: 110 (600, intensity 1) then 100 (200, intensity 1/3).
    expect(summary.call.strongest.shortBuildup.map((s) => [s.strike, s.oiChangeContracts, s.intensity])).toEqual([
      [110, 600, 1],
      [100, 200, 1 / 3],
    ]);
    expect(summary.call.strongest.shortCovering).toEqual([]);
  });
});

describe('buildups through the reducer', () => {
  it('classifies each window against the sample that far back, and the session against the open', () => {
    const state = createIntelligenceState();
    const open = ist('2026-12-01', '09:15:00');
    // Put 100: OI 5,000 at the open, falling price. Minute by minute for 16 minutes:
    // OI +100 a minute, put price −0.5 a minute (put writing throughout).
    for (let m = 0; m <= 16; m++) {
      reduce(state, testSnapshot(open + m * 60_000, [{ strike: 100, put: { oi: 5_000 + 100 * m, ltp: 20 - 0.5 * m } }]));
    }
    const windows = chainBuildups(state, 'TEST', '2026-12-29')!;
    expect(windows.map((w) => w.windowMinutes)).toEqual([5, 15, null]);
    // 5 minutes: +500 contracts at price 12 → premium 500 × 65 × 12 = 390,000 rupees.
    expect(windows[0].putWriting).toEqual({ strikes: 1, contracts: 500, premiumRupees: 390_000 });
    // 15 minutes: +1,500; session: +1,600.
    expect(windows[1].putWriting.contracts).toBe(1_500);
    expect(windows[2].putWriting.contracts).toBe(1_600);
    const row = chainFlows(state, 'TEST', '2026-12-29')![0];
    expect(row.put.buildups.map((b) => [b.windowMinutes, b.kind, b.oiChangeContracts, b.priceChangePoints])).toEqual([
      [5, 'shortBuildup', 500, -2.5],
      [15, 'shortBuildup', 1_500, -7.5],
      [null, 'shortBuildup', 1_600, -8],
    ]);
    expect(row.call.buildups[0].kind).toBeNull();
  });
});
