/**
 * Scripted market scenarios for the simulator: "at minute m, for d minutes,
 * do this" on top of its random walk, so the market-intelligence analytics
 * (OI flows, buildups, support/resistance shifts, liquidity stress, VIX
 * divergence…) have something known to detect, at a known time.
 *
 * A scenario is JSON (see core/scenario/named/*.json and README.md beside
 * them). This module is pure: it validates a scenario and says which effects
 * are active at a given simulated minute; the simulator applies them
 * (pipeline/sources/simulator.ts).
 *
 * Time. `atMinute` and `forMinutes` are minutes of *simulated* time, never
 * wall time (at SIM_SPEED=60 a simulated minute passes in a wall second).
 * - anchor `start` (default): minutes since the simulator's first tick. Under
 *   the market clock these are trading minutes (the night and weekends do not
 *   count: minute 375 is the next session's open); under always-open, plain
 *   simulated minutes.
 * - anchor `session-open`: minutes since the current session opened, so the
 *   script repeats every session: 09:15 IST under the market clock, IST
 *   midnight under always-open (whose "session" is the IST calendar day).
 * An event is active for atMinute ≤ t < atMinute + forMinutes; the snapshot
 * stamped at minute `atMinute` is the first to show it. With `rampMinutes` > 0
 * its intensity rises linearly from 0 at atMinute to 1 at atMinute +
 * rampMinutes, and falls back to 0 over the last rampMinutes of the window.
 *
 * Units: drift in percent of spot per minute; IV and VIX in vol points (1 =
 * 0.01 of annualised volatility); OI flows in contracts (lots) per minute;
 * multipliers are plain ratios; strike offsets in strike steps from the ATM
 * strike (the grid strike nearest spot), negative below.
 */
import { z } from 'zod';

export const SCENARIO_ANCHORS = ['start', 'session-open'] as const;
export type ScenarioAnchor = (typeof SCENARIO_ANCHORS)[number];

const finite = z.number({ message: 'must be a number' });
const timing = {
  /** Start, simulated minutes from the anchor. */
  atMinute: finite.min(0, 'must be ≥ 0'),
  /** Length of the window, simulated minutes. */
  forMinutes: finite.positive('must be > 0'),
  /** Linear ramp in and out inside the window, simulated minutes (0: a step). */
  rampMinutes: finite.min(0, 'must be ≥ 0').default(0),
  /** Underlyings the event touches (upper case); absent: every simulated underlying. */
  symbols: z.array(z.string().regex(/^[A-Z0-9]+$/, 'must be an upper-case symbol such as NIFTY')).min(1, 'list at least one symbol, or leave symbols out').optional(),
  /** What the event is for, shown to whoever reads the scenario. */
  note: z.string().optional(),
};
const oiFlow = {
  side: z.enum(['call', 'put'], { message: 'must be "call" or "put"' }),
  /** Strike steps from the ATM strike at the event's first active tick; the strike then stays fixed. */
  strikeOffset: finite.int('must be a whole number of strike steps'),
  /** Which expiry: 0 the nearest, 1 the next… */
  expiryIndex: finite.int('must be a whole number').min(0, 'must be ≥ 0').default(0),
  /** Contracts (lots) per simulated minute at full intensity. */
  contractsPerMinute: finite.positive('must be > 0').max(1_000_000, 'must be ≤ 1000000'),
};

const eventSchema = z.discriminatedUnion('kind', [
  /** Spot drifts by this percent per minute on top of the random walk (0.02 ≈ +1.2 % an hour). */
  z.strictObject({ kind: z.literal('trend'), ...timing, driftPctPerMinute: finite.min(-1, 'must be ≥ -1 (% per minute)').max(1, 'must be ≤ 1 (% per minute)') }),
  /** ATM implied volatility up (or, negative, down) by ivPoints at every expiry; realized spot volatility × realizedVolMultiplier. */
  z.strictObject({
    kind: z.literal('volSpike'),
    ...timing,
    ivPoints: finite.min(-50, 'must be ≥ -50 vol points').max(100, 'must be ≤ 100 vol points'),
    realizedVolMultiplier: finite.positive('must be > 0').max(20, 'must be ≤ 20').default(1),
  }),
  /** Fresh writing: OI of one side at one strike grows by contractsPerMinute, the writers selling at the bid (short buildup when the price falls). */
  z.strictObject({ kind: z.literal('writing'), ...timing, ...oiFlow }),
  /** Positions closed: OI of one side at one strike falls by contractsPerMinute (never below 0): long unwinding if its price falls, short covering if it rises. */
  z.strictObject({ kind: z.literal('unwinding'), ...timing, ...oiFlow }),
  /** Spreads × spreadMultiplier, quoted depth × depthMultiplier, and the outer oneSidedShare of the strike window quoted on the ask only. */
  z.strictObject({
    kind: z.literal('liquidityCrunch'),
    ...timing,
    spreadMultiplier: finite.min(1, 'must be ≥ 1').max(100, 'must be ≤ 100'),
    depthMultiplier: finite.positive('must be > 0').max(1, 'must be ≤ 1').default(1),
    oneSidedShare: finite.min(0, 'must be ≥ 0').max(1, 'must be ≤ 1').default(0),
  }),
  /** India VIX up (or down) by vixPoints regardless of the option IVs; pair with a trend for VIX rising while spot rises. Market-wide: takes no symbols. */
  z.strictObject({ kind: z.literal('vixDivergence'), ...timing, symbols: z.undefined({ message: 'India VIX is market-wide: leave symbols out' }).optional(), vixPoints: finite.min(-50, 'must be ≥ -50 points').max(100, 'must be ≤ 100 points') }),
]);

const scenarioSchema = z
  .strictObject({
    name: z.string().min(1, 'must not be empty'),
    description: z.string().default(''),
    anchor: z.enum(SCENARIO_ANCHORS, { message: `must be one of ${SCENARIO_ANCHORS.join(', ')}` }).default('start'),
    events: z.array(eventSchema).max(1000, 'at most 1000 events'),
  })
  .superRefine((scenario, context) => {
    scenario.events.forEach((event, i) => {
      if (event.rampMinutes * 2 > event.forMinutes) {
        context.addIssue({ code: 'custom', path: ['events', i, 'rampMinutes'], message: `must be at most half of forMinutes (${event.forMinutes})` });
      }
    });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioEvent = Scenario['events'][number];
export type OiFlowEvent = Extract<ScenarioEvent, { kind: 'writing' | 'unwinding' }>;

export class ScenarioError extends Error {
  constructor(
    readonly origin: string,
    readonly problems: string[],
  ) {
    super(`invalid scenario ${origin}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** `events[1].side` from a zod path. */
function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const part of path) name += typeof part === 'number' ? `[${part}]` : `${name === '' ? '' : '.'}${String(part)}`;
  return name === '' ? '(the scenario)' : name;
}

/** Validates a parsed JSON value; throws ScenarioError naming every bad field. `origin` says where it came from (a file, a name). */
export function parseScenario(value: unknown, origin: string): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) throw new ScenarioError(origin, result.error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`));
  return result.data;
}

/** Parses scenario JSON text; a syntax error is a ScenarioError too. */
export function parseScenarioJson(text: string, origin: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(origin, [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return parseScenario(value, origin);
}

/** What the scenario can ask of a simulator, checked against what it simulates. */
export interface ScenarioLimits {
  /** Symbols of the instrument table. */
  knownSymbols: ReadonlySet<string>;
  strikesEachSide: number;
  expiriesPerSymbol: number;
}

/** Problems of a valid scenario against the simulator's set-up (an unknown symbol, a strike outside the window…); empty when it fits. */
export function scenarioProblems(scenario: Scenario, limits: ScenarioLimits): string[] {
  const problems: string[] = [];
  scenario.events.forEach((event, i) => {
    for (const symbol of event.symbols ?? []) {
      if (!limits.knownSymbols.has(symbol)) problems.push(`events[${i}].symbols: unknown symbol ${symbol}; known: ${[...limits.knownSymbols].join(', ')}`);
    }
    if (event.kind === 'writing' || event.kind === 'unwinding') {
      if (Math.abs(event.strikeOffset) > limits.strikesEachSide) {
        problems.push(`events[${i}].strikeOffset: ${event.strikeOffset} is outside the simulated window of ±${limits.strikesEachSide} strikes (SIM_STRIKES_EACH_SIDE)`);
      }
      if (event.expiryIndex >= limits.expiriesPerSymbol) {
        problems.push(`events[${i}].expiryIndex: ${event.expiryIndex} needs at least ${event.expiryIndex + 1} expiries per symbol (EXPIRIES_PER_SYMBOL=${limits.expiriesPerSymbol})`);
      }
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------
// Active effects at a simulated minute
// ---------------------------------------------------------------------------

/** 0 outside the event's window, else its ramp envelope in (0, 1]. */
export function eventIntensity(event: ScenarioEvent, minute: number): number {
  const sinceStart = minute - event.atMinute;
  const untilEnd = event.atMinute + event.forMinutes - minute;
  if (sinceStart < 0 || untilEnd <= 0) return 0;
  if (event.rampMinutes === 0) return 1;
  return Math.min(1, sinceStart / event.rampMinutes, untilEnd / event.rampMinutes);
}

/** An OI flow active now: which side and strike, and how fast (signed: + writing, − unwinding). */
export interface ActiveOiFlow {
  /** Index of the event in the scenario (identifies it across ticks). */
  event: number;
  side: 'call' | 'put';
  strikeOffset: number;
  expiryIndex: number;
  /** Contracts per simulated minute at the current intensity; negative for unwinding. */
  contractsPerMinute: number;
}

/** Everything the scenario does to one underlying at one minute, composed over its active events. */
export interface UnderlyingEffects {
  /** Spot drift, percent per minute (summed over trends). */
  driftPctPerMinute: number;
  /** Added to ATM implied volatility, vol points (summed). */
  ivPoints: number;
  /** Multiplies the realized volatility of spot (multiplied together). */
  realizedVolMultiplier: number;
  /** Multiplies bid-ask spreads, ≥ 1 (multiplied together). */
  spreadMultiplier: number;
  /** Multiplies quoted depth, in (0, 1] (multiplied together). */
  depthMultiplier: number;
  /** Outer share of the strike window quoted on the ask only, 0–1 (the largest). */
  oneSidedShare: number;
  oiFlows: ActiveOiFlow[];
}

/** The effects of no scenario: applying them leaves the random walk exactly as it is. */
export const NO_EFFECTS: Readonly<UnderlyingEffects> = Object.freeze({
  driftPctPerMinute: 0,
  ivPoints: 0,
  realizedVolMultiplier: 1,
  spreadMultiplier: 1,
  depthMultiplier: 1,
  oneSidedShare: 0,
  oiFlows: Object.freeze([]) as unknown as ActiveOiFlow[],
});

/** The effects on `symbol` at `minute` (simulated minutes from the scenario's anchor). */
export function effectsAt(scenario: Scenario, symbol: string, minute: number): UnderlyingEffects {
  let effects: UnderlyingEffects | undefined;
  scenario.events.forEach((event, i) => {
    if (event.kind === 'vixDivergence') return;
    if (event.symbols !== undefined && !event.symbols.includes(symbol)) return;
    const intensity = eventIntensity(event, minute);
    if (intensity === 0) return;
    effects ??= { ...NO_EFFECTS, oiFlows: [] };
    switch (event.kind) {
      case 'trend':
        effects.driftPctPerMinute += event.driftPctPerMinute * intensity;
        break;
      case 'volSpike':
        effects.ivPoints += event.ivPoints * intensity;
        effects.realizedVolMultiplier *= 1 + (event.realizedVolMultiplier - 1) * intensity;
        break;
      case 'liquidityCrunch':
        effects.spreadMultiplier *= 1 + (event.spreadMultiplier - 1) * intensity;
        effects.depthMultiplier *= 1 + (event.depthMultiplier - 1) * intensity;
        effects.oneSidedShare = Math.max(effects.oneSidedShare, event.oneSidedShare * intensity);
        break;
      case 'writing':
      case 'unwinding':
        effects.oiFlows.push({
          event: i,
          side: event.side,
          strikeOffset: event.strikeOffset,
          expiryIndex: event.expiryIndex,
          contractsPerMinute: (event.kind === 'writing' ? 1 : -1) * event.contractsPerMinute * intensity,
        });
        break;
    }
  });
  return effects ?? NO_EFFECTS;
}

/** Points added to India VIX at `minute` (summed over vixDivergence events). */
export function vixPointsAt(scenario: Scenario, minute: number): number {
  let points = 0;
  for (const event of scenario.events) if (event.kind === 'vixDivergence') points += event.vixPoints * eventIntensity(event, minute);
  return points;
}
