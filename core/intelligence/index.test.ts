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
  });

  it('rejects a snapshot it cannot read, naming the problem', () => {
    const state = createIntelligenceState();
    const t = ist(DAY1, '10:00:00');
    expect(() => reduce(state, testSnapshot(t, [], { spot: 0 }))).toThrow(/spot 0/);
    expect(() => reduce(state, testSnapshot(t, [{ strike: 110 }, { strike: 100 }]))).toThrow(/ascending strike order/);
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
