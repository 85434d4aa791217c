import { describe, expect, it } from 'vitest';
import { marketVersusTheoreticalVolPoints, sessionIvPercentile, sessionVersusModel } from './optionCell.ts';
import type { ChainHistoryPoint } from '../db/queries/chainHistory.ts';
import type { EnrichedQuote } from '../core/models.ts';
import type { StrikeHistoryPoint } from '../db/queries/strikeHistory.ts';

const quote = (fields: Partial<EnrichedQuote>): EnrichedQuote => ({ ltp: null, bid: null, ask: null, vega: null, theoreticalPrice: null, oi: null, oiChange: null, ...fields }) as EnrichedQuote;

describe('marketVersusTheoreticalVolPoints', () => {
  it('prices the mid of a two-sided quote against the theoretical price in vol points (difference over vega)', () => {
    expect(marketVersusTheoreticalVolPoints(quote({ bid: 99, ask: 101, ltp: 150, theoreticalPrice: 98, vega: 4 }))).toBe(0.5);
  });

  it('falls back to the last trade without a two-sided quote, and answers null without a price, a theoretical price or a positive vega', () => {
    expect(marketVersusTheoreticalVolPoints(quote({ bid: 99, ltp: 96, theoreticalPrice: 98, vega: 4 }))).toBe(-0.5);
    expect(marketVersusTheoreticalVolPoints(quote({ bid: 102, ask: 101, ltp: 96, theoreticalPrice: 98, vega: 4 }))).toBe(-0.5);
    expect(marketVersusTheoreticalVolPoints(quote({ theoreticalPrice: 98, vega: 4 }))).toBeNull();
    expect(marketVersusTheoreticalVolPoints(quote({ ltp: 96, vega: 4 }))).toBeNull();
    expect(marketVersusTheoreticalVolPoints(quote({ ltp: 96, theoreticalPrice: 98, vega: 0 }))).toBeNull();
  });
});

describe('sessionIvPercentile', () => {
  const point = (ivLast: number | null) => ({ ivLast }) as StrikeHistoryPoint;
  it('is the share of buckets whose last IV is below the IV now, 0–100, ignoring buckets without one', () => {
    expect(sessionIvPercentile(0.15, [point(0.1), point(0.2), point(null), point(0.15), point(0.12)])).toBe(50);
    expect(sessionIvPercentile(0.3, [point(0.1)])).toBe(100);
    expect(sessionIvPercentile(null, [point(0.1)])).toBeNull();
    expect(sessionIvPercentile(0.1, [point(null)])).toBeNull();
  });
});

describe('sessionVersusModel', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 4, minutes));
  const own = (minutes: number, ivLast: number | null, vegaLast: number | null, priceClose = 100) => ({ bucket: at(minutes), ivLast, vegaLast, priceClose }) as StrikeHistoryPoint;
  const chain = (minutes: number, atmIv: number | null) => ({ bucket: at(minutes), atmIv }) as ChainHistoryPoint;

  it('is the IV over the ATM IV of the same bucket in vol points, and in index points and rupees per lot through the vega', () => {
    const points = sessionVersusModel([own(0, 0.16, 10), own(5, 0.13, null)], [chain(0, 0.15), chain(5, 0.14)], 75);
    expect(points).toHaveLength(2);
    expect(points[0].volPoints).toBeCloseTo(1, 12);
    expect(points[0].pricePoints).toBeCloseTo(10, 12);
    expect(points[0].rupeesPerLot).toBeCloseTo(750, 9);
    expect(points[0].marketPrice).toBe(100);
    expect(points[1].volPoints).toBeCloseTo(-1, 12);
    expect([points[1].pricePoints, points[1].rupeesPerLot]).toEqual([null, null]);
  });

  it('leaves out a bucket without an IV on either side or absent from the chain', () => {
    expect(sessionVersusModel([own(0, null, 10), own(5, 0.13, 10), own(10, 0.12, 10)], [chain(0, 0.15), chain(5, null)], 75)).toEqual([]);
  });
});
