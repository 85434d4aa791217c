import { describe, expect, it } from 'vitest';
import { compileHorizon, kernelAt, kernelColumn, legValueAt, pnlColumn, spotLogs, yearsBetween, type PricedLeg } from './pnl.ts';
import { optionPrice } from '../pricing/black.ts';
import { DAY_MS, future, NEAR_MS, NOW, option } from './testLegs.ts';

const RATE = 0.065;
const Q = 0.012;
const YEAR_MS = 365 * DAY_MS;
const market = { spot: 100, rate: RATE, nowMs: NOW };

function pricer(leg: PricedLeg, atMs: number, spot: number, ivShift = 0): number {
  return optionPrice({
    underlying: spot,
    strike: leg.strike,
    tYears: yearsBetween(atMs, leg.expiryMs),
    vol: leg.iv + leg.ivShift + ivShift,
    rate: RATE,
    divYield: leg.divYield,
    type: leg.optionSign > 0 ? 'call' : 'put',
  });
}

/**
 * The agreement asked of the kernel: 1e-12 of the value, or, where the value
 * is smaller than that, 1e-15 of S·e^{−qτ} + K·e^{−rτ}: the size of the two
 * terms the pricer subtracts, whose rounding (a few ulps of each) is all the
 * precision it has there (a deep out-of-the-money or a minutes-to-expiry
 * option is a small difference of strike-sized numbers).
 */
function tolerance(reference: number, spot: number, strike: number, tau: number): number {
  return Math.max(1e-12 * Math.abs(reference), 1e-15 * (spot * Math.exp(-Q * tau) + strike * Math.exp(-RATE * tau)));
}

describe('the P&L kernel', () => {
  it('values every option leg as the pricer does (to 1e-12, or the pricer’s own rounding), deep in and out of the money, from a second to 30 years, at low and high vols', () => {
    let checked = 0;
    for (const strike of [24_000, 100, 0.37]) {
      for (const tYears of [3e-8, 1e-6, 1e-4, 1e-3, 0.02, 0.25, 1, 5, 30]) {
        for (const vol of [0.01, 0.13, 0.6, 2]) {
          const sd = vol * Math.sqrt(tYears);
          // ±15 standard deviations around the strike, through the saturated zone beyond ±8.5.
          const spots = Float64Array.from({ length: 301 }, (_, i) => strike * Math.exp(((i - 150) / 10) * sd));
          for (const right of ['CALL', 'PUT'] as const) {
            const leg = option(right, strike, 1, 0, { iv: vol, divYield: Q, expiryMs: NOW + Math.round(tYears * YEAR_MS) });
            const tau = yearsBetween(NOW, leg.expiryMs);
            const out = new Float64Array(spots.length);
            kernelColumn(compileHorizon([leg], RATE, NOW, 0), spots, spotLogs(spots), out);
            spots.forEach((s, i) => {
              const expected = pricer(leg, NOW, s);
              const error = Math.abs(out[i] - expected);
              expect(error, `${right} K=${strike} τ=${tau} σ=${vol} S=${s}: ${out[i]} vs ${expected}`).toBeLessThanOrEqual(tolerance(expected, s, strike, tau));
              checked++;
            });
          }
        }
      }
    }
    expect(checked).toBe(3 * 9 * 4 * 2 * 301);
  });

  it('keeps ln S as hi + lo within 2.5e-16 whatever its size (so that ln S − ln K is as exact as log(S/K) near the strike; Math.log alone is an ulp of ln S, 1.8e-15 at index levels)', () => {
    // [S, ln S rounded to double, the remainder rounded to double], from mpmath at 50 digits.
    const references: [number, number, number][] = [
      [24012.5, 10.086329807076812, 3.843242670557183e-16],
      [0.37, -0.9942522733438669, -3.652349485344856e-17],
      [94.75, 4.5512418439625355, 2.240966812651325e-16],
      [1e-300, -690.7755278982137, -2.3670096176709832e-14],
      [33000000.0, 17.312018119430753, 9.239655266536634e-16],
    ];
    const logs = spotLogs(Float64Array.from(references, ([s]) => s));
    references.forEach(([s, hi, lo], i) => {
      // Math.log is within an ulp: hi may differ from the rounded value by that, lo makes up for it to an ulp of Math.exp.
      expect(Math.abs(logs.hi[i] - hi), `S = ${s}`).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(hi));
      expect(Math.abs(logs.hi[i] - hi + (logs.lo[i] - lo)), `S = ${s}`).toBeLessThanOrEqual(2.5e-16);
    });
  });

  it('is within 1e-12 of option values computed to 50 digits, from a second to 30 years before expiry (near it by the form without cancellation)', () => {
    // [spot, strike, ms to expiry, vol, +1 call / −1 put, BSM value from mpmath at 50 digits, r = 6.5 %, q = 1.2 %].
    const references: [number, number, number, number, 1 | -1, number][] = [
      [24012.5, 24000, 3_600_000, 0.13, 1, 20.570070557487902],
      [23990, 24000, 3_600_000, 0.13, -1, 18.80041814549903],
      [94.75, 100, YEAR_MS, 0.01, -1, 0.4187455735384417],
      [100.01, 100, 60_000, 0.6, 1, 0.038264589441381676],
      [0.37, 0.37, 31_536, 2, -1, 0.00029520742203235857],
      [30000, 24000, 5 * YEAR_MS, 0.25, -1, 1274.3354691694062],
      [18000, 24000, 30 * YEAR_MS, 0.6, 1, 11935.491755662302],
      [23800, 24000, DAY_MS, 0.13, 1, 8.965393672567883],
      [24000, 24000, 1000, 0.13, 1, 0.22166691198820926],
      [100.47169724066396, 100, 31_536, 2, -1, 0.0006278184013269671],
      [23926.700397719895, 24000, 3_153_600, 0.13, 1, 0.09875678684855263],
      [24113.2, 24000, 31_536, 2, -1, 0.1507445768669349],
      [23700, 24000, DAY_MS, 0.13, 1, 2.1622261719536575],
      [24400, 24000, 2 * DAY_MS, 0.13, -1, 3.785558673591798],
      [24000.5, 24000, 1000, 0.13, -1, 0.05579729169619982],
      [23990, 24000, 1000, 0.13, 1, 2.845551947816943e-74],
      [24600, 24000, 7 * DAY_MS, 0.13, 1, 639.3019186559922],
      [22000, 24000, 30 * DAY_MS, 0.2, 1, 43.90666268377538],
    ];
    for (const [spot, strike, ms, vol, sign, exact] of references) {
      const leg = option(sign > 0 ? 'CALL' : 'PUT', strike, 1, 0, { iv: vol, divYield: Q, expiryMs: NOW + ms });
      const value = legValueAt(leg, market, NOW, spot);
      // An option worth less than 1e-17 of its strike (beyond SATURATED_D standard deviations) counts as worthless.
      expect(Math.abs(value - exact), `${sign > 0 ? 'call' : 'put'} ${spot}/${strike}, ${ms} ms: ${value}`).toBeLessThanOrEqual(Math.max(1e-12 * exact, 1e-17 * strike));
    }
  });

  it('values a call and a put of one strike, expiry and IV (which share d1 and d2) and the same strike bought and sold each as the pricer does, days and hours from expiry', () => {
    const legs = [
      option('CALL', 100, -75, 2.5),
      option('PUT', 100, -75, 2.2),
      option('CALL', 100, 150, 2.6, { ivShift: 0.01 }),
      option('PUT', 100, 75, 2.3),
      option('CALL', 104, 75, 1.1),
    ];
    // Three days out σ√τ ≈ 0.018; two hours out ≈ 0.003, the near-expiry form (NEAR_EXPIRY_TOTAL_VOL).
    for (const at of [NEAR_MS - 3 * DAY_MS, NEAR_MS - 2 * 3_600_000]) {
      const kernel = compileHorizon(legs, RATE, at, 0.005);
      expect(kernel.models).toBe(3);
      expect(kernel.nearExpiry[0]).toBe(at > NEAR_MS - DAY_MS ? 1 : 0);
      const spots = Float64Array.from({ length: 41 }, (_, i) => 96 + 0.2 * i);
      const out = new Float64Array(spots.length);
      kernelColumn(kernel, spots, spotLogs(spots), out);
      spots.forEach((s, i) => {
        let expected = 0;
        let gross = 0;
        for (const leg of legs) {
          expected += leg.units * (pricer(leg, at, s, 0.005) - leg.entryPrice);
          gross += Math.abs(leg.units) * (s + leg.strike + leg.entryPrice);
        }
        expect(Math.abs(out[i] - expected), `S = ${s}`).toBeLessThanOrEqual(Math.max(1e-12 * Math.abs(expected), 1e-15 * gross));
      });
    }
  });

  it('marks futures at S·e^{(r−q)τ} and options without variance left at their discounted forward payoff', () => {
    const at = NOW + 40 * DAY_MS;
    const legs = [
      future(-75, 101, { expiryMs: NOW + 60 * DAY_MS, divYield: Q }),
      option('CALL', 100, 75, 3, { expiryMs: NOW + 30 * DAY_MS }),
      option('PUT', 95, 75, 1, { iv: 0, ivShift: 0, expiryMs: NOW + 60 * DAY_MS, divYield: Q }),
    ];
    const kernel = compileHorizon(legs, RATE, at, 0);
    expect(kernel.models).toBe(0);
    expect(kernel.payoffs).toBe(2);
    const tau = 20 / 365;
    for (const s of [0, 50, 94, 99, 100, 120]) {
      const expected = -75 * (s * Math.exp((RATE - Q) * tau) - 101) + 75 * (Math.max(s - 100, 0) - 3) + 75 * (Math.exp(-RATE * tau) * Math.max(95 - s * Math.exp((RATE - Q) * tau), 0) - 1);
      expect(kernelAt(kernel, s)).toBeCloseTo(expected, 9);
    }
  });

  it('values a put at S = 0 at its discounted strike and a call at nothing', () => {
    const put = option('PUT', 100, 1, 0);
    const call = option('CALL', 100, 1, 0);
    const tau = yearsBetween(NOW, put.expiryMs);
    expect(legValueAt(put, market, NOW, 0)).toBeCloseTo(100 * Math.exp(-RATE * tau), 12);
    expect(legValueAt(call, market, NOW, 0)).toBe(0);
  });

  it('fills a column slice [from, to) only, as whatIfGrid relies on', () => {
    const legs = [option('CALL', 100, 1, 2), option('PUT', 95, -1, 1)];
    const spots = Float64Array.from([90, 95, 100, 105, 110]);
    const out = new Float64Array(5).fill(-1);
    pnlColumn(legs, market, NOW, 0, spots, out, 1, 4);
    expect(out[0]).toBe(-1);
    expect(out[4]).toBe(-1);
    for (let i = 1; i < 4; i++) expect(out[i]).toBeCloseTo(legValueAt(legs[0], market, NOW, spots[i]) - 2 - (legValueAt(legs[1], market, NOW, spots[i]) - 1), 12);
  });
});
