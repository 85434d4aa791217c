import { describe, expect, it } from 'vitest';
import { lognormalCdf, probabilityOfProfit, touchProbability } from './probability.ts';
import { normCdf } from '../math/normal.ts';
import { mulberry32 } from '../random.ts';

describe('touchProbability', () => {
  it('is 2Φ(−|ln(H/S)|/(σ√T)) without drift (the reflection principle)', () => {
    // r − q = σ²/2 makes the log drift ν zero.
    const vol = 0.2;
    const t = 0.25;
    const rate = 0.5 * vol * vol;
    for (const level of [90, 110]) {
      const b = Math.abs(Math.log(level / 100));
      expect(touchProbability(100, level, vol, rate, 0, t)).toBeCloseTo(2 * normCdf(-b / (vol * Math.sqrt(t))), 12);
    }
  });

  it('agrees with a seeded Monte-Carlo of continuously monitored paths (Brownian-bridge crossing per step)', () => {
    const [spot, vol, rate, q, t] = [100, 0.25, 0.065, 0.01, 0.2];
    const nu = rate - q - 0.5 * vol * vol;
    const steps = 50;
    const dt = t / steps;
    const paths = 40_000;
    const random = mulberry32(7);
    const gaussian = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
    for (const level of [92, 108]) {
      const barrier = Math.log(level / spot);
      let touched = 0;
      for (let p = 0; p < paths; p++) {
        let x = 0;
        for (let s = 0; s < steps; s++) {
          const next = x + nu * dt + vol * Math.sqrt(dt) * gaussian();
          const beyond = barrier > 0 ? next >= barrier : next <= barrier;
          const bridge = Math.exp((-2 * (barrier - x) * (barrier - next)) / (vol * vol * dt));
          if (beyond || random() < bridge) {
            touched++;
            break;
          }
          x = next;
        }
      }
      const mc = touched / paths;
      const se = Math.sqrt((mc * (1 - mc)) / paths);
      expect(Math.abs(touchProbability(spot, level, vol, rate, q, t) - mc)).toBeLessThan(4 * se);
    }
  });

  it('is at least the probability of ending beyond the level, and 1 at the spot', () => {
    const d = { forward: 100 * Math.exp(0.055 * 0.1), vol: 0.2, tYears: 0.1 };
    expect(touchProbability(100, 105, 0.2, 0.065, 0.01, 0.1)).toBeGreaterThan(1 - lognormalCdf(d, 105));
    expect(touchProbability(100, 95, 0.2, 0.065, 0.01, 0.1)).toBeGreaterThan(lognormalCdf(d, 95));
    expect(touchProbability(100, 100, 0.2, 0.065, 0.01, 0.1)).toBe(1);
  });
});

describe('probabilityOfProfit', () => {
  it('adds the mass of the intervals between breakevens where the P&L is positive', () => {
    const cdf = (x: number) => Math.min(1, x / 200); // uniform on [0, 200]
    expect(probabilityOfProfit([90, 110], (s) => s > 90 && s < 110, cdf, 100)).toBeCloseTo(0.1, 12);
    expect(probabilityOfProfit([90, 110], (s) => s < 90 || s > 110, cdf, 100)).toBeCloseTo(0.9, 12);
    expect(probabilityOfProfit([], () => true, cdf, 100)).toBe(1);
  });
});
