import { describe, expect, it } from 'vitest';
import { evaluateStrategy, netPremium, positionGreeks } from './evaluate.ts';
import { pnlAt, pnlColumn, type PricedLeg } from './pnl.ts';
import { optionPrice } from '../pricing/black.ts';
import { mulberry32 } from '../random.ts';
import { DAY_MS, FAR_MS, market, NEAR_MS, NOW, future, option } from './testLegs.ts';

const spots = Float64Array.from({ length: 81 }, (_, i) => 80 + i * 0.5);
const LOT = 75;

/** A calendar plus a diagonal plus a future: three expiries' worth of timing on two expiries. */
const mixed: PricedLeg[] = [
  option('CALL', 100, -LOT, 2.5),
  option('CALL', 100, LOT, 3.6, { expiry: '2027-01-20', expiryMs: FAR_MS, iv: 0.18, divYield: 0.012 }),
  option('PUT', 95, 2 * LOT, 0.9, { ivShift: 0.02 }),
  future(-LOT, 100.4, { expiry: '2027-01-20', expiryMs: FAR_MS, divYield: 0.012 }),
];

describe('evaluateStrategy', () => {
  it('prices the P&L at a target date leg by leg as the pricer does (each leg its own time, IV and carry)', () => {
    const at = NOW + 10 * DAY_MS;
    const result = evaluateStrategy({ legs: mixed, market, spots, targets: [at], ivShift: 0.01, atmIv: 0.2, divYield: 0.01 });
    const curve = result.horizons[1].pnl;
    for (const i of [0, 20, 40, 80]) {
      const s = spots[i];
      let expected = 0;
      for (const leg of mixed) {
        const tau = (leg.expiryMs - at) / (365 * DAY_MS);
        const value =
          leg.instrument === 'FUTURE'
            ? s * Math.exp((market.rate - leg.divYield) * tau)
            : optionPrice({ model: 'bsm', underlying: s, strike: leg.strike, tYears: tau, vol: leg.iv + leg.ivShift + 0.01, rate: market.rate, divYield: leg.divYield, type: leg.optionSign > 0 ? 'call' : 'put' });
        expected += leg.units * (value - leg.entryPrice);
      }
      expect(curve[i]).toBeCloseTo(expected, 8);
    }
  });

  it('prices deep in- and out-of-the-money options an hour from expiry (where Φ saturates) as the pricer does', () => {
    const at = NEAR_MS - 3_600_000;
    const legs = [option('CALL', 100, 1, 0), option('PUT', 100, 1, 0), option('CALL', 99.5, -1, 0), option('PUT', 100.5, -1, 0)];
    const grid = Float64Array.from([90, 98, 99.4, 99.9, 100, 100.1, 100.6, 102, 110]);
    const out = new Float64Array(grid.length);
    for (const leg of legs) {
      pnlColumn([leg], market, at, 0, grid, out);
      grid.forEach((s, i) => {
        const tau = (leg.expiryMs - at) / (365 * DAY_MS);
        const expected = optionPrice({ underlying: s, strike: leg.strike, tYears: tau, vol: leg.iv, rate: market.rate, divYield: leg.divYield, type: leg.optionSign > 0 ? 'call' : 'put' });
        expect(out[i]).toBeCloseTo(leg.units * expected, 10);
      });
    }
  });

  it("values the near legs at their payoff on the first expiry and the far ones at the model with their remaining time", () => {
    const result = evaluateStrategy({ legs: mixed, market, spots, targets: [], ivShift: 0, atmIv: 0.2, divYield: 0.01 });
    expect(result.horizons[0].kind).toBe('EXPIRY');
    expect(result.horizons[0].atMs).toBe(NEAR_MS);
    const s = spots[50];
    const tau = (FAR_MS - NEAR_MS) / (365 * DAY_MS);
    const far = optionPrice({ underlying: s, strike: 100, tYears: tau, vol: 0.18, rate: market.rate, divYield: 0.012, type: 'call' });
    const expected = -LOT * (Math.max(s - 100, 0) - 2.5) + LOT * (far - 3.6) + 2 * LOT * (Math.max(95 - s, 0) - 0.9) - LOT * (s * Math.exp((market.rate - 0.012) * tau) - 100.4);
    expect(result.horizons[0].pnl[50]).toBeCloseTo(expected, 8);
  });

  it('states the net premium as option units × entry: a debit positive, a credit negative, futures none', () => {
    expect(netPremium(mixed)).toBeCloseTo(-LOT * 2.5 + LOT * 3.6 + 2 * LOT * 0.9, 10);
    expect(netPremium([option('CALL', 100, -1, 5), option('PUT', 100, -1, 5)])).toBe(-10);
  });

  it('gives position Greeks (rupees) equal to finite differences of the P&L', () => {
    const g = positionGreeks(mixed, market, 0);
    const f = (s: number, atMs = NOW, shift = 0) => pnlAt(mixed, market, atMs, shift, s);
    const h = 0.01;
    expect(g.delta).toBeCloseTo((f(100 + h) - f(100 - h)) / (2 * h), 4);
    expect(g.gamma).toBeCloseTo((f(100 + h) - 2 * f(100) + f(100 - h)) / (h * h), 2);
    const minute = 60_000;
    expect(g.theta).toBeCloseTo(((f(100, NOW + minute) - f(100, NOW - minute)) / (2 * minute)) * DAY_MS, 4);
    expect(g.vega).toBeCloseTo((f(100, NOW, 0.0001) - f(100, NOW, -0.0001)) / 0.0002 / 100, 4);
  });

  it('gives a probability of profit within 0.002 of a seeded Monte-Carlo of 10⁶ lognormal paths, and its expected P&L within 3 standard errors', () => {
    const legs = [option('PUT', 90, 1, 0.5), option('PUT', 95, -1, 1.3), option('CALL', 105, -1, 1.4), option('CALL', 110, 1, 0.4)];
    const atmIv = 0.2;
    const q = 0.01;
    const result = evaluateStrategy({ legs, market, spots, targets: [NOW + 12 * DAY_MS], ivShift: 0, atmIv, divYield: q });
    const random = mulberry32(20261207);
    const paths = 1_000_000;
    for (const horizon of result.horizons) {
      const t = (horizon.atMs - NOW) / (365 * DAY_MS);
      const forward = market.spot * Math.exp((market.rate - q) * t);
      const terminal = new Float64Array(paths);
      for (let i = 0; i < paths; i += 2) {
        const u1 = random() || 1e-12;
        const u2 = random();
        const radius = Math.sqrt(-2 * Math.log(u1));
        for (const [j, z] of [[i, radius * Math.cos(2 * Math.PI * u2)], [i + 1, radius * Math.sin(2 * Math.PI * u2)]]) {
          terminal[j] = forward * Math.exp(-0.5 * atmIv * atmIv * t + atmIv * Math.sqrt(t) * z);
        }
      }
      const pnl = new Float64Array(paths);
      pnlColumn(legs, market, horizon.atMs, 0, terminal, pnl);
      let wins = 0;
      let sum = 0;
      let sumSquares = 0;
      for (const v of pnl) {
        if (v > 0) wins++;
        sum += v;
        sumSquares += v * v;
      }
      const mean = sum / paths;
      const standardError = Math.sqrt((sumSquares / paths - mean * mean) / paths);
      expect(Math.abs(horizon.lognormal.probabilityOfProfit - wins / paths)).toBeLessThan(0.002);
      expect(Math.abs(horizon.lognormal.expectedPnl - mean)).toBeLessThan(3 * standardError);
    }
  });

  it('reports breakevens with the probability of touching each before the horizon, at least that of ending beyond it', () => {
    const legs = [option('CALL', 100, -1, 2.4), option('PUT', 100, -1, 2.2)];
    const result = evaluateStrategy({ legs, market, spots, targets: [], ivShift: 0, atmIv: 0.2, divYield: 0.01 });
    const [horizon] = result.horizons;
    expect(horizon.breakevens.map((b) => +b.toFixed(6))).toEqual([95.4, 104.6]);
    expect(horizon.touchProbabilities[0]).toBeGreaterThan(0.3);
    expect(horizon.touchProbabilities[0]).toBeLessThan(1);
    expect(horizon.maxLoss).toBeNull();
    expect(horizon.maxProfit).toBeCloseTo(4.6, 8);
    expect(horizon.smile).toBeNull();
  });
});
