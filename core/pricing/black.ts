/**
 * European option prices and Greeks: Black-Scholes-Merton on a spot with a
 * continuous dividend yield, and Black-76 on a forward or futures price.
 *
 * Conventions (stated once, used everywhere in the platform):
 * - `underlying` is the spot S under `bsm`, the forward/futures price F under
 *   `black76`. Delta, gamma and vanna are derivatives with respect to it.
 * - `tYears` is ACT/365 time to the expiry instant (see core/time/expiry.ts).
 * - `vol`, `rate` and `divYield` are decimals per year, continuously
 *   compounded (0.15 = 15 %). Dhan and NSE quote IV in percent: convert at the
 *   source, never here.
 * - `price` is the discounted premium.
 * - `delta` ∂V/∂U; `gamma` ∂²V/∂U².
 * - `theta` per calendar day: −∂V/∂T / 365 (U held fixed).
 * - `vega` per 1 vol point: ∂V/∂σ / 100.
 * - `rho` per 1 % rate: ∂V/∂r / 100. Under `bsm` the forward moves with r;
 *   under `black76` the futures price is held fixed, so rho = −T·V.
 * - `vanna` per 1 vol point: ∂Δ/∂σ / 100.
 * - `charm` per calendar day: the change of delta as one day passes, −∂Δ/∂T / 365.
 * - `vomma` per vol point squared: ∂²V/∂σ² / 10⁴ (change of per-point vega per vol point).
 *
 * Limits, so that 0DTE options never produce NaN:
 * - at or after expiry (T ≤ 0) the option is its payoff: price max(θ(U−K), 0),
 *   delta the payoff's slope (±1 in the money, 0 out of it, ±½ exactly at the
 *   strike), every other Greek 0;
 * - with zero total variance (σ = 0 before expiry) the option is its discounted
 *   forward payoff; gamma, vega, vanna and vomma are 0 (their limit away from
 *   the strike; at the strike itself the limit is unbounded and 0 is reported).
 *
 * The batch entry point works on struct-of-arrays columns and allocates
 * nothing per option; the scalar wrapper is for calculators and tests.
 */
import { normCdfFromGaussian, INV_SQRT_2PI } from '../math/normal.ts';

export type PricingModel = 'bsm' | 'black76';

/** +1 for a call, −1 for a put: the sign θ in θ·(U − K). */
export const CALL = 1;
export const PUT = -1;
export type OptionSign = typeof CALL | typeof PUT;

export interface OptionBatch {
  model: PricingModel;
  underlying: Float64Array;
  strike: Float64Array;
  tYears: Float64Array;
  vol: Float64Array;
  rate: Float64Array;
  /** Continuous dividend yield, `bsm` only; absent means 0. */
  divYield?: Float64Array;
  /** CALL (+1) or PUT (−1) per option. */
  optionType: Int8Array;
}

export interface GreekColumns {
  price: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  theta: Float64Array;
  vega: Float64Array;
  rho: Float64Array;
  vanna: Float64Array;
  charm: Float64Array;
  vomma: Float64Array;
}

export const GREEK_NAMES = ['price', 'delta', 'gamma', 'theta', 'vega', 'rho', 'vanna', 'charm', 'vomma'] as const;
export type GreekName = (typeof GREEK_NAMES)[number];
export type Greeks = Record<GreekName, number>;

export function allocateGreeks(n: number): GreekColumns {
  return {
    price: new Float64Array(n),
    delta: new Float64Array(n),
    gamma: new Float64Array(n),
    theta: new Float64Array(n),
    vega: new Float64Array(n),
    rho: new Float64Array(n),
    vanna: new Float64Array(n),
    charm: new Float64Array(n),
    vomma: new Float64Array(n),
  };
}

const DAYS_PER_YEAR = 365;

/**
 * Fills `out[from..to)` with price and Greeks for `batch[from..to)`.
 * Invalid inputs (non-finite, non-positive underlying or strike, negative vol)
 * produce NaN in every column for that option only.
 */
export function priceBatch(batch: OptionBatch, out: GreekColumns, from = 0, to = batch.strike.length): void {
  const { underlying, strike, tYears, vol, rate, divYield, optionType } = batch;
  const forwardIsGiven = batch.model === 'black76';
  const { price, delta, gamma, theta, vega, rho, vanna, charm, vomma } = out;

  for (let i = from; i < to; i++) {
    const u = underlying[i];
    const k = strike[i];
    const t = tYears[i];
    const sigma = vol[i];
    const r = rate[i];
    const q = forwardIsGiven ? r : divYield === undefined ? 0 : divYield[i];
    const sign = optionType[i];

    if (!(u > 0 && k > 0 && sigma >= 0 && Number.isFinite(u + k + t + sigma + r + q) && (sign === 1 || sign === -1))) {
      price[i] = delta[i] = gamma[i] = theta[i] = vega[i] = rho[i] = vanna[i] = charm[i] = vomma[i] = NaN;
      continue;
    }

    if (t <= 0) {
      const payoff = sign * (u - k);
      price[i] = payoff > 0 ? payoff : 0;
      delta[i] = payoff > 0 ? sign : payoff === 0 ? 0.5 * sign : 0;
      gamma[i] = theta[i] = vega[i] = rho[i] = vanna[i] = charm[i] = vomma[i] = 0;
      continue;
    }

    // Generalized Black-Scholes: cost of carry b = r − q (bsm) or 0 (black76),
    // so the forward is u·e^{bT} and the delta discount Dd = e^{(b−r)T} = e^{−qT}.
    const carry = r - q;
    const sqrtT = Math.sqrt(t);
    const totalVol = sigma * sqrtT;
    const discount = Math.exp(-r * t);
    const deltaDiscount = q === 0 ? 1 : q === r ? discount : Math.exp(-q * t);
    const logMoneyness = Math.log(u / k) + carry * t;

    let d1: number;
    let d2: number;
    let pdf1: number;
    let cdf1: number; // Φ(θ·d1)
    let cdf2: number; // Φ(θ·d2)
    const d1Raw = logMoneyness / totalVol + 0.5 * totalVol;
    if (totalVol > 0 && Number.isFinite(d1Raw)) {
      d1 = d1Raw;
      d2 = d1 - totalVol;
      // One exponential serves φ(d1), Φ(d1) and Φ(d2): e^{−d2²/2} = e^{−d1²/2}·F/K
      // and F/K = (U·Dd)/(K·Dr).
      const gaussian1 = Math.exp(-0.5 * d1 * d1);
      const gaussian2 = gaussian1 > 0 ? (gaussian1 * u * deltaDiscount) / (k * discount) : Math.exp(-0.5 * d2 * d2);
      pdf1 = INV_SQRT_2PI * gaussian1;
      cdf1 = normCdfFromGaussian(sign * d1, gaussian1);
      cdf2 = normCdfFromGaussian(sign * d2, gaussian2);
    } else {
      // Zero total variance: the payoff is decided by the forward alone.
      d1 = d2 = 0;
      pdf1 = 0;
      const inTheMoney = sign * logMoneyness;
      cdf1 = cdf2 = inTheMoney > 0 ? 1 : inTheMoney < 0 ? 0 : 0.5;
    }

    const discountedUnderlying = deltaDiscount * u;
    const discountedStrike = discount * k;
    const value = sign * (discountedUnderlying * cdf1 - discountedStrike * cdf2);
    const optionDelta = sign * deltaDiscount * cdf1;
    const hasDensity = pdf1 > 0;

    price[i] = value;
    delta[i] = optionDelta;
    gamma[i] = hasDensity ? (deltaDiscount * pdf1) / (u * totalVol) : 0;
    const vegaPerUnit = discountedUnderlying * pdf1 * sqrtT;
    vega[i] = vegaPerUnit / 100;
    const thetaPerYear =
      -(discountedUnderlying * pdf1 * sigma) / (2 * sqrtT) + q * sign * discountedUnderlying * cdf1 - r * sign * discountedStrike * cdf2;
    theta[i] = thetaPerYear / DAYS_PER_YEAR;
    rho[i] = (forwardIsGiven ? -t * value : sign * discountedStrike * t * cdf2) / 100;
    vanna[i] = hasDensity ? (-deltaDiscount * pdf1 * d2) / sigma / 100 : 0;
    vomma[i] = hasDensity ? (vegaPerUnit * d1 * d2) / sigma / 10_000 : 0;
    const charmPerYear = q * optionDelta - (hasDensity ? (deltaDiscount * pdf1 * (2 * carry * t - d2 * totalVol)) / (2 * t * totalVol) : 0);
    charm[i] = charmPerYear / DAYS_PER_YEAR;
  }
}

export interface OptionInput {
  model?: PricingModel;
  underlying: number;
  strike: number;
  tYears: number;
  vol: number;
  rate?: number;
  divYield?: number;
  type: 'call' | 'put';
}

const scalarBatch: OptionBatch = {
  model: 'bsm',
  underlying: new Float64Array(1),
  strike: new Float64Array(1),
  tYears: new Float64Array(1),
  vol: new Float64Array(1),
  rate: new Float64Array(1),
  divYield: new Float64Array(1),
  optionType: new Int8Array(1),
};
const scalarOut = allocateGreeks(1);

/** Price and Greeks of one option (same conventions as the batch API). */
export function optionGreeks(input: OptionInput): Greeks {
  scalarBatch.model = input.model ?? 'bsm';
  scalarBatch.underlying[0] = input.underlying;
  scalarBatch.strike[0] = input.strike;
  scalarBatch.tYears[0] = input.tYears;
  scalarBatch.vol[0] = input.vol;
  scalarBatch.rate[0] = input.rate ?? 0;
  scalarBatch.divYield![0] = input.divYield ?? 0;
  scalarBatch.optionType[0] = input.type === 'call' ? CALL : PUT;
  priceBatch(scalarBatch, scalarOut);
  const greeks = {} as Greeks;
  for (const name of GREEK_NAMES) greeks[name] = scalarOut[name][0];
  return greeks;
}

/** Discounted premium of one option. */
export function optionPrice(input: OptionInput): number {
  return optionGreeks(input).price;
}
