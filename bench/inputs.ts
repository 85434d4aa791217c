/**
 * The benchmark's fixed inputs: NIFTY-like options, the same for every
 * implementation measured, generated from a seeded PRNG.
 *
 * The reference premiums come from an independent pricer, the npm package
 * `black-scholes` (its own Black-Scholes formula and its own normal CDF, a
 * series), not from this project's pricing module: the errors then measure
 * every solver, ours included, against a pricer none of them shares code
 * with — except `implied-volatility`, which inverts this very pricer (it is
 * that package's dependency) and stops at the cent anyway.
 */
import { createRequire } from 'node:module';
import { CALL, PUT, type OptionBatch } from '../core/pricing/black.ts';
import { mulberry32 } from '../core/random.ts';

const require = createRequire(import.meta.url);
const referencePricer = require('black-scholes') as {
  blackScholes(s: number, k: number, t: number, v: number, r: number, callPut: 'call' | 'put'): number;
};
const referenceGreeks = require('greeks') as { getVega(s: number, k: number, t: number, v: number, r: number): number };

export interface IvBenchInputs extends OptionBatch {
  /** Discounted premium at `vol` (the true σ), from the reference pricer. */
  price: Float64Array;
  /** Whether the premium pins σ to 1e-10 in double precision (see makeIvInputs). */
  informative: Uint8Array;
}

export const SPOT = 24_000;
export const RATE = 0.065;

/**
 * n options: spot 24,000, strikes within ±10 % on the 50-point grid, 1–90
 * days, vols 8–58 %, calls and puts; premiums from the reference pricer at
 * r = 6.5 %, no dividends.
 */
export function makeIvInputs(n: number, seed = 20261123): IvBenchInputs {
  const random = mulberry32(seed);
  const inputs: IvBenchInputs = {
    model: 'bsm',
    underlying: new Float64Array(n).fill(SPOT),
    strike: new Float64Array(n),
    tYears: new Float64Array(n),
    vol: new Float64Array(n),
    rate: new Float64Array(n).fill(RATE),
    optionType: new Int8Array(n),
    price: new Float64Array(n),
    informative: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    inputs.strike[i] = Math.round((SPOT * (0.9 + 0.2 * random())) / 50) * 50;
    inputs.tYears[i] = (1 + 89 * random()) / 365;
    inputs.vol[i] = 0.08 + 0.5 * random();
    inputs.optionType[i] = random() < 0.5 ? CALL : PUT;
  }
  for (let i = 0; i < n; i++) {
    const [s, k, t, v, r] = [inputs.underlying[i], inputs.strike[i], inputs.tYears[i], inputs.vol[i], inputs.rate[i]];
    inputs.price[i] = referencePricer.blackScholes(s, k, t, v, r, inputs.optionType[i] === CALL ? 'call' : 'put');
    // σ is pinned to 1e-10 when an uncertainty of the premium of a few ulps of
    // S + K (it is a difference of two terms of that size; the reference and
    // our pricer agree to half of this over these inputs) moves σ by less than
    // that. Vega per unit of σ, from the same independent package family
    // (`greeks` quotes it per vol point). Prices below one paisa are outside
    // any real chain too.
    const vegaPerUnit = referenceGreeks.getVega(s, k, t, v, r) * 100;
    const uncertainty = (8 * Number.EPSILON * (s + k)) / vegaPerUnit;
    inputs.informative[i] = inputs.price[i] >= 0.01 && uncertainty <= 1e-10 ? 1 : 0;
  }
  return inputs;
}
