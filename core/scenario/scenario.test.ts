import { describe, expect, it } from 'vitest';
import { NAMED_SCENARIOS, namedScenario } from './named.ts';
import { effectsAt, eventIntensity, NO_EFFECTS, parseScenario, parseScenarioJson, ScenarioError, scenarioProblems, vixPointsAt, type Scenario } from './scenario.ts';

function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

const scenario = (events: unknown[], extra: object = {}): Scenario => parseScenario({ name: 'test', events, ...extra }, 'test');

describe('parseScenario', () => {
  it('fills the defaults: anchor start, no ramp, the nearest expiry, every symbol', () => {
    const parsed = scenario([{ kind: 'writing', atMinute: 5, forMinutes: 10, side: 'put', strikeOffset: -2, contractsPerMinute: 100 }]);
    expect(parsed.anchor).toBe('start');
    expect(parsed.description).toBe('');
    expect(parsed.events[0]).toEqual({ kind: 'writing', atMinute: 5, forMinutes: 10, rampMinutes: 0, side: 'put', strikeOffset: -2, expiryIndex: 0, contractsPerMinute: 100 });
    const spike = scenario([{ kind: 'volSpike', atMinute: 0, forMinutes: 1, ivPoints: 3 }]).events[0];
    expect(spike).toMatchObject({ realizedVolMultiplier: 1 });
  });

  it('names every bad field by its path, with what was expected', () => {
    const problems = problemsOf(() =>
      parseScenario(
        {
          name: 'bad',
          anchor: 'noon',
          events: [
            { kind: 'trend', atMinute: -1, forMinutes: 0, driftPctPerMinute: 5 },
            { kind: 'writing', atMinute: 1, forMinutes: 10, side: 'both', strikeOffset: 1.5, contractsPerMinute: -3 },
            { kind: 'earthquake', atMinute: 1, forMinutes: 1 },
            { kind: 'liquidityCrunch', atMinute: 1, forMinutes: 10, spreadMultiplier: 0.5, depthMultiplier: 2, spredMultiplier: 3 },
            { kind: 'vixDivergence', atMinute: 1, forMinutes: 10, vixPoints: 2, symbols: ['NIFTY'] },
          ],
        },
        'bad.json',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^anchor: must be one of start, session-open/),
        'events[0].atMinute: must be ≥ 0',
        'events[0].forMinutes: must be > 0',
        'events[0].driftPctPerMinute: must be ≤ 1 (% per minute)',
        'events[1].side: must be "call" or "put"',
        'events[1].strikeOffset: must be a whole number of strike steps',
        'events[1].contractsPerMinute: must be > 0',
        expect.stringMatching(/^events\[2\]\.kind: .*trend.*vixDivergence/),
        'events[3].spreadMultiplier: must be ≥ 1',
        'events[3].depthMultiplier: must be ≤ 1',
        expect.stringMatching(/^events\[3\]: .*spredMultiplier/),
        'events[4].symbols: India VIX is market-wide: leave symbols out',
      ]),
    );
  });

  it('refuses a ramp longer than half the window', () => {
    expect(problemsOf(() => scenario([{ kind: 'vixDivergence', atMinute: 0, forMinutes: 10, rampMinutes: 6, vixPoints: 1 }]))).toEqual(['events[0].rampMinutes: must be at most half of forMinutes (10)']);
  });

  it('says where a file is not JSON', () => {
    expect(() => parseScenarioJson('{"name": "x", events: []}', 'my.json')).toThrow(/invalid scenario my.json:\n {2}- not valid JSON/);
    expect(parseScenarioJson('{"name": "x", "events": []}', 'my.json').events).toEqual([]);
  });
});

describe('scenarioProblems', () => {
  const limits = { knownSymbols: new Set(['NIFTY', 'BANKNIFTY']), strikesEachSide: 10, expiriesPerSymbol: 2 };

  it('accepts a scenario that fits the simulator', () => {
    expect(scenarioProblems(scenario([{ kind: 'unwinding', atMinute: 0, forMinutes: 5, symbols: ['NIFTY'], side: 'call', strikeOffset: 10, expiryIndex: 1, contractsPerMinute: 5 }]), limits)).toEqual([]);
  });

  it('names an unknown symbol, a strike outside the window and a missing expiry', () => {
    const parsed = scenario([{ kind: 'writing', atMinute: 0, forMinutes: 5, symbols: ['GOLD'], side: 'call', strikeOffset: -11, expiryIndex: 2, contractsPerMinute: 5 }]);
    expect(scenarioProblems(parsed, limits)).toEqual([
      'events[0].symbols: unknown symbol GOLD; known: NIFTY, BANKNIFTY',
      'events[0].strikeOffset: -11 is outside the simulated window of ±10 strikes (SIM_STRIKES_EACH_SIDE)',
      'events[0].expiryIndex: 2 needs at least 3 expiries per symbol (EXPIRIES_PER_SYMBOL=2)',
    ]);
  });
});

describe('eventIntensity', () => {
  const [step, ramped] = scenario([
    { kind: 'trend', atMinute: 10, forMinutes: 20, driftPctPerMinute: 0.01 },
    { kind: 'trend', atMinute: 10, forMinutes: 20, rampMinutes: 5, driftPctPerMinute: 0.01 },
  ]).events;

  it('is 1 from atMinute to just before atMinute + forMinutes without a ramp, 0 outside', () => {
    expect([9.99, 10, 20, 29.99, 30, 31].map((m) => eventIntensity(step, m))).toEqual([0, 1, 1, 1, 0, 0]);
  });

  it('ramps linearly in over the first rampMinutes and out over the last', () => {
    expect([10, 11, 12.5, 15, 25, 27.5, 29, 30].map((m) => eventIntensity(ramped, m))).toEqual([0, 0.2, 0.5, 1, 1, 0.5, 0.2, 0]);
  });
});

describe('effectsAt', () => {
  const parsed = scenario([
    { kind: 'trend', atMinute: 0, forMinutes: 60, driftPctPerMinute: 0.02 },
    { kind: 'trend', atMinute: 30, forMinutes: 60, driftPctPerMinute: -0.05 },
    { kind: 'volSpike', atMinute: 30, forMinutes: 20, ivPoints: 4, realizedVolMultiplier: 2 },
    { kind: 'volSpike', atMinute: 30, forMinutes: 20, ivPoints: 2, realizedVolMultiplier: 1.5, symbols: ['BANKNIFTY'] },
    { kind: 'liquidityCrunch', atMinute: 40, forMinutes: 10, rampMinutes: 5, spreadMultiplier: 5, depthMultiplier: 0.2, oneSidedShare: 0.5 },
    { kind: 'writing', atMinute: 5, forMinutes: 10, symbols: ['NIFTY'], side: 'put', strikeOffset: -2, contractsPerMinute: 300 },
    { kind: 'unwinding', atMinute: 5, forMinutes: 10, symbols: ['NIFTY'], side: 'call', strikeOffset: 3, expiryIndex: 1, contractsPerMinute: 100 },
    { kind: 'vixDivergence', atMinute: 20, forMinutes: 20, rampMinutes: 10, vixPoints: 3 },
  ]);

  it('is exactly no effect when nothing is active', () => {
    expect(effectsAt(parsed, 'NIFTY', 95)).toBe(NO_EFFECTS);
    expect(effectsAt(scenario([]), 'NIFTY', 0)).toEqual({ driftPctPerMinute: 0, ivPoints: 0, realizedVolMultiplier: 1, spreadMultiplier: 1, depthMultiplier: 1, oneSidedShare: 0, oiFlows: [] });
  });

  it('sums drifts and vol points, multiplies multipliers, only for the listed symbols', () => {
    const nifty = effectsAt(parsed, 'NIFTY', 35);
    expect(nifty.driftPctPerMinute).toBeCloseTo(-0.03, 12);
    expect(nifty).toMatchObject({ ivPoints: 4, realizedVolMultiplier: 2, spreadMultiplier: 1, oiFlows: [] });
    expect(effectsAt(parsed, 'BANKNIFTY', 35)).toMatchObject({ ivPoints: 6, realizedVolMultiplier: 3 });
  });

  it('scales a ramped event by its intensity', () => {
    const halfway = effectsAt(parsed, 'NIFTY', 42.5);
    expect(halfway.spreadMultiplier).toBeCloseTo(3, 12);
    expect(halfway.depthMultiplier).toBeCloseTo(0.6, 12);
    expect(halfway.oneSidedShare).toBeCloseTo(0.25, 12);
  });

  it('lists OI flows signed, with their event, side, strike offset and expiry', () => {
    expect(effectsAt(parsed, 'NIFTY', 5).oiFlows).toEqual([
      { event: 5, side: 'put', strikeOffset: -2, expiryIndex: 0, contractsPerMinute: 300 },
      { event: 6, side: 'call', strikeOffset: 3, expiryIndex: 1, contractsPerMinute: -100 },
    ]);
    expect(effectsAt(parsed, 'BANKNIFTY', 5).oiFlows).toEqual([]);
    expect(effectsAt(parsed, 'NIFTY', 15).oiFlows).toEqual([]);
  });

  it('adds VIX points market-wide, ramped', () => {
    expect([19, 20, 25, 30, 35, 40].map((m) => vixPointsAt(parsed, m))).toEqual([0, 0, 1.5, 3, 1.5, 0]);
  });
});

describe('named scenarios', () => {
  it('are all valid and fit the default simulator (five indices, 20 strikes each side, 2 expiries)', () => {
    expect(NAMED_SCENARIOS).toEqual(['quiet', 'trend-up-with-put-writing', 'vol-spike', 'liquidity-crunch', 'vix-divergence', 'session']);
    const limits = { knownSymbols: new Set(['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX']), strikesEachSide: 20, expiriesPerSymbol: 2 };
    for (const name of NAMED_SCENARIOS) {
      const parsed = namedScenario(name)!;
      expect(parsed.name).toBe(name);
      expect(scenarioProblems(parsed, limits)).toEqual([]);
    }
    expect(namedScenario('quiet')!.events).toEqual([]);
    expect(namedScenario('loud')).toBeUndefined();
    expect(namedScenario('constructor')).toBeUndefined();
  });
});
