/**
 * The benchmark's fixed inputs: NIFTY-like options, the same for every
 * implementation measured, generated from a seeded PRNG.
 */
import { CALL, PUT, allocateGreeks, priceBatch, type OptionBatch } from '../core/pricing/black.ts';
import { mulberry32 } from '../core/random.ts';


export interface IvBenchInputs extends OptionBatch {
  /** Discounted premium computed from `vol` (the true σ). */
  price: Float64Array;
  /** Whether the premium pins σ to 1e-10 in double precision (see isInformative). */
  informative: Uint8Array;
}

export const SPOT = 24_000;
export const RATE = 0.065;

/**
 * n options: spot 24,000, strikes within ±10 % on the 50-point grid, 1–90
 * days, vols 8–58 %, calls and puts; premiums from Black-Scholes at r = 6.5 %.
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
  const greeks = allocateGreeks(n);
  priceBatch(inputs, greeks);
  inputs.price.set(greeks.price);
  for (let i = 0; i < n; i++) {
    // σ is pinned to 1e-10 when a half-ulp-scale uncertainty of the premium
    // (a few ulps: the premium is a difference of two larger terms) moves σ by
    // less than that. Prices below one paisa are outside any real chain too.
    const vegaPerUnit = greeks.vega[i] * 100;
    const uncertainty = (8 * Number.EPSILON * (SPOT + inputs.strike[i])) / vegaPerUnit;
    inputs.informative[i] = inputs.price[i] >= 0.01 && uncertainty <= 1e-10 ? 1 : 0;
  }
  return inputs;
}
