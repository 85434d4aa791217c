import { describe, expect, it } from 'vitest';
import { allocateSide, type ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { CALL, PUT, allocateGreeks, priceBatch } from '../pricing/black.ts';
import {
  chainForward,
  fairFuture,
  futuresBasis,
  futuresBasisPct,
  impliedCarryRate,
  impliedForward,
  simpleCarryRate,
} from './basis.ts';

const SPOT = 25000;
const RATE = 0.065;
const DIV_YIELD = 0.013;
const T_YEARS = 30 / 365;
const FORWARD = SPOT * Math.exp((RATE - DIV_YIELD) * T_YEARS);

/**
 * NIFTY-like chain priced by Black-76 on a known forward with a smile, quoted
 * at a 2 % wide market around the model price (so the mid is the price).
 */
function black76Chain(forward = FORWARD): ChainSnapshot {
  const strikes = Float64Array.from({ length: 81 }, (_, i) => 23000 + 50 * i);
  const n = strikes.length;
  const snapshot = testChain(strikes, { symbol: 'NIFTY', expiry: '2026-02-24', spot: SPOT, tYears: T_YEARS, rate: RATE });
  const vol = Float64Array.from(strikes, (k) => 0.12 + 0.6 * Math.log(k / forward) ** 2 - 0.1 * Math.log(k / forward));
  for (const [side, sign] of [[snapshot.call, CALL], [snapshot.put, PUT]] as const) {
    const out = allocateGreeks(n);
    priceBatch(
      {
        model: 'black76',
        underlying: new Float64Array(n).fill(forward),
        strike: strikes,
        tYears: new Float64Array(n).fill(T_YEARS),
        vol,
        rate: new Float64Array(n).fill(RATE),
        optionType: new Int8Array(n).fill(sign),
      },
      out,
    );
    for (let i = 0; i < n; i++) {
      side.bid[i] = out.price[i] * 0.99;
      side.ask[i] = out.price[i] * 1.01;
    }
  }
  return snapshot;
}

describe('futuresBasis and futuresBasisPct', () => {
  it('is future minus spot in points and in percent of spot', () => {
    expect(futuresBasis(25100, 25000)).toBe(100);
    expect(futuresBasisPct(25100, 25000)).toBeCloseTo(0.4, 14);
    expect(futuresBasis(24950, 25000)).toBe(-50);
    expect(futuresBasisPct(24950, 25000)).toBeCloseTo(-0.2, 14);
  });

  it('is NaN when either price is missing or not positive', () => {
    for (const [future, spot] of [[NaN, 25000], [25100, NaN], [0, 25000], [25100, 0], [25100, -1]]) {
      expect(futuresBasis(future, spot)).toBeNaN();
      expect(futuresBasisPct(future, spot)).toBeNaN();
    }
  });
});

describe('carry rates', () => {
  it('annualizes ln(F/S) continuously and (F/S − 1) simply, by hand', () => {
    // ln(1.004) = 0.0039920212695374…, over 0.1 years.
    expect(impliedCarryRate(25100, 25000, 0.1)).toBeCloseTo(0.039920212695374, 13);
    expect(simpleCarryRate(25100, 25000, 0.1)).toBeCloseTo(0.04, 14);
  });

  it('inverts the fair-value formula: the continuous carry of S·e^{(r−q)T} is r − q', () => {
    const future = fairFuture(SPOT, RATE, DIV_YIELD, T_YEARS);
    expect(impliedCarryRate(future, SPOT, T_YEARS)).toBeCloseTo(RATE - DIV_YIELD, 12);
    expect(simpleCarryRate(future, SPOT, T_YEARS)).toBeGreaterThan(RATE - DIV_YIELD);
  });

  it('is NaN at or after expiry and for missing prices', () => {
    expect(impliedCarryRate(25100, 25000, 0)).toBeNaN();
    expect(simpleCarryRate(25100, 25000, -0.01)).toBeNaN();
    expect(impliedCarryRate(NaN, 25000, 0.1)).toBeNaN();
  });
});

describe('fairFuture', () => {
  it('grows spot at r − q continuously', () => {
    // e^{0.025} = 1.0253151205244289
    expect(fairFuture(25000, 0.06, 0.01, 0.5)).toBeCloseTo(25000 * 1.0253151205244289, 9);
    expect(fairFuture(25000, 0.06, 0.01, 0)).toBe(25000);
  });

  it('is NaN for a negative time or missing inputs', () => {
    expect(fairFuture(25000, 0.06, 0, -0.1)).toBeNaN();
    expect(fairFuture(NaN, 0.06, 0, 0.1)).toBeNaN();
    expect(fairFuture(25000, NaN, 0, 0.1)).toBeNaN();
  });
});

describe('impliedForward', () => {
  it('recovers the Black-76 forward from mid prices to 1e-9 relative', () => {
    for (const strikeCount of [1, 2, 3, 5]) {
      expect(Math.abs(impliedForward(black76Chain(), strikeCount) / FORWARD - 1)).toBeLessThan(1e-9);
    }
  });

  it('recovers it from last trades when there are no quotes', () => {
    const c = black76Chain();
    for (const side of [c.call, c.put]) {
      for (let i = 0; i < c.strikes.length; i++) side.ltp[i] = 0.5 * (side.bid[i] + side.ask[i]);
      side.bid.fill(NaN);
      side.ask.fill(0);
    }
    expect(Math.abs(impliedForward(c) / FORWARD - 1)).toBeLessThan(1e-9);
  });

  it('ignores one stale price among three strikes, as the median should', () => {
    const c = black76Chain();
    const nearest = 40; // 25000, the strike nearest spot
    c.call.bid[nearest] += 40;
    c.call.ask[nearest] += 40;
    expect(Math.abs(impliedForward(c, 3) / FORWARD - 1)).toBeLessThan(1e-9);
    expect(impliedForward(c, 1)).toBeGreaterThan(FORWARD + 30);
  });

  it('skips strikes missing a side and keeps walking outward from spot', () => {
    const c = black76Chain();
    for (const i of [39, 40, 41]) c.put.ask[i] = c.put.bid[i] = NaN; // 24950, 25000, 25050 have no put
    expect(Math.abs(impliedForward(c, 1) / FORWARD - 1)).toBeLessThan(1e-9);
    c.call.bid[38] += 40; // 24900 is now the nearest usable strike
    c.call.ask[38] += 40;
    expect(impliedForward(c, 1)).toBeGreaterThan(FORWARD + 30);
  });

  it('averages the two middle estimates for an even count', () => {
    // Two strikes, F = K + e^{rT}(C − P) = 100 + 1·(5 − 4) and 110 + (1 − 8).
    const c: ChainSnapshot = { ...black76Chain(), spot: 105, rate: 0, tYears: 0.1, strikes: Float64Array.from([100, 110]) };
    c.call = allocateSide(2);
    c.put = allocateSide(2);
    c.call.ltp.set([5, 1]);
    c.put.ltp.set([4, 8]);
    expect(impliedForward(c, 2)).toBe((101 + 103) / 2);
  });

  it('is NaN when no strike has both sides priced, for an empty chain and without a spot', () => {
    const c = black76Chain();
    c.call.bid.fill(NaN);
    c.call.ask.fill(NaN);
    expect(impliedForward(c)).toBeNaN();
    expect(impliedForward({ ...black76Chain(), strikes: new Float64Array(0), call: allocateSide(0), put: allocateSide(0) })).toBeNaN();
    expect(impliedForward({ ...black76Chain(), spot: NaN })).toBeNaN();
  });
});

describe('chainForward', () => {
  it('prefers the parity forward, then the future, then spot carried at the rate', () => {
    const c = black76Chain();
    c.future = 25200;
    const parity = chainForward(c);
    expect(parity.source).toBe('parity');
    expect(Math.abs(parity.forward / FORWARD - 1)).toBeLessThan(1e-9);

    c.call.bid.fill(NaN);
    c.call.ask.fill(NaN);
    expect(chainForward(c)).toEqual({ forward: 25200, source: 'future' });

    c.future = NaN;
    expect(chainForward(c)).toEqual({ forward: SPOT * Math.exp(RATE * T_YEARS), source: 'carry' });
    const withYield = chainForward(c, { divYield: DIV_YIELD });
    expect(withYield.forward).toBeCloseTo(FORWARD, 9);

    c.spot = NaN;
    expect(chainForward(c)).toEqual({ forward: NaN, source: 'none' });
  });
});
