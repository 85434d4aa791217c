/**
 * Each rule is tripped by one corrupted row of an otherwise clean chain
 * (priced with black.ts on a smooth smile), and its neighbour, left alone,
 * must stay clean; the counts are checked against the corruptions made.
 */
import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { optionGreeks } from '../pricing/black.ts';
import {
  QUALITY_REASON_NAMES,
  QualityReason,
  checkChain,
  hasMissingField,
  hasNonPositivePrice,
  isBelowIntrinsic,
  isCrossedQuote,
  isStaleQuote,
  reasonName,
  robustZScore,
} from './quality.ts';

const F = 24_000;
const T = 14 / 365;
const R = 0.065;
const NOW = Date.UTC(2026, 0, 20, 6, 0, 0);

/** Strikes 22 000–26 000 step 100, both sides priced by Black-76 on a smooth smile, bid/ask ±0.5 % around the price. */
function cleanChain(): ChainSnapshot {
  const strikes: number[] = [];
  for (let k = 22_000; k <= 26_000; k += 100) strikes.push(k);
  const c = testChain(strikes, { expiry: '2026-02-03', timestamp: NOW, spot: F * Math.exp(-R * T), future: F, tYears: T, rate: R });
  strikes.forEach((k, i) => {
    const x = Math.log(k / F);
    const vol = 0.13 - 0.2 * x + 2 * x * x;
    for (const [side, type] of [[c.call, 'call'], [c.put, 'put']] as const) {
      const price = optionGreeks({ model: 'black76', underlying: F, strike: k, tYears: T, vol, rate: R, type }).price;
      side.ltp[i] = price;
      side.bid[i] = price * 0.995;
      side.ask[i] = price * 1.005;
      side.oi[i] = 1000 + i;
      side.iv[i] = vol;
    }
  });
  return c;
}

const indexOf = (c: ChainSnapshot, strike: number) => c.strikes.indexOf(strike);

/** Sets one side's quote: the LTP, and bid/ask (NaN for "no quote"). */
function quote(side: ChainSnapshot['call'], i: number, ltp: number, bid = NaN, ask = NaN): void {
  side.ltp[i] = ltp;
  side.bid[i] = bid;
  side.ask[i] = ask;
}

describe('row rules', () => {
  it('flag missing fields only when a value is not a finite number (0 OI is real)', () => {
    expect(hasMissingField(24_000, NaN, 10)).toBe(true);
    expect(hasMissingField(NaN, 5, 10)).toBe(true);
    expect(hasMissingField(24_000, 5, Infinity)).toBe(true);
    expect(hasMissingField(24_000, 5, 0)).toBe(false);
  });

  it('flag non-positive prices but accept a zero bid or ask as "no quote"', () => {
    expect(hasNonPositivePrice(24_000, 0, 1, 2)).toBe(true);
    expect(hasNonPositivePrice(0, 5, 1, 2)).toBe(true);
    expect(hasNonPositivePrice(24_000, 5, -1, 2)).toBe(true);
    expect(hasNonPositivePrice(24_000, 5, 0, 0)).toBe(false);
  });

  it('flag a crossed quote only when both sides are quoted', () => {
    expect(isCrossedQuote(10, 9.5)).toBe(true);
    expect(isCrossedQuote(10, 0)).toBe(false);
    expect(isCrossedQuote(9.5, 10)).toBe(false);
    expect(isCrossedQuote(10, 10)).toBe(false);
  });

  it('flag a price below the discounted intrinsic by more than the tolerance (hand example)', () => {
    // Call K = 100, F = 110, discount 0.99: floor 9.9, tolerance max(0.05, 0.5 % × 9.9) = 0.0495 → 0.05.
    expect(isBelowIntrinsic(9.84, 100, 110, 0.99, 1, 0.05, 0.005)).toBe(true);
    expect(isBelowIntrinsic(9.86, 100, 110, 0.99, 1, 0.05, 0.005)).toBe(false);
    // The same strike as a put is out of the money: any positive price passes.
    expect(isBelowIntrinsic(0.05, 100, 110, 0.99, -1, 0.05, 0.005)).toBe(false);
    // Deep ITM put K = 2000, F = 1000: floor 990, relative tolerance 4.95 dominates.
    expect(isBelowIntrinsic(985.1, 2000, 1000, 0.99, -1, 0.05, 0.005)).toBe(false);
    expect(isBelowIntrinsic(985.0, 2000, 1000, 0.99, -1, 0.05, 0.005)).toBe(true);
    expect(isBelowIntrinsic(1, 100, NaN, 0.99, 1, 0.05, 0.005)).toBe(false);
  });

  it('flag a stale quote only when its age exceeds the limit and both times are known', () => {
    expect(isStaleQuote(NOW - 61_000, NOW, 60_000)).toBe(true);
    expect(isStaleQuote(NOW - 60_000, NOW, 60_000)).toBe(false);
    expect(isStaleQuote(NaN, NOW, 60_000)).toBe(false);
  });

  it('compute the robust z-score as |x − median| / (1.4826·MAD) (hand example)', () => {
    // Sample 1, 2, 3, 4, 100: median 3, deviations 2, 1, 0, 1, 97 → MAD 1.
    const sample = Float64Array.from([100, 1, 4, 2, 3]);
    const work = new Float64Array(5);
    expect(robustZScore(10, sample, 5, work)).toBeCloseTo(7 / 1.4826, 12);
    // MAD = 0: the floor sets the scale, and without a floor any difference is infinite.
    expect(robustZScore(0.25, Float64Array.from([0.2, 0.2, 0.2]), 3, work, 0.01)).toBeCloseTo(5, 12);
    expect(robustZScore(0.25, Float64Array.from([0.2, 0.2, 0.2]), 3, work)).toBe(Infinity);
    expect(robustZScore(0.2, Float64Array.from([0.2, 0.2, 0.2]), 3, work)).toBe(0);
    expect(robustZScore(1, new Float64Array(0), 0, work)).toBeNaN();
  });

  it('name their codes', () => {
    expect(reasonName(QualityReason.iv_outlier)).toBe('iv_outlier');
    expect(reasonName(0)).toBe('ok');
    for (const name of QUALITY_REASON_NAMES) expect(reasonName(QualityReason[name])).toBe(name);
  });
});

describe('checkChain', () => {
  it('passes a clean chain without a single flag', () => {
    const report = checkChain(cleanChain());
    expect(report.flaggedRows).toBe(0);
    expect(report.checkedRows).toBe(82);
    expect(Object.values(report.counts)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('flags each corrupted row with its reason, leaves the neighbours clean, and counts them', () => {
    const c = cleanChain();
    const i = (k: number) => indexOf(c, k);
    c.call.oi[i(22_500)] = NaN; // missing_field
    quote(c.put, i(22_300), 0); // non_positive_price: no quote, and an LTP of 0
    c.call.bid[i(24_000)] = c.call.ask[i(24_000)] + 1; // crossed_quote
    quote(c.call, i(23_000), 1001, 899, 901); // below_intrinsic: mid 900, floor ≈ 1000·e^{−rT} ≈ 997.5
    quote(c.put, i(25_500), 1400); // below_intrinsic: no quote, LTP 1400, floor ≈ 1496
    c.put.iv[i(23_500)] = 0.3; // iv_outlier among ≈ 0.135
    const callTimes = new Float64Array(c.strikes.length).fill(NOW - 1_000);
    callTimes[i(25_000)] = NOW - 5 * 60_000; // stale_quote
    callTimes[i(25_100)] = NaN; // unknown, not stale

    const report = checkChain(c, { quoteTimes: { call: callTimes } });
    const { call, put } = report.flags;
    expect(call[i(22_500)]).toBe(QualityReason.missing_field);
    expect(put[i(22_300)]).toBe(QualityReason.non_positive_price);
    expect(call[i(24_000)]).toBe(QualityReason.crossed_quote);
    expect(call[i(23_000)]).toBe(QualityReason.below_intrinsic);
    expect(put[i(25_500)]).toBe(QualityReason.below_intrinsic);
    expect(call[i(25_000)]).toBe(QualityReason.stale_quote);
    expect(put[i(23_500)]).toBe(QualityReason.iv_outlier);
    // Neighbours, and the other side of each corrupted strike, stay clean.
    for (const k of [22_400, 22_600, 22_200, 22_900, 23_100, 23_400, 23_600, 23_900, 24_100, 24_900, 25_100, 25_400, 25_600]) {
      expect([call[i(k)], put[i(k)]]).toEqual([0, 0]);
    }
    expect([put[i(22_500)], call[i(22_300)], put[i(24_000)], put[i(25_000)], call[i(23_500)]]).toEqual([0, 0, 0, 0, 0]);
    expect(report.counts).toEqual({
      missing_field: 1,
      non_positive_price: 1,
      crossed_quote: 1,
      below_intrinsic: 2,
      stale_quote: 1,
      iv_outlier: 1,
    });
    expect(report.flaggedRows).toBe(7);
    expect(report.reasonOf(call[i(25_000)])).toBe('stale_quote');
  });

  it('ages quotes against the instant it is given', () => {
    const c = cleanChain();
    const times = new Float64Array(c.strikes.length).fill(NOW - 1_000);
    expect(checkChain(c, { quoteTimes: { put: times } }).counts.stale_quote).toBe(0);
    expect(checkChain(c, { quoteTimes: { put: times }, snapshotTime: NOW + 120_000 }).counts.stale_quote).toBe(c.strikes.length);
  });

  it('judges the price the row is used at: a stale LTP below intrinsic beside a quote above it is clean (regression: below_intrinsic on the LTP while IV used the mid)', () => {
    // Deep in-the-money rows of wide chains often last traded long ago, below
    // today's intrinsic, while their two-sided quote is sound: 15–18 % of sides
    // were flagged, and their good mids dropped out of IV and the analytics.
    const c = cleanChain();
    const call = indexOf(c, 22_000); // floor ≈ 2000·e^{−rT} ≈ 1995
    const put = indexOf(c, 26_000);
    quote(c.call, call, 1900, 1995.5, 2000.5); // stale LTP, mid 1998
    quote(c.put, put, 1850, 1996, 2004); // stale LTP, mid 2000
    const report = checkChain(c);
    expect(report.flags.call[call]).toBe(0);
    expect(report.flags.put[put]).toBe(0);
    expect(report.counts.below_intrinsic).toBe(0);
  });

  it('flags a mid below intrinsic even when the LTP is above it, and falls back to the LTP without a valid quote', () => {
    const c = cleanChain();
    const call = indexOf(c, 22_000);
    quote(c.call, call, 2010, 1900, 1910); // the mid (1905) is what would be used
    expect(checkChain(c).flags.call[call]).toBe(QualityReason.below_intrinsic);
    quote(c.call, call, 1900, 0, 1910); // one-sided: the LTP is used
    expect(checkChain(c).flags.call[call]).toBe(QualityReason.below_intrinsic);
    quote(c.call, call, 2010, 0, 1910);
    expect(checkChain(c).flags.call[call]).toBe(0);
  });

  it('does not call a side missing or non-positive for its LTP when a valid quote gives it a price', () => {
    const c = cleanChain();
    const k = indexOf(c, 24_000);
    c.call.ltp[k] = NaN; // never traded, but quoted
    c.put.ltp[k] = 0; // a feed's "no trade"
    const report = checkChain(c);
    expect([report.flags.call[k], report.flags.put[k]]).toEqual([0, 0]);
    c.call.bid[k] = 0; // no valid quote left: the missing LTP counts
    c.put.bid[k] = NaN;
    const again = checkChain(c);
    expect([again.flags.call[k], again.flags.put[k]]).toEqual([QualityReason.missing_field, QualityReason.non_positive_price]);
  });

  it('reports the most basic fault when a row has several', () => {
    const c = cleanChain();
    const k = indexOf(c, 23_000);
    c.call.ltp[k] = -1; // non-positive, and also below intrinsic
    c.call.bid[k] = 5;
    c.call.ask[k] = 4; // and crossed
    expect(checkChain(c).flags.call[k]).toBe(QualityReason.non_positive_price);
  });

  it('accepts a price just under intrinsic within the tolerance', () => {
    const c = cleanChain();
    const k = indexOf(c, 22_000);
    quote(c.call, k, 2000 * Math.exp(-R * T) - 0.04);
    expect(checkChain(c).flags.call[k]).toBe(0);
    expect(checkChain(c, { intrinsicToleranceAbs: 0.01, intrinsicToleranceRel: 0 }).flags.call[k]).toBe(QualityReason.below_intrinsic);
  });

  it('judges an IV against its own smile, so a steep but smooth wing is not an outlier', () => {
    const c = cleanChain();
    // Steepen the low wing smoothly: IV rises 2 vol points per strike.
    for (let i = 0; i < 8; i++) c.put.iv[i] = 0.3 - 0.02 * i;
    expect(checkChain(c).counts.iv_outlier).toBe(0);
  });

  it('does not let a bad neighbour hide or create an IV outlier', () => {
    const c = cleanChain();
    const k = indexOf(c, 24_000);
    c.call.iv[k] = 0.5;
    c.call.iv[k + 1] = 0.6; // two adjacent spikes: each is still far from the median of six
    quote(c.call, k + 3, 0); // a row failing rule 2 is not a neighbour
    c.call.iv[k + 3] = 5;
    const flags = checkChain(c).flags.call;
    expect(flags[k]).toBe(QualityReason.iv_outlier);
    expect(flags[k + 1]).toBe(QualityReason.iv_outlier);
    expect(flags[k + 2]).toBe(0);
    expect(flags[k + 3]).toBe(QualityReason.non_positive_price);
  });

  it('guards MAD = 0 with the scale floor', () => {
    const c = cleanChain();
    c.call.iv.fill(0.15);
    const k = indexOf(c, 24_000);
    c.call.iv[k] = 0.16; // 1 vol point: z = 0.01 / 0.005 = 2, below 3.5
    c.call.iv[k + 10] = 0.17; // 2 vol points: z = 4
    const flags = checkChain(c).flags.call;
    expect(flags[k]).toBe(0);
    expect(flags[k + 10]).toBe(QualityReason.iv_outlier);
  });

  it('does not judge an IV with too few neighbours', () => {
    const c = cleanChain();
    c.call.iv.fill(NaN);
    c.call.iv.set([0.15, 0.15, 0.4], 0);
    expect(checkChain(c).flags.call[2]).toBe(0);
    expect(checkChain(c, { minIvNeighbours: 2 }).flags.call[2]).toBe(QualityReason.iv_outlier);
  });

  it('never throws and flags every row of an all-NaN chain as missing', () => {
    const c = cleanChain();
    for (const side of [c.call, c.put]) for (const column of Object.values(side)) column.fill(NaN);
    const report = checkChain(c);
    expect(report.counts.missing_field).toBe(82);
    expect(report.flaggedRows).toBe(82);
  });

  it('handles an empty chain, short columns and bad scalars without throwing', () => {
    const empty = cleanChain();
    empty.strikes = new Float64Array(0);
    expect(checkChain(empty).checkedRows).toBe(0);

    const c = cleanChain();
    c.put.oi = new Float64Array(3).fill(10); // shorter than the strikes
    c.rate = NaN; // the intrinsic rule cannot judge
    c.future = NaN;
    const report = checkChain(c);
    expect(report.flags.put[2]).toBe(0);
    expect(report.flags.put[3]).toBe(QualityReason.missing_field);
    expect(report.counts.below_intrinsic).toBe(0);
  });

  it('fills caller-provided flag arrays', () => {
    const c = cleanChain();
    const out = { call: new Uint8Array(41).fill(9), put: new Uint8Array(41).fill(9) };
    const report = checkChain(c, { out });
    expect(report.flags).toBe(out);
    expect(out.call.every((x) => x === 0)).toBe(true);
  });
});
