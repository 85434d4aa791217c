/**
 * The margin estimate (core/strategy/margin.ts) on the strategy bench's
 * position: 10 legs over 3 expiries (options both ways and a future), in
 * microseconds per estimate. The strategy builder's goal is a whole
 * 10-leg, 3-expiry evaluation in under 2 ms, so the estimate must be a small
 * part of it.
 */
import { NSE_INDEX_MARGIN_PARAMETERS, estimateMargin, type MarginMarket, type MarginPosition } from '../core/strategy/margin.ts';
import type { StrategyLeg } from '../core/strategy/legs.ts';
import { time } from './analytics.ts';

export interface MarginBenchRow {
  position: string;
  legs: number;
  expiries: number;
  microsecondsPerEstimate: number;
  totalRupees: number;
}

const MONTHS = [
  { expiry: '2026-12-29', tYears: 22 / 365, forward: 24_040 },
  { expiry: '2027-01-26', tYears: 50 / 365, forward: 24_120 },
  { expiry: '2027-02-23', tYears: 78 / 365, forward: 24_200 },
];

/** 10 legs over 3 expiries: an iron condor in the near month, a call calendar and a put diagonal, a short strangle far out, a hedging future. */
export function tenLegPosition(): MarginPosition[] {
  const legs: [StrategyLeg['action'], 'CALL' | 'PUT' | 'FUTURE', number, number, number][] = [
    ['BUY', 'PUT', 23_300, 0, 1],
    ['SELL', 'PUT', 23_600, 0, 1],
    ['SELL', 'CALL', 24_400, 0, 1],
    ['BUY', 'CALL', 24_700, 0, 1],
    ['SELL', 'CALL', 24_200, 0, 2],
    ['BUY', 'CALL', 24_200, 1, 2],
    ['BUY', 'PUT', 23_800, 1, 1],
    ['SELL', 'PUT', 23_000, 2, 1],
    ['SELL', 'CALL', 25_500, 2, 1],
    ['BUY', 'FUTURE', 0, 2, 1],
  ];
  return legs.map(([action, right, strike, m, lots], i) => {
    const month = MONTHS[m];
    const leg: StrategyLeg =
      right === 'FUTURE' ? { instrument: 'FUTURE', expiry: month.expiry, action, lots } : { instrument: 'OPTION', right, strike, expiry: month.expiry, action, lots };
    return { leg, lotSize: 65, tYears: month.tYears, forward: month.forward, iv: 0.12 + 0.004 * i };
  });
}

export function runMarginBench(): MarginBenchRow[] {
  const market: MarginMarket = { spot: 24_000, rate: 0.065, annualVol: 0.13 };
  const params = { ...NSE_INDEX_MARGIN_PARAMETERS };
  const cases = [
    { position: 'short call (1 leg)', positions: tenLegPosition().slice(2, 3) },
    { position: 'iron condor (4 legs, 1 expiry)', positions: tenLegPosition().slice(0, 4) },
    { position: 'strategy bench (10 legs, 3 expiries)', positions: tenLegPosition() },
  ];
  return cases.map(({ position, positions }) => {
    let totalRupees = 0;
    const microsecondsPerEstimate = time(() => {
      totalRupees = estimateMargin(positions, market, params).totalRupees;
    }, 1, 2_000);
    return { position, legs: positions.length, expiries: new Set(positions.map((p) => p.leg.expiry)).size, microsecondsPerEstimate, totalRupees };
  });
}
