import { describe, expect, it } from 'vitest';
import { breakevens, brentRoot, extremes, scanGrid, scanPnl } from './breakevens.ts';
import { option, future, market, NEAR_MS } from './testLegs.ts';
import { compileHorizon, type PricedLeg } from './pnl.ts';

function atExpiry(legs: PricedLeg[]) {
  const scan = scanGrid(20, 500, 200, legs.map((l) => l.strike));
  const kernel = compileHorizon(legs, market.rate, NEAR_MS, 0);
  const pnl = scanPnl(kernel, scan);
  return { breakevens: breakevens(kernel, scan, pnl), ...extremes(kernel, market.spot, scan, pnl) };
}

describe('breakevens and extremes at expiry, by hand on textbook positions', () => {
  it('long call 100 for 5 (lot of 75): breakeven 105, loss capped at the premium, profit unlimited', () => {
    const r = atExpiry([option('CALL', 100, 75, 5)]);
    expect(r.breakevens).toHaveLength(1);
    expect(r.breakevens[0]).toBeCloseTo(105, 8);
    expect(r.maxLoss).toBeCloseTo(-375, 8);
    expect(r.maxProfit).toBeNull();
  });

  it('bull call spread 100/110 for a debit of 4: breakeven 104, max profit 6, max loss 4 per unit', () => {
    const r = atExpiry([option('CALL', 100, 1, 6), option('CALL', 110, -1, 2)]);
    expect(r.breakevens[0]).toBeCloseTo(104, 8);
    expect(r.maxProfit).toBeCloseTo(6, 8);
    expect(r.maxLoss).toBeCloseTo(-4, 8);
    expect(r.maxLossAt).toBeLessThanOrEqual(100);
  });

  it('short straddle 100 for a credit of 10: breakevens 90 and 110, max profit 10 at the strike, loss unlimited', () => {
    const r = atExpiry([option('CALL', 100, -1, 5), option('PUT', 100, -1, 5)]);
    expect(r.breakevens.map((b) => +b.toFixed(8))).toEqual([90, 110]);
    expect(r.maxProfit).toBeCloseTo(10, 8);
    expect(r.maxProfitAt).toBe(100);
    expect(r.maxLoss).toBeNull();
  });

  it('long put 100 for 4: breakeven 96, max profit 96 at S = 0, loss the premium', () => {
    const r = atExpiry([option('PUT', 100, 1, 4)]);
    expect(r.breakevens[0]).toBeCloseTo(96, 8);
    expect(r.maxProfit).toBeCloseTo(96, 8);
    expect(r.maxProfitAt).toBe(0);
    expect(r.maxLoss).toBeCloseTo(-4, 8);
  });

  it('iron condor 90/95/105/110 for a credit of 2: breakevens 93 and 107, max profit 2, max loss 3', () => {
    const r = atExpiry([option('PUT', 90, 1, 1), option('PUT', 95, -1, 2), option('CALL', 105, -1, 2), option('CALL', 110, 1, 1)]);
    expect(r.breakevens.map((b) => +b.toFixed(8))).toEqual([93, 107]);
    expect(r.maxProfit).toBeCloseTo(2, 8);
    expect(r.maxLoss).toBeCloseTo(-3, 8);
  });

  it('covered call with a future (long future at 100, short 105 call for 2): breakeven 98, max profit 7, loss to 98 at S = 0', () => {
    const r = atExpiry([future(1, 100), option('CALL', 105, -1, 2)]);
    expect(r.breakevens[0]).toBeCloseTo(98, 8);
    expect(r.maxProfit).toBeCloseTo(7, 8);
    expect(r.maxLoss).toBeCloseTo(-98, 8);
  });

  it('a butterfly whose profit tent is narrower than the log grid still shows both breakevens (the strikes are on the scan)', () => {
    const r = atExpiry([option('CALL', 99, 1, 1.6), option('CALL', 100, -2, 1), option('CALL', 101, 1, 0.6)]);
    expect(r.breakevens.map((b) => +b.toFixed(8))).toEqual([99.2, 100.8]);
    expect(r.maxProfit).toBeCloseTo(0.8, 8);
  });
});

describe('brentRoot', () => {
  it('finds the root of a smooth function to 1e-9', () => {
    expect(brentRoot((x) => x * x - 2, 0, 2)).toBeCloseTo(Math.SQRT2, 9);
  });
});

describe('extremes of a calendar at the first expiry', () => {
  it("counts the far leg's carry tail (delta e^{−qτ} just under 1) as bounded, not an unlimited loss", () => {
    const legs = [option('CALL', 100, -1, 2.4), option('CALL', 100, 1, 3.3, { expiry: '2027-01-20', expiryMs: NEAR_MS + 28 * 86_400_000, divYield: 0.02 })];
    const r = atExpiry(legs);
    expect(r.maxLoss).not.toBeNull();
    expect(r.maxLoss!).toBeGreaterThan(-1.5);
    expect(r.breakevens).toHaveLength(2);
  });
});
