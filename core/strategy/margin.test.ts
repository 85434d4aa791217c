/**
 * The margin estimate (core/strategy/margin.ts). Hand checks rebuild the 16
 * scenarios here from the published parameters, not from the module's table,
 * and price them with the scalar Black-76 (tested on its own in
 * core/pricing/black.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { optionPrice } from '../pricing/black.ts';
import type { StrategyLeg } from './legs.ts';
import { MarginInputError, NSE_INDEX_MARGIN_PARAMETERS, estimateMargin, priceScanPct, volScanPoints, type MarginMarket, type MarginPosition } from './margin.ts';

const params = { ...NSE_INDEX_MARGIN_PARAMETERS };
const LOT = 65;
const NEAR = { expiry: '2026-12-29', tYears: 22 / 365, forward: 24_040 };
const FAR = { expiry: '2027-01-26', tYears: 50 / 365, forward: 24_120 };
const market: MarginMarket = { spot: 24_000, rate: 0.065, annualVol: 0.13 };

function option(action: 'BUY' | 'SELL', right: 'CALL' | 'PUT', strike: number, { lots = 1, iv = 0.13, month = NEAR, entryPrice }: { lots?: number; iv?: number; month?: typeof NEAR; entryPrice?: number } = {}): MarginPosition {
  const leg: StrategyLeg = { instrument: 'OPTION', right, strike, expiry: month.expiry, action, lots, ...(entryPrice === undefined ? {} : { entryPrice }) };
  return { leg, lotSize: LOT, tYears: month.tYears, forward: month.forward, iv };
}

function future(action: 'BUY' | 'SELL', { lots = 1, month = NEAR } = {}): MarginPosition {
  return { leg: { instrument: 'FUTURE', expiry: month.expiry, action, lots }, lotSize: LOT, tYears: month.tYears, forward: month.forward, iv: 0 };
}

/** The 16 SPAN scenarios as NSE states them: [fraction of the scan range, vol move, weight]. */
const HAND_SCENARIOS: [number, number, number][] = [
  [0, 1, 1], [0, -1, 1],
  [1 / 3, 1, 1], [1 / 3, -1, 1], [-1 / 3, 1, 1], [-1 / 3, -1, 1],
  [2 / 3, 1, 1], [2 / 3, -1, 1], [-2 / 3, 1, 1], [-2 / 3, -1, 1],
  [1, 1, 1], [1, -1, 1], [-1, 1, 1], [-1, -1, 1],
  [2, 0, 0.35], [-2, 0, 0.35],
];

/** One short option's scenario losses by hand: 9.3 % scan, ±4 vol points. */
function handShortOptionLosses(right: 'call' | 'put', strike: number, iv: number, units: number): number[] {
  const base = { model: 'black76' as const, strike, tYears: NEAR.tYears, rate: market.rate, type: right };
  const now = optionPrice({ ...base, underlying: NEAR.forward, vol: iv });
  return HAND_SCENARIOS.map(([fraction, volMove, weight]) => {
    const moved = optionPrice({ ...base, underlying: NEAR.forward * (1 + fraction * 0.093), vol: iv + volMove * 0.04 });
    return units * (moved - now) * weight;
  });
}

describe('the margin estimate', () => {
  it('uses the published floors while the volatility is low, and 6σ√2 of the daily volatility above them', () => {
    expect(priceScanPct(params, 0.13, 0.1, true)).toBe(9.3);
    expect(priceScanPct(params, 0.13, 1, true)).toBe(17.7);
    expect(priceScanPct(params, 0.13, 1, false)).toBe(9.3);
    expect(priceScanPct(params, 0.3, 0.1, true)).toBeCloseTo(6 * Math.SQRT2 * (30 / Math.sqrt(252)), 10);
    expect(volScanPoints(params, 0.13)).toBe(4);
    expect(volScanPoints(params, 0.4)).toBeCloseTo(10, 10);
  });

  it('margins a short call by hand: the worst of the 16 scenarios is the full move up with volatility up, plus 2 % exposure', () => {
    const estimate = estimateMargin([option('SELL', 'CALL', 24_000)], market, params);
    const losses = handShortOptionLosses('call', 24_000, 0.13, LOT);
    const worst = Math.max(...losses);
    expect(losses.indexOf(worst) + 1).toBe(11);
    expect(estimate.worstScenario?.number).toBe(11);
    expect(estimate.scenarios.map((s) => s.lossRupees)).toEqual(losses.map((l) => expect.closeTo(l, 6)));
    expect(estimate.scanRiskRupees).toBeCloseTo(worst, 6);
    expect(estimate.exposureRupees).toBeCloseTo(0.02 * LOT * 24_000, 6);
    expect(estimate.shortOptionMinimumRupees).toBeCloseTo(0.03 * LOT * 24_000, 6);
    expect(estimate.spanRupees).toBeCloseTo(worst, 6);
    expect(estimate.premiumRupees).toBe(0);
    expect(estimate.totalRupees).toBeCloseTo(worst + 31_200, 6);
    expect(estimate.isEstimate).toBe(true);
    expect(estimate.hedgeBenefitRupees).toBe(0);
    // A 9.3 % rise takes the 24,040 forward 2,236 points up: the call is then worth at least its discounted
    // intrinsic value, ≈ 2,276, and the seller loses that less the premium received, on 65 units.
    const premium = estimate.legs[0].priceRupees;
    expect(estimate.scanRiskRupees).toBeGreaterThan(LOT * (2_276 * Math.exp(-market.rate * NEAR.tYears) - premium));
    expect(estimate.scanRiskRupees).toBeLessThan(LOT * (2_276 + 50 - premium));
  });

  it('margins a short put by hand: its worst scenario is the full move down with volatility up', () => {
    const estimate = estimateMargin([option('SELL', 'PUT', 23_900, { lots: 2, iv: 0.14 })], market, params);
    const losses = handShortOptionLosses('put', 23_900, 0.14, 2 * LOT);
    expect(estimate.worstScenario?.number).toBe(13);
    expect(estimate.scanRiskRupees).toBeCloseTo(Math.max(...losses), 6);
    expect(estimate.exposureRupees).toBeCloseTo(0.02 * 2 * LOT * 24_000, 6);
  });

  it('margins a futures leg as the full scan-range move against it: 9.3 % of its value, plus 2 % exposure', () => {
    const short = estimateMargin([future('SELL')], market, params);
    expect(short.scanRiskRupees).toBeCloseTo(LOT * NEAR.forward * 0.093, 6);
    expect(short.worstScenario?.number).toBe(11);
    expect(short.exposureRupees).toBeCloseTo(LOT * 24_000 * 0.02, 6);
    expect(short.shortOptionMinimumRupees).toBe(0);
    expect(short.totalRupees).toBeCloseTo(LOT * NEAR.forward * 0.093 + LOT * 24_000 * 0.02, 6);
    const long = estimateMargin([future('BUY')], market, params);
    expect(long.worstScenario?.number).toBe(13);
    expect(long.totalRupees).toBeCloseTo(short.totalRupees, 6);
  });

  it('needs less for a bull call spread than for its naked short leg: the hedge benefit is positive', () => {
    const spread = estimateMargin([option('BUY', 'CALL', 24_000), option('SELL', 'CALL', 24_200)], market, params);
    const nakedShort = estimateMargin([option('SELL', 'CALL', 24_200)], market, params);
    expect(spread.totalRupees).toBeLessThan(nakedShort.totalRupees);
    expect(spread.hedgeBenefitRupees).toBeGreaterThan(0);
    expect(spread.hedgeBenefitRupees).toBeCloseTo(spread.legs[0].totalRupees + spread.legs[1].totalRupees - spread.totalRupees, 6);
    expect(spread.legs[1].totalRupees).toBeCloseTo(nakedShort.totalRupees, 6);
    // A debit spread cannot lose more than what was paid for it: its scan risk is at most the spread's value now.
    expect(spread.scanRiskRupees).toBeLessThanOrEqual(LOT * (spread.legs[0].priceRupees - spread.legs[1].priceRupees) + 1e-6);
    expect(spread.premiumRupees).toBeCloseTo(LOT * spread.legs[0].priceRupees, 6);
  });

  it('needs less for an iron condor than for the two legs of its short strangle apart', () => {
    const shortPut = option('SELL', 'PUT', 23_600);
    const shortCall = option('SELL', 'CALL', 24_400);
    const condor = estimateMargin([option('BUY', 'PUT', 23_300), shortPut, shortCall, option('BUY', 'CALL', 24_700)], market, params);
    const strangleLegs = estimateMargin([shortPut], market, params).totalRupees + estimateMargin([shortCall], market, params).totalRupees;
    expect(condor.totalRupees).toBeLessThan(strangleLegs);
    expect(condor.hedgeBenefitRupees).toBeGreaterThan(0);
    // The strangle together already gains: one side's loss is the other's profit.
    const strangle = estimateMargin([shortPut, shortCall], market, params);
    expect(strangle.totalRupees).toBeLessThan(strangleLegs);
    expect(condor.totalRupees).toBeLessThan(strangle.totalRupees);
  });

  it('charges long options their premium only: no SPAN, no exposure, no scenarios', () => {
    const legs = [option('BUY', 'CALL', 24_100), option('BUY', 'PUT', 23_800, { lots: 3, entryPrice: 150 })];
    const estimate = estimateMargin(legs, market, params);
    const callPrice = optionPrice({ model: 'black76', underlying: NEAR.forward, strike: 24_100, tYears: NEAR.tYears, vol: 0.13, rate: market.rate, type: 'call' });
    expect(estimate.spanRupees).toBe(0);
    expect(estimate.scanRiskRupees).toBe(0);
    expect(estimate.exposureRupees).toBe(0);
    expect(estimate.worstScenario).toBeNull();
    expect(estimate.scenarios).toEqual([]);
    expect(estimate.premiumRupees).toBeCloseTo(LOT * callPrice + 3 * LOT * 150, 6);
    expect(estimate.totalRupees).toBe(estimate.premiumRupees);
    expect(estimate.hedgeBenefitRupees).toBeCloseTo(0, 6);
  });

  it('floors a far out-of-the-money short option at the short option minimum, 3 % of its notional', () => {
    const estimate = estimateMargin([option('SELL', 'CALL', 27_500)], market, params);
    expect(estimate.scanRiskRupees).toBeLessThan(estimate.shortOptionMinimumRupees);
    expect(estimate.spanRupees).toBeCloseTo(0.03 * LOT * 24_000, 6);
  });

  it('is linear in the lots: a single leg scales exactly, a whole position twice as large needs twice as much', () => {
    const one = estimateMargin([option('SELL', 'PUT', 23_800)], market, params).totalRupees;
    for (const lots of [2, 3, 7, 40]) expect(estimateMargin([option('SELL', 'PUT', 23_800, { lots })], market, params).totalRupees).toBeCloseTo(lots * one, 4);
    const position = (k: number) => [
      option('SELL', 'CALL', 24_200, { lots: 2 * k }),
      option('BUY', 'CALL', 24_500, { lots: k }),
      option('SELL', 'PUT', 23_700, { lots: k, month: FAR }),
      future('BUY', { lots: k, month: FAR }),
    ];
    let previous = 0;
    for (const k of [1, 2, 3, 4]) {
      const estimate = estimateMargin(position(k), market, params);
      expect(estimate.totalRupees).toBeGreaterThanOrEqual(previous);
      previous = estimate.totalRupees;
    }
    const single = estimateMargin(position(1), market, params);
    const double = estimateMargin(position(2), market, params);
    for (const key of ['scanRiskRupees', 'calendarSpreadRupees', 'spanRupees', 'exposureRupees', 'premiumRupees', 'totalRupees', 'hedgeBenefitRupees'] as const) {
      expect(double[key]).toBeCloseTo(2 * single[key], 4);
    }
  });

  it('adds a calendar spread charge of 1.75 % of the far month on the delta that offsets across expiries', () => {
    const calendar = estimateMargin([future('SELL'), future('BUY', { month: FAR })], market, params);
    expect(calendar.calendarSpreadRupees).toBeCloseTo(0.0175 * LOT * FAR.forward, 6);
    // Both months move by the same fraction: the scan risk is the difference of the forwards' moves only,
    // worst on the full move down (the long far month is the dearer one).
    expect(calendar.scanRiskRupees).toBeCloseTo(LOT * (FAR.forward - NEAR.forward) * 0.093, 6);
    expect(calendar.worstScenario?.number).toBe(13);
    expect(calendar.spanRupees).toBeCloseTo(calendar.scanRiskRupees + calendar.calendarSpreadRupees, 6);
    expect(calendar.totalRupees).toBeLessThan(estimateMargin([future('SELL')], market, params).totalRupees);
    // One expiry, or deltas that do not offset, carry no charge.
    expect(estimateMargin([future('SELL'), future('SELL', { month: FAR })], market, params).calendarSpreadRupees).toBe(0);
    expect(estimateMargin([option('SELL', 'CALL', 24_000), future('BUY')], market, params).calendarSpreadRupees).toBe(0);
    // An option calendar: the charge is on the offsetting delta, in units.
    const options = estimateMargin([option('SELL', 'CALL', 24_000), option('BUY', 'CALL', 24_000, { month: FAR })], market, params);
    const offset = Math.min(-options.legs[0].deltaUnits, options.legs[1].deltaUnits);
    expect(options.calendarSpreadRupees).toBeCloseTo(0.0175 * offset * FAR.forward, 6);
  });

  it('uses the long-dated floor of 17.7 % for an option more than 9 months out', () => {
    const longDated = { expiry: '2027-12-28', tYears: 1.05, forward: 25_700 };
    const estimate = estimateMargin([option('SELL', 'PUT', 24_000, { month: longDated })], market, params);
    expect(estimate.legs[0].priceScanPct).toBe(17.7);
  });

  it('takes its parameters from the caller: a wider scan range needs more', () => {
    const legs = [option('SELL', 'CALL', 24_000)];
    const wider = estimateMargin(legs, market, { ...params, priceScanMinPct: 12, exposurePct: 3 });
    const base = estimateMargin(legs, market, params);
    expect(wider.spanRupees).toBeGreaterThan(base.spanRupees);
    expect(wider.exposureRupees).toBeCloseTo(1.5 * base.exposureRupees, 6);
    expect(wider.parameters.priceScanMinPct).toBe(12);
  });

  it('names the leg and field of bad input', () => {
    expect(() => estimateMargin([], market, params)).toThrow(MarginInputError);
    const zeroLots = option('SELL', 'CALL', 24_000, { lots: 0 });
    try {
      estimateMargin([option('BUY', 'CALL', 24_000), zeroLots], market, params);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MarginInputError);
      expect([(error as MarginInputError).leg, (error as MarginInputError).field]).toEqual([1, 'lots']);
      expect((error as Error).message).toMatch(/leg 2: lots must be a positive integer, got 0/);
    }
    expect(() => estimateMargin([option('SELL', 'CALL', 24_000, { iv: 13 })], market, params)).toThrow(/leg 1: IV must be a decimal/);
    expect(() => estimateMargin([option('SELL', 'CALL', 24_000)], { ...market, annualVol: 0 }, params)).toThrow(/annualVol must be a positive number/);
  });
});
