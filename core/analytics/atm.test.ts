import { describe, expect, it } from 'vitest';
import { allocateSide, type ChainSnapshot } from '../chain.ts';
import { testChain } from './testChain.ts';
import { normCdf } from '../math/normal.ts';
import { PUT, CALL, allocateGreeks, priceBatch } from '../pricing/black.ts';
import { atmIndex, atmIv, atmIvInterpolated, atmStraddle, atmStrike, markPrice, strikeIv } from './atm.ts';
import { mulberry32 } from '../random.ts';

const col = (values: number[]) => Float64Array.from(values);

const chain = (strikes: number[], spot = 100): ChainSnapshot => testChain(strikes, { spot });

/** A chain priced by Black-76 at one flat vol, quoted at bid = ask = model price. */
function black76Chain(strikes: number[], forward: number, vol: number, tYears: number, rate: number): ChainSnapshot {
  const c = chain(strikes, forward * Math.exp(-rate * tYears));
  c.tYears = tYears;
  c.rate = rate;
  const n = strikes.length;
  for (const [side, sign] of [[c.call, CALL], [c.put, PUT]] as const) {
    const out = allocateGreeks(n);
    priceBatch(
      {
        model: 'black76',
        underlying: new Float64Array(n).fill(forward),
        strike: c.strikes,
        tYears: new Float64Array(n).fill(tYears),
        vol: new Float64Array(n).fill(vol),
        rate: new Float64Array(n).fill(rate),
        optionType: new Int8Array(n).fill(sign),
      },
      out,
    );
    side.bid.set(out.price);
    side.ask.set(out.price);
    side.iv.fill(vol);
  }
  return c;
}

function simpson(f: (x: number) => number, a: number, b: number, steps: number): number {
  const h = (b - a) / steps;
  let sum = f(a) + f(b);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}


describe('atmIndex and atmStrike', () => {
  const strikes = col([100, 110, 120, 130]);

  it('picks the listed strike nearest the forward', () => {
    expect(atmStrike(strikes, 114)).toBe(110);
    expect(atmStrike(strikes, 116)).toBe(120);
    expect(atmIndex(strikes, 120)).toBe(2);
  });

  it('sends an exact midpoint to the lower strike', () => {
    expect(atmStrike(strikes, 115)).toBe(110);
  });

  it('clamps a forward outside the listed range to the edge strike', () => {
    expect(atmStrike(strikes, 50)).toBe(100);
    expect(atmStrike(strikes, 500)).toBe(130);
  });

  it('has no ATM strike for an empty chain or a missing forward', () => {
    expect(atmIndex(col([]), 100)).toBe(-1);
    expect(atmIndex(strikes, NaN)).toBe(-1);
    expect(atmIndex(strikes, 0)).toBe(-1);
    expect(atmStrike(strikes, NaN)).toBeNaN();
  });

  it('agrees with a linear scan on random strike grids', () => {
    const random = mulberry32(42);
    for (let trial = 0; trial < 1000; trial++) {
      const n = 1 + Math.floor(random() * 30);
      const grid = new Float64Array(n);
      let k = 100;
      for (let i = 0; i < n; i++) grid[i] = k += 1 + Math.floor(random() * 4);
      // Integer forwards on an integer grid make exact midpoints frequent.
      const forward = 95 + Math.floor(random() * (k - 90));
      let best = 0;
      for (let i = 1; i < n; i++) if (Math.abs(grid[i] - forward) < Math.abs(grid[best] - forward)) best = i;
      expect(atmIndex(grid, forward)).toBe(best);
    }
  });
});

describe('strikeIv', () => {
  it('averages call and put IV, falls back to the one that exists, and treats 0 as missing', () => {
    const callIv = col([0.2, 0.2, NaN, 0, NaN]);
    const putIv = col([0.3, NaN, 0.25, 0.18, NaN]);
    expect(strikeIv(callIv, putIv, 0)).toBeCloseTo(0.25, 15);
    expect(strikeIv(callIv, putIv, 1)).toBe(0.2);
    expect(strikeIv(callIv, putIv, 2)).toBe(0.25);
    expect(strikeIv(callIv, putIv, 3)).toBe(0.18);
    expect(strikeIv(callIv, putIv, 4)).toBeNaN();
  });
});

describe('atmIv', () => {
  it('reads the blended IV at the strike nearest the forward', () => {
    const c = chain([100, 110, 120]);
    c.call.iv.set([0.3, 0.2, 0.1]);
    c.put.iv.set([0.3, 0.22, 0.1]);
    expect(atmIv(c, 108)).toBeCloseTo(0.21, 15);
    expect(atmIv(chain([]), 108)).toBeNaN();
  });
});

describe('atmIvInterpolated', () => {
  it('interpolates linearly in strike between the strikes around the forward', () => {
    const c = chain([100, 110]);
    c.call.iv.set([0.2, 0.3]);
    c.put.iv.set([0.2, 0.3]);
    expect(atmIvInterpolated(c, 104)).toBeCloseTo(0.24, 15);
  });

  it('reproduces a smile that is linear in strike exactly at any forward', () => {
    const strikes = [24000, 24050, 24100, 24200, 24300];
    const c = chain(strikes);
    const smile = (k: number) => 0.14 - 2e-5 * (k - 24000);
    c.call.iv.set(strikes.map(smile));
    c.put.iv.set(strikes.map(smile));
    for (const forward of [24000, 24012.5, 24077, 24100, 24299.9]) {
      expect(atmIvInterpolated(c, forward)).toBeCloseTo(smile(forward), 14);
    }
  });

  it('uses the one usable neighbour when the other has no IV', () => {
    const c = chain([100, 110]);
    c.call.iv.set([NaN, 0.3]);
    expect(atmIvInterpolated(c, 101)).toBe(0.3);
    c.call.iv.set([0.2, NaN]);
    expect(atmIvInterpolated(c, 109)).toBe(0.2);
  });

  it('holds the edge IV flat outside the listed strikes and is NaN without data', () => {
    const c = chain([100, 110]);
    c.call.iv.set([0.2, 0.3]);
    expect(atmIvInterpolated(c, 90)).toBe(0.2);
    expect(atmIvInterpolated(c, 120)).toBe(0.3);
    expect(atmIvInterpolated(chain([]), 100)).toBeNaN();
    expect(atmIvInterpolated(chain([100, 110]), 105)).toBeNaN();
    expect(atmIvInterpolated(c, NaN)).toBeNaN();
  });
});

describe('markPrice', () => {
  const side = allocateSide(6);
  side.bid.set([10, 10, 0, 10, NaN, NaN]);
  side.ask.set([12, 9, 12, NaN, 12, NaN]);
  side.ltp.set([11.5, 9.5, 11, 10.5, NaN, 0]);

  it('prefers the mid of a valid quote over the last trade', () => {
    expect(markPrice(side, 0)).toBe(11);
  });

  it('falls back to the last trade when the quote is crossed, one-sided or has a zero bid', () => {
    expect(markPrice(side, 1)).toBe(9.5);
    expect(markPrice(side, 2)).toBe(11);
    expect(markPrice(side, 3)).toBe(10.5);
  });

  it('is NaN with neither a valid quote nor a positive last trade', () => {
    expect(markPrice(side, 4)).toBeNaN();
    expect(markPrice(side, 5)).toBeNaN();
  });
});

describe('atmStraddle', () => {
  const forward = 25000;
  const vol = 0.12;
  const tYears = 7 / 365;
  const rate = 0.065;

  it('reports the expected absolute move e^{rT}(C+P) = F·(4Φ(σ√T/2) − 2) when the forward sits on a strike', () => {
    const c = black76Chain([24900, 24950, 25000, 25050, 25100], forward, vol, tYears, rate);
    const s = atmStraddle(c, forward);
    const totalVol = vol * Math.sqrt(tYears);
    expect(s.strike).toBe(25000);
    expect(s.straddlePrice).toBe(s.callPrice + s.putPrice);
    expect(s.expectedAbsMove).toBeCloseTo(forward * (4 * normCdf(totalVol / 2) - 2), 9);
    // The rule of thumb the move is known by: ≈ 0.8·σ·F·√T.
    expect(Math.abs(s.expectedAbsMove / (Math.sqrt(2 / Math.PI) * vol * forward * Math.sqrt(tYears)) - 1)).toBeLessThan(1e-3);
  });

  it('reports the 1-σ move F·σ·√T from the ATM IV, close to the 1-σ move the straddle implies', () => {
    const c = black76Chain([24900, 25000, 25100], forward, vol, tYears, rate);
    const s = atmStraddle(c, forward);
    expect(s.atmIv).toBe(vol);
    expect(s.oneSigmaMoveFromIv).toBeCloseTo(forward * vol * Math.sqrt(tYears), 9);
    expect(s.oneSigmaMoveFromStraddle).toBeCloseTo(Math.sqrt(Math.PI / 2) * s.expectedAbsMove, 9);
    expect(Math.abs(s.oneSigmaMoveFromStraddle / s.oneSigmaMoveFromIv - 1)).toBeLessThan(1e-3);
  });

  it('measures the expected distance from the ATM strike when the forward is off-strike (checked by quadrature)', () => {
    const off = 25020;
    const c = black76Chain([24900, 24950, 25000, 25050, 25100], off, vol, tYears, rate);
    const s = atmStraddle(c, off);
    expect(s.strike).toBe(25000);
    // E|F_T − K| with F_T = F·exp(−v²/2 + v·z), z standard normal, by Simpson's
    // rule on each side of the kink at F_T = K so the |·| does not cost accuracy.
    const v = vol * Math.sqrt(tYears);
    const kink = (Math.log(25000 / off) + 0.5 * v * v) / v;
    const integrand = (z: number) => (Math.abs(off * Math.exp(-0.5 * v * v + v * z) - 25000) * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
    const integral = simpson(integrand, -12, kink, 20_000) + simpson(integrand, kink, 12, 20_000);
    expect(s.expectedAbsMove).toBeCloseTo(integral, 8);
  });

  it('prices the straddle from last trades when the quotes are unusable', () => {
    const c = chain([100, 110]);
    c.call.ltp.set([5, 1]);
    c.put.ltp.set([2, 7]);
    const s = atmStraddle(c, 101);
    expect(s.straddlePrice).toBe(7);
    expect(s.expectedAbsMove).toBeCloseTo(7 * Math.exp(0.065 * 0.05), 14);
  });

  it('returns NaN prices when a side of the ATM strike has no price, and NaN everywhere for an empty chain', () => {
    const c = chain([100, 110]);
    c.call.ltp.set([5, 1]);
    const s = atmStraddle(c, 101);
    expect(s.index).toBe(0);
    expect(s.putPrice).toBeNaN();
    expect(s.straddlePrice).toBeNaN();
    expect(s.expectedAbsMove).toBeNaN();
    const empty = atmStraddle(chain([]), 100);
    expect(empty.index).toBe(-1);
    expect(Object.values(empty).filter((v) => !Number.isNaN(v))).toEqual([-1]);
  });
});
