import { describe, expect, it } from 'vitest';
import { accelerationPerMinute2, velocityPerMinute } from './oiFlow.ts';
import { chainFlows, createIntelligenceState, reduce } from './index.ts';
import { ist, testSnapshot } from './testSnapshot.ts';

const DAY = '2026-12-01';
const OPEN = ist(DAY, '09:15:00');
const STEP_MS = 15_000;

/** Feeds one strike whose call OI is oi(k) at snapshot k (every 15 s from the open). */
function feed(oi: (k: number) => number, snapshots: number, oiChange: number | null = 250) {
  const state = createIntelligenceState();
  for (let k = 0; k < snapshots; k++) {
    reduce(state, testSnapshot(OPEN + k * STEP_MS, [{ strike: 100, call: { oi: oi(k), oiChange, ltp: 5 } }]));
  }
  return chainFlows(state, 'TEST', '2026-12-29')![0].call;
}

describe('OI velocity and acceleration formulas', () => {
  it('divides the OI change by the elapsed minutes', () => {
    // 1,300 − 1,000 contracts over 5 minutes = 60 contracts/minute.
    expect(velocityPerMinute(1_300, 1_000, 10 * 60_000, 5 * 60_000)).toBe(60);
    expect(velocityPerMinute(1_300, 1_000, 5, 5)).toBeNaN();
  });

  it('takes the change of velocity per minute between the spans’ midpoints', () => {
    // Spans 0→5 min (900→1,000: 20/min) and 5→10 min (1,000→1,300: 60/min);
    // midpoints 2.5 and 7.5 min apart by 5 min: (60 − 20)/5 = 8 contracts/min².
    expect(accelerationPerMinute2(1_300, 1_000, 900, 10 * 60_000, 5 * 60_000, 0)).toBe(8);
  });
});

describe('OI flow through the reducer', () => {
  it('reports a steady build as equal velocities in every window and no acceleration', () => {
    // +10 contracts every 15 s = 40 contracts/minute; after 31 minutes every window reaches back.
    const flow = feed((k) => 1_000 + 10 * k, 125);
    expect(flow.oiContracts).toBe(2_240);
    expect(flow.changeSinceOpenContracts).toBe(1_240);
    expect(flow.changeSincePreviousCloseContracts).toBe(250);
    for (const w of flow.windows) {
      expect(w.velocityContractsPerMinute).toBeCloseTo(40, 9);
      expect(w.accelerationContractsPerMinute2).toBeCloseTo(0, 9);
    }
  });

  it('measures a quadratic build: velocity 16·(2t − W), acceleration 32 per minute²', () => {
    // OI = 1,000 + k² with k = 4t (t in minutes) = 1,000 + 16t². At t = 31:
    // v_W = (16·31² − 16·(31 − W)²)/W = 16·(62 − W): W=1 → 976, W=5 → 912, W=15 → 752;
    // a_W = 16·(t² − 2(t − W)² + (t − 2W)²)/W² = 32 for every W.
    const flow = feed((k) => 1_000 + k * k, 125);
    const byWindow = Object.fromEntries(flow.windows.map((w) => [w.windowMinutes, w]));
    expect(byWindow[1].velocityContractsPerMinute).toBeCloseTo(976, 9);
    expect(byWindow[5].velocityContractsPerMinute).toBeCloseTo(912, 9);
    expect(byWindow[15].velocityContractsPerMinute).toBeCloseTo(752, 9);
    for (const w of flow.windows) expect(w.accelerationContractsPerMinute2).toBeCloseTo(32, 9);
  });

  it('leaves a window empty until the ring reaches back that far', () => {
    // 3 minutes of data: only the 1-minute window (and its 2-minute second difference) reaches back.
    const flow = feed((k) => 1_000 + 10 * k, 13);
    const byWindow = Object.fromEntries(flow.windows.map((w) => [w.windowMinutes, w]));
    expect(byWindow[1].velocityContractsPerMinute).toBeCloseTo(40, 9);
    expect(byWindow[1].accelerationContractsPerMinute2).toBeCloseTo(0, 9);
    expect(byWindow[5].velocityContractsPerMinute).toBeNull();
    expect(byWindow[15].accelerationContractsPerMinute2).toBeNull();
  });

  it('has no change since the previous close when neither the source nor an earlier session gives one', () => {
    const flow = feed((k) => 1_000 + k, 2, null);
    expect(flow.changeSincePreviousCloseContracts).toBeNull();
  });
});
