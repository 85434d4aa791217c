import { describe, expect, it } from 'vitest';
import { chainFlows, createIntelligenceState, reduce, symbolIntelligence, trackedChains, type IntelligenceOutputs } from './index.ts';
import { emptyAnalytics, ist, testSnapshot } from './testSnapshot.ts';
import { syntheticSession } from './testSession.ts';

const DAY1 = '2026-12-01';
const DAY2 = '2026-12-02';

describe('sessions', () => {
  it('skips snapshots outside 09:15–15:30 IST and snapshots that are not newer', () => {
    const state = createIntelligenceState();
    const row = [{ strike: 100, call: { oi: 10 } }];
    expect(reduce(state, testSnapshot(ist(DAY1, '09:14:59'), row)).outputs.skipped).toBe('outside_session');
    expect(reduce(state, testSnapshot(ist(DAY1, '15:30:00'), row)).outputs.skipped).toBe('outside_session');
    const first = reduce(state, testSnapshot(ist(DAY1, '09:15:00'), row)).outputs;
    expect(first.skipped).toBeNull();
    expect(first.chain!.sessionDate).toBe(DAY1);
    expect(reduce(state, testSnapshot(ist(DAY1, '09:15:00'), row)).outputs).toEqual({ skipped: 'out_of_order', chain: null, symbol: null, events: [] });
    // Off-hours data can be folded in on request.
    const anyTime = createIntelligenceState({ sessionHoursOnly: false });
    expect(reduce(anyTime, testSnapshot(ist(DAY1, '08:00:00'), row)).outputs.skipped).toBeNull();
  });

  it('starts a new session on a new IST date, keeping the previous close', () => {
    const state = createIntelligenceState();
    const snap = (t: number, oi: number, fields = {}) => testSnapshot(t, [{ strike: 100, put: { oi, oiChange: null, ltp: 5 } }], fields);
    reduce(state, snap(ist(DAY1, '09:15:00'), 1_000, { vix: 14, analytics: emptyAnalytics({ pcrOi: 0.9 }) }));
    reduce(state, snap(ist(DAY1, '15:29:00'), 1_600, { vix: 15, analytics: emptyAnalytics({ pcrOi: 1.0 }) }));
    const { outputs } = reduce(state, snap(ist(DAY2, '09:15:00'), 1_700, { vix: 16.5, analytics: emptyAnalytics({ pcrOi: 1.1 }) }));
    expect(outputs.chain!.sessionDate).toBe(DAY2);
    const flow = chainFlows(state, 'TEST', '2026-12-29')![0].put;
    // Without the source's oiChange, "since previous close" is against yesterday's last OI (1,600).
    expect(flow.changeSincePreviousCloseContracts).toBe(100);
    expect(flow.changeSinceOpenContracts).toBe(0);
    const mood = outputs.symbol!.mood.components;
    // PCR 1.1 against yesterday's close of 1.0; VIX 16.5 against 15 (+10 %).
    expect(mood.find((c) => c.name === 'pcrChange')!.raw).toBeCloseTo(0.1, 12);
    expect(mood.find((c) => c.name === 'vixChange')!.raw).toBeCloseTo(0.1, 12);
  });

  it('drops the chains of expired expiries at the new session', () => {
    const state = createIntelligenceState();
    const row = [{ strike: 100, call: { oi: 10 } }];
    reduce(state, testSnapshot(ist(DAY1, '10:00:00'), row, { expiry: DAY1 }));
    reduce(state, testSnapshot(ist(DAY1, '10:00:00'), row, { expiry: '2026-12-08' }));
    expect(trackedChains(state).map((c) => c.expiry).sort()).toEqual([DAY1, '2026-12-08']);
    reduce(state, testSnapshot(ist(DAY2, '09:15:00'), row, { expiry: '2026-12-08' }));
    expect(trackedChains(state).map((c) => c.expiry)).toEqual(['2026-12-08']);
    expect(symbolIntelligence(state, 'TEST')!.frontExpiry).toBe('2026-12-08');
    // A late snapshot of the expired chain is not taken in.
    expect(reduce(state, testSnapshot(ist(DAY2, '09:16:00'), row, { expiry: DAY1 })).outputs.skipped).toBe('expired');
    expect(trackedChains(state)).toHaveLength(1);
  });
});

describe('bounds and bad input', () => {
  it('keeps at most maxStrikesPerChain strikes and maxChains chains', () => {
    const state = createIntelligenceState({ maxStrikesPerChain: 8, maxChains: 2 });
    const t0 = ist(DAY1, '10:00:00');
    for (let k = 0; k < 5; k++) {
      // A 6-strike window moving up one strike each snapshot: 10 strikes in all.
      const rows = Array.from({ length: 6 }, (_, i) => ({ strike: 100 + 5 * (k + i), call: { oi: 10 } }));
      reduce(state, testSnapshot(t0 + k * 1_000, rows));
    }
    expect(trackedChains(state)[0].strikes).toBe(8);
    expect(chainFlows(state, 'TEST', '2026-12-29')!.map((r) => r.strike)).toEqual([120, 125, 130, 135, 140, 145]);
    for (const expiry of ['2027-01-05', '2027-01-12']) reduce(state, testSnapshot(t0 + 10_000, [{ strike: 100, call: { oi: 1 } }], { expiry }));
    expect(trackedChains(state).map((c) => c.expiry)).toEqual(['2027-01-05', '2027-01-12']);
    // Symbols go with their last chain.
    reduce(state, testSnapshot(t0 + 20_000, [{ strike: 100, call: { oi: 1 } }], { symbol: 'OTHER' }));
    reduce(state, testSnapshot(t0 + 20_000, [{ strike: 100, call: { oi: 1 } }], { symbol: 'THIRD' }));
    expect(symbolIntelligence(state, 'TEST')).toBeNull();
    expect(trackedChains(state).map((c) => c.symbol)).toEqual(['OTHER', 'THIRD']);
  });

  it('rejects a snapshot it cannot read, naming the problem', () => {
    const state = createIntelligenceState();
    const t = ist(DAY1, '10:00:00');
    expect(() => reduce(state, testSnapshot(t, [], { spot: 0 }))).toThrow(/spot 0/);
    expect(() => reduce(state, testSnapshot(t, [{ strike: 110 }, { strike: 100 }]))).toThrow(/ascending strike order/);
    // Nothing of the bad snapshots was kept.
    expect(trackedChains(state)).toEqual([]);
  });

  it('validates its configuration, naming the bad value', () => {
    expect(() => createIntelligenceState({ zones: { expandRatio: 2 } })).toThrow(/zones\.expandRatio/);
    expect(() => createIntelligenceState({ unusual: { rearmZ: 9 } })).toThrow(/rearmZ/);
    expect(() => createIntelligenceState({ mood: { weights: { pcrLevel: -1 } } })).toThrow(/mood\.weights\.pcrLevel/);
    expect(() => createIntelligenceState({ zones: { reversalWindowMinutes: 7 } })).toThrow(/reversalWindowMinutes/);
    expect(() => createIntelligenceState({ nope: 1 } as never)).toThrow(/unknown key nope/);
    expect(createIntelligenceState({ flow: { velocityWindowsMinutes: [2, 10] } }).config.flow.velocityWindowsMinutes).toEqual([2, 10]);
  });
});

describe('a scenario: heavy put writing at one strike', () => {
  it('moves the support there, announces the shift, and marks a reversal level when spot tests it', () => {
    const state = createIntelligenceState();
    const open = ist(DAY1, '10:00:00');
    const events: string[] = [];
    let last: IntelligenceOutputs | null = null;
    // Every 15 s for 6 minutes; put 24,000 gains 2,000 contracts a minute while its premium falls a point a minute.
    for (let k = 0; k <= 24; k++) {
      const minutes = k / 4;
      const written = 3_000 + 2_000 * minutes;
      const puts = [6_000, 1_000, 1_000, 1_000, written];
      const calls = [0, 0, 0, 0, 0, 4_000, 8_000, 1_000, 1_000];
      const rows = Array.from({ length: 9 }, (_, i) => ({
        strike: 23_600 + 100 * i,
        call: i >= 5 ? { oi: calls[i], oiChange: 0, ltp: 20 } : null,
        put: i <= 4 ? { oi: puts[i], oiChange: i === 4 ? written - 3_000 : 0, ltp: i === 4 ? 50 - minutes : 10 } : null,
      }));
      last = reduce(state, testSnapshot(open + k * 15_000, rows, { spot: 24_010, analytics: emptyAnalytics({ expectedMove: 100 }) })).outputs;
      events.push(...last.events.map((e) => `${e.kind}:${e.side}:${e.strike}`));
    }
    expect(events).toContain('zone_shifted:support:24000');
    const support = last!.chain!.zones.support[0];
    expect([support.lowStrike, support.highStrike, support.peakStrike]).toEqual([24_000, 24_000, 24_000]);
    // 5 minutes back (t = 1 min) the strike held 5,000 contracts at 49: +10,000 at 44 is put writing.
    const level = last!.chain!.reversalLevels.find((l) => l.side === 'support')!;
    expect(level).toMatchObject({ peakStrike: 24_000, distancePoints: 10, expectedMovePoints: 100, writingContracts: 10_000, windowMinutes: 5, tested: true });
    const five = last!.chain!.buildups[0];
    expect(five.putWriting.contracts).toBe(10_000);
    // Premium: 10,000 contracts × 65 × 44.
    expect(five.putWriting.premiumRupees).toBe(10_000 * 65 * 44);
  });
});

describe('determinism', () => {
  it('gives the same outputs when the state is rebuilt by replaying the first k snapshots', () => {
    // Two sessions of a 40-strike chain every 3 s (12.5 minutes each), with FII and IV history inputs.
    const snapshots = [
      ...syntheticSession({ seed: 11, strikes: 40, snapshots: 250, stepMs: 3_000, date: DAY1, startTime: '15:00:00' }),
      ...syntheticSession({ seed: 12, strikes: 40, snapshots: 250, stepMs: 3_000, date: DAY2 }),
    ];
    const inputs = { atmIvHistory: Array.from({ length: 300 }, (_, i) => 0.1 + 0.05 * Math.sin(i)), fiiIndexFutures: { longContracts: 2e5, shortContracts: 3e5 } };
    const run = (state = createIntelligenceState(), from = 0, to = snapshots.length) => {
      const outputs: IntelligenceOutputs[] = [];
      for (let i = from; i < to; i++) outputs.push(reduce(state, snapshots[i], inputs).outputs);
      return { state, outputs };
    };
    const all = run().outputs;
    expect(all.some((o) => o.events.length > 0)).toBe(true);
    for (const k of [1, 180, 300]) {
      const replayed = run(createIntelligenceState(), 0, k).state;
      const rest = run(replayed, k).outputs;
      expect(rest).toEqual(all.slice(k));
    }
  });
});
