import { describe, expect, it } from 'vitest';
import { CALL, PUT, optionGreeks } from '../pricing/black.ts';
import { IvStatus, impliedVol, impliedVolBatch, impliedVolFromForwardPrice, normalizedBlack } from './impliedVol.ts';
import { normCdf } from '../math/normal.ts';

const EPS = Number.EPSILON;
const MINUTES_PER_YEAR = 365 * 24 * 60;

/** The stress grid of the issue: ln(K/F) in [−1, 1], 1 minute to 2 years, 1 % to 500 %. */
function* stressGrid() {
  const minutes = [1, 5, 30, 120, 375, 1440, 7 * 1440, 30 * 1440, 91 * 1440, 365 * 1440, 730 * 1440];
  for (let i = -20; i <= 20; i++) {
    const logMoneyness = i / 20;
    for (const m of minutes) {
      for (let v = 0; v <= 40; v++) {
        const vol = 0.01 * Math.pow(500, v / 40);
        for (const theta of [CALL, PUT]) yield { logMoneyness, tYears: m / MINUTES_PER_YEAR, vol, theta };
      }
    }
  }
}

describe('implied volatility over the stress grid', () => {
  it('recovers σ to 1e-10 wherever the price pins σ that closely, from prices known to the last bit', () => {
    // Out-of-the-money value from the normalized formula, intrinsic added in price
    // units: the price is then correct to half an ulp, and σ is determined to
    // (price uncertainty)/vega. Where that exceeds 1e-10 the time value cannot
    // carry σ to 1e-10 and the case is not counted.
    let checked = 0;
    let worst = 0;
    for (const { logMoneyness, tYears, vol, theta } of stressGrid()) {
      const forward = 24_000;
      const strike = forward * Math.exp(logMoneyness);
      const x = Math.log(forward / strike);
      const s = vol * Math.sqrt(tYears);
      const rootFK = Math.sqrt(forward * strike);
      const intrinsic = Math.max(theta * (forward - strike), 0);
      const price = intrinsic + normalizedBlack(-Math.abs(x), s, 1) * rootFK;
      const h = -Math.abs(x) / s;
      const vegaPerVol = (Math.exp(-0.5 * (h * h + 0.25 * s * s)) / Math.sqrt(2 * Math.PI)) * rootFK * Math.sqrt(tYears);
      const sigmaUncertainty = (4 * EPS * price) / vegaPerVol;
      if (!(sigmaUncertainty <= 1e-10) || price - intrinsic < 1e-300) continue;
      const { vol: solved, status } = impliedVolFromForwardPrice(price, forward, strike, tYears, theta);
      expect(status, JSON.stringify({ logMoneyness, tYears, vol, theta })).toBe(IvStatus.ok);
      const error = Math.abs(solved - vol);
      worst = Math.max(worst, error);
      if (!(error <= 1e-10)) expect.fail(`σ error ${error} at ${JSON.stringify({ logMoneyness, tYears, vol, theta, solved })}`);
      checked++;
    }
    // The criterion must leave most of the grid in: it is a test of the solver,
    // not of the filter.
    expect(checked).toBeGreaterThan(12_000);
    expect(worst).toBeLessThan(1e-10);
  });

  it('recovers σ from Black-76 premiums computed by the pricing module (an independent formula)', () => {
    let checked = 0;
    for (const { logMoneyness, tYears, vol, theta } of stressGrid()) {
      const forward = 24_000;
      const strike = forward * Math.exp(logMoneyness);
      const rate = 0.065;
      const greeks = optionGreeks({ model: 'black76', underlying: forward, strike, tYears, vol, rate, type: theta === CALL ? 'call' : 'put' });
      // The pricing formula subtracts two terms of size F·Φ(d1) and K·Φ(d2): its
      // rounding is a few ulps of those, not of the premium.
      const sqrtT = Math.sqrt(tYears);
      const d1 = Math.log(forward / strike) / (vol * sqrtT) + 0.5 * vol * sqrtT;
      const termSize = forward * normCdf(theta * d1) + strike * normCdf(theta * (d1 - vol * sqrtT));
      const sigmaUncertainty = (8 * EPS * termSize * Math.exp(-rate * tYears)) / (greeks.vega * 100);
      // Subnormal premiums (below ~1e-308) have lost significant bits outright.
      if (!(sigmaUncertainty <= 1e-10) || !(greeks.price > 1e-290)) continue;
      const { vol: solved } = impliedVol({ model: 'black76', price: greeks.price, underlying: forward, strike, tYears, rate, type: theta === CALL ? 'call' : 'put' });
      if (!(Math.abs(solved - vol) <= 1e-10)) expect.fail(`σ ${solved} for ${JSON.stringify({ logMoneyness, tYears, vol, theta })}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('implied volatility against published values', () => {
  it("matches Hull's example: S=21, K=20, r=10 %, T=0.25, call 1.875 has σ ≈ 23.5 %", () => {
    const { vol, status } = impliedVol({ price: 1.875, underlying: 21, strike: 20, tYears: 0.25, rate: 0.1, type: 'call' });
    expect(status).toBe(IvStatus.ok);
    expect(vol).toBeCloseTo(0.235, 3);
  });

  it('inverts the textbook S=42, K=40, r=10 %, σ=20 %, T=0.5 call and put back to 20 %', () => {
    for (const type of ['call', 'put'] as const) {
      const price = optionGreeks({ underlying: 42, strike: 40, rate: 0.1, vol: 0.2, tYears: 0.5, type }).price;
      expect(Math.abs(impliedVol({ price, underlying: 42, strike: 40, rate: 0.1, tYears: 0.5, type }).vol - 0.2)).toBeLessThan(1e-14);
    }
  });

  it('solves a spot option with a dividend yield (BSM) consistently with the pricer', () => {
    const input = { underlying: 100, strike: 95, tYears: 0.5, rate: 0.1, divYield: 0.05, type: 'put' as const };
    const price = optionGreeks({ ...input, vol: 0.2 }).price;
    expect(impliedVol({ ...input, price }).vol).toBeCloseTo(0.2, 13);
  });
});

describe('implied volatility on expiry day', () => {
  it('stays exact with one minute to expiry for an at-the-money NIFTY option', () => {
    const tYears = 1 / MINUTES_PER_YEAR;
    for (const type of ['call', 'put'] as const) {
      const price = optionGreeks({ model: 'black76', underlying: 24_010, strike: 24_000, tYears, vol: 0.12, type }).price;
      const { vol, status } = impliedVol({ model: 'black76', price, underlying: 24_010, strike: 24_000, tYears, type });
      expect(status).toBe(IvStatus.ok);
      expect(Math.abs(vol - 0.12)).toBeLessThan(1e-10);
    }
  });
});

describe('inputs without a solution', () => {
  const base = { model: 'black76' as const, underlying: 24_000, strike: 23_000, tYears: 0.02, rate: 0 };

  it('flags a price below intrinsic value with NaN and a reason', () => {
    expect(impliedVol({ ...base, price: 999.5, type: 'call' })).toEqual({ vol: NaN, status: IvStatus.priceBelowIntrinsic });
  });

  it('returns σ = 0 with its own status when the price is exactly intrinsic', () => {
    expect(impliedVol({ ...base, price: 1000, type: 'call' })).toEqual({ vol: 0, status: IvStatus.atIntrinsic });
  });

  it('flags a call at or above the discounted forward and a put at or above the discounted strike', () => {
    expect(impliedVol({ ...base, price: 24_000, type: 'call' }).status).toBe(IvStatus.priceAboveMaximum);
    expect(impliedVol({ ...base, price: 23_000, type: 'put' }).status).toBe(IvStatus.priceAboveMaximum);
    expect(impliedVol({ ...base, price: 22_999.99, type: 'put' }).status).toBe(IvStatus.ok);
  });

  it('returns NaN with priceTooSmall for a subnormal normalised premium (regression: a price of 1e-320 gave a wrong σ with status ok)', () => {
    // Out of the money: 1e-320 / √(100·150) is subnormal; this returned σ ≈ 0.0106, ok.
    expect(impliedVolFromForwardPrice(1e-320, 100, 150, 1, CALL)).toEqual({ vol: NaN, status: IvStatus.priceTooSmall });
    // At the money it returned σ = 0, ok.
    expect(impliedVolFromForwardPrice(1e-320, 100, 100, 1, CALL)).toEqual({ vol: NaN, status: IvStatus.priceTooSmall });
    expect(impliedVolFromForwardPrice(Number.MIN_VALUE, 24_000, 22_000, 0.01, PUT)).toEqual({ vol: NaN, status: IvStatus.priceTooSmall });
    // The smallest normal premium still solves, and reprices to itself.
    const rootFK = Math.sqrt(100 * 150);
    const price = 2 ** -1022 * rootFK;
    const { vol, status } = impliedVolFromForwardPrice(price, 100, 150, 1, CALL);
    expect(status).toBe(IvStatus.ok);
    expect(Math.abs(normalizedBlack(Math.log(100 / 150), vol, 1) * rootFK / price - 1)).toBeLessThan(1e-10);
  });

  it('returns NaN with priceTooSmall instead of σ = 0 when a positive time value is too small for σ√T to be represented', () => {
    // At the money, a premium below ~1e-16 of √(FK) left the initial guess at s = 0, returned as ok.
    expect(impliedVolFromForwardPrice(1e-15, 100, 100, 1, CALL)).toEqual({ vol: NaN, status: IvStatus.priceTooSmall });
    expect(impliedVol({ model: 'black76', price: 1e-300, underlying: 24_000, strike: 24_000, tYears: 0.02, type: 'put' }).status).toBe(IvStatus.priceTooSmall);
  });

  it('rejects an infinite time to expiry as invalid input (regression: T = +∞ gave σ = 0, ok)', () => {
    expect(impliedVolFromForwardPrice(5, 100, 100, Infinity, CALL)).toEqual({ vol: NaN, status: IvStatus.invalidInput });
    expect(impliedVolFromForwardPrice(5, 100, 100, -Infinity, CALL)).toEqual({ vol: NaN, status: IvStatus.nonPositiveTime });
  });

  it('flags non-positive time, non-positive price and malformed inputs', () => {
    expect(impliedVol({ ...base, price: 10, tYears: 0, type: 'put' })).toEqual({ vol: NaN, status: IvStatus.nonPositiveTime });
    expect(impliedVol({ ...base, price: -1, type: 'put' })).toEqual({ vol: NaN, status: IvStatus.nonPositivePrice });
    expect(impliedVol({ ...base, price: 0, type: 'put' })).toEqual({ vol: NaN, status: IvStatus.nonPositivePrice });
    expect(impliedVol({ ...base, price: NaN, type: 'put' }).status).toBe(IvStatus.invalidInput);
    expect(impliedVol({ ...base, strike: -5, price: 10, type: 'put' }).status).toBe(IvStatus.invalidInput);
  });
});

describe('batch implied volatility', () => {
  it('fills vol and status columns row by row, a bad row affecting only itself', () => {
    const n = 4;
    const batch = {
      model: 'bsm' as const,
      price: Float64Array.from([120, 1, 85, 130]),
      underlying: Float64Array.from([24_000, 24_000, NaN, 24_000]),
      strike: Float64Array.from([24_100, 23_000, 24_000, 24_000]),
      tYears: Float64Array.from([7 / 365, 7 / 365, 7 / 365, 7 / 365]),
      rate: new Float64Array(n).fill(0.065),
      divYield: new Float64Array(n).fill(0.012),
      optionType: Int8Array.from([CALL, CALL, PUT, PUT]),
    };
    const vol = new Float64Array(n);
    const status = new Uint8Array(n);
    impliedVolBatch(batch, vol, status);
    expect(Array.from(status)).toEqual([IvStatus.ok, IvStatus.priceBelowIntrinsic, IvStatus.invalidInput, IvStatus.ok]);
    for (const i of [0, 3]) {
      const type = batch.optionType[i] === CALL ? 'call' : 'put';
      const scalar = impliedVol({ price: batch.price[i], underlying: 24_000, strike: batch.strike[i], tYears: 7 / 365, rate: 0.065, divYield: 0.012, type });
      expect(vol[i]).toBe(scalar.vol);
      const repriced = optionGreeks({ underlying: 24_000, strike: batch.strike[i], tYears: 7 / 365, rate: 0.065, divYield: 0.012, vol: vol[i], type }).price;
      expect(repriced).toBeCloseTo(batch.price[i], 9);
    }
    expect(vol[1]).toBeNaN();
    expect(vol[2]).toBeNaN();
  });
});
