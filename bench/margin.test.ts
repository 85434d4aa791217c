/**
 * The margin benchmark's position is what it says (10 legs over 3 expiries,
 * options both ways and a future) and estimates to finite figures; no timing
 * is asserted: figures belong to `npm run bench`.
 */
import { describe, expect, it } from 'vitest';
import { estimateMargin, NSE_INDEX_MARGIN_PARAMETERS } from '../core/strategy/margin.ts';
import { tenLegPosition } from './margin.ts';

describe('the margin benchmark', () => {
  it('estimates a 10-leg, 3-expiry position with a hedge benefit and a calendar spread charge', () => {
    const positions = tenLegPosition();
    expect(positions).toHaveLength(10);
    expect(new Set(positions.map((p) => p.leg.expiry)).size).toBe(3);
    expect(new Set(positions.map((p) => `${p.leg.instrument}:${p.leg.action}`))).toEqual(new Set(['OPTION:BUY', 'OPTION:SELL', 'FUTURE:BUY']));
    const estimate = estimateMargin(positions, { spot: 24_000, rate: 0.065, annualVol: 0.13 }, NSE_INDEX_MARGIN_PARAMETERS);
    expect(estimate.totalRupees).toBeGreaterThan(0);
    expect(estimate.hedgeBenefitRupees).toBeGreaterThan(0);
    expect(estimate.calendarSpreadRupees).toBeGreaterThan(0);
  });
});
