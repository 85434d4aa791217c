/**
 * The strategy builder's evaluation on one core: a 10-leg, 3-expiry NIFTY
 * strategy (an iron condor and a straddle on the front weekly, a call
 * calendar and a put diagonal into the next two, a short future on the
 * monthly) evaluated as core/strategy/evaluate.ts does for the `strategy`
 * query: P&L curves over the spot grid at the first expiry and each target
 * date, exact breakevens, max profit/loss, probabilities of profit and
 * expected P&L (lognormal and smile-implied), touch probabilities and the
 * position Greeks. Two shapes:
 * - the issue's: 500 spot points × 10 target dates (goal: under 2 ms);
 * - a live re-pricing as strategyUpdated does it by default: 201 spot points,
 *   one target (now), reported as strategies re-priced per second (goal 1,000).
 * The SVI fit of a chain is per snapshot, not per strategy, and not timed here.
 */
import { evaluateStrategy, type EvaluationInput } from '../core/strategy/evaluate.ts';
import { compileHorizon, kernelColumn, spotLogs, type PricedLeg } from '../core/strategy/pnl.ts';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 5, 0);
const SPOT = 24_000;
const LOT = 65;

function leg(index: number, instrument: 'OPTION' | 'FUTURE', sign: 1 | -1 | 0, strike: number, days: number, lots: number, entryPrice: number, iv: number): PricedLeg {
  return {
    index,
    instrument,
    optionSign: sign,
    strike,
    expiry: `+${days}d`,
    expiryMs: NOW + days * DAY_MS + 10.5 * 3_600_000,
    units: lots * LOT,
    lots: Math.abs(lots),
    lotSize: LOT,
    entryPrice,
    iv,
    ivShift: 0,
    divYield: 0.012,
  };
}

/** The benchmark's ten legs on three expiries (7, 14 and 35 days). */
export function benchLegs(): PricedLeg[] {
  return [
    leg(0, 'OPTION', -1, 23_600, 7, 1, 22, 0.15),
    leg(1, 'OPTION', -1, 23_800, 7, -1, 48, 0.14),
    leg(2, 'OPTION', 1, 24_200, 7, -1, 40, 0.125),
    leg(3, 'OPTION', 1, 24_400, 7, 1, 14, 0.125),
    leg(4, 'OPTION', 1, 24_000, 7, -2, 150, 0.13),
    leg(5, 'OPTION', -1, 24_000, 7, -2, 140, 0.13),
    leg(6, 'OPTION', 1, 24_000, 14, 2, 230, 0.132),
    leg(7, 'OPTION', -1, 23_900, 14, 1, 170, 0.136),
    leg(8, 'OPTION', -1, 23_700, 35, 1, 260, 0.145),
    leg(9, 'FUTURE', 0, NaN, 35, -1, 24_120, NaN),
  ];
}

function input(points: number, targets: number): EvaluationInput {
  const spots = Float64Array.from({ length: points }, (_, i) => SPOT * (0.85 + (0.3 * i) / (points - 1)));
  return {
    legs: benchLegs(),
    market: { spot: SPOT, rate: 0.065, nowMs: NOW },
    spots,
    targets: Array.from({ length: targets }, (_, i) => NOW + ((i + (targets === 1 ? 0 : 1)) * 6 * DAY_MS) / targets),
    ivShift: 0,
    atmIv: 0.13,
    divYield: 0.012,
    smile: { forward: SPOT * Math.exp(0.053 * (7 / 365)), tYears: 7 / 365, rate: 0.065, svi: { a: 0.0001, b: 0.0045, rho: -0.4, m: 0.002, sigma: 0.03 } },
  };
}

/**
 * CPU milliseconds per run (this process's user + system time, so that other
 * processes on a loaded machine count less than in wall time), over at least
 * `minMs` of it after a warm-up.
 */
function timeIt(run: () => void, minMs = 1_500): number {
  for (let i = 0; i < 20; i++) run();
  let iterations = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < minMs) {
    run();
    iterations++;
    if (iterations % 10 === 0) {
      const used = process.cpuUsage(start);
      elapsed = (used.user + used.system) / 1000;
    }
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / iterations;
}

export interface StrategyBenchRow {
  shape: string;
  spotPoints: number;
  targets: number;
  /** CPU ms per full evaluation. */
  msPerEvaluation: number;
  evaluationsPerSecond: number;
  /** ms for the curves alone (P&L at every spot and horizon), the rest being breakevens, probabilities and Greeks. */
  msCurvesOnly: number;
}

export function runStrategyBench(): StrategyBenchRow[] {
  const shapes: [string, number, number][] = [
    ["issue's shape: 10 legs, 3 expiries", 500, 10],
    ['live re-pricing (strategyUpdated defaults)', 201, 1],
  ];
  return shapes.map(([shape, points, targets]) => {
    const evaluation = input(points, targets);
    const ms = timeIt(() => evaluateStrategy(evaluation));
    const out = new Float64Array(points);
    const horizons = [Math.min(...evaluation.legs.map((l) => l.expiryMs)), ...evaluation.targets];
    // As evaluateStrategy makes them: the spots' logs once, the legs compiled per horizon.
    const curvesOnly = timeIt(() => {
      const logs = spotLogs(evaluation.spots);
      for (const atMs of horizons) kernelColumn(compileHorizon(evaluation.legs, evaluation.market.rate, atMs, 0), evaluation.spots, logs, out);
    }, 500);
    return { shape, spotPoints: points, targets, msPerEvaluation: ms, evaluationsPerSecond: 1000 / ms, msCurvesOnly: curvesOnly };
  });
}
