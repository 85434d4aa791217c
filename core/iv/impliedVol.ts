/**
 * Implied volatility to machine precision, in the spirit of Jäckel's
 * "Let's Be Rational" (Wilmott, 2015): everything happens on the normalized
 * Black price, a closed-form initial guess picks the right branch, and a
 * third-order Householder iteration on a branch-specific objective converges
 * in two or three steps everywhere.
 *
 * Normalization. With F the forward, K the strike, x = ln(F/K), θ = ±1
 * (call/put) and s = σ√T the total volatility, the undiscounted Black price
 * divided by √(FK) is
 *
 *   b(x, s, θ) = θ·[e^{x/2}·Φ(θ(x/s + s/2)) − e^{−x/2}·Φ(θ(x/s − s/2))].
 *
 * An in-the-money option is its intrinsic value plus the out-of-the-money
 * option of opposite type, b(x,s,θ) = ι + b(−|x|, s, +1), so the solver only
 * ever inverts an out-of-the-money call, x ≤ 0, whose price lies in
 * (0, e^{x/2}). With h = x/s, t = s/2 and Mills' ratio Y(z) = Φ(z)/φ(z):
 *
 *   b  = K·[Y(h+t) − Y(h−t)]          (the price),
 *   b' = K = e^{−(h²+t²)/2}/√(2π)     (its vega, ∂b/∂s),
 *   e^{x/2} − b = K·[Y(−h−t) + Y(h−t)] (the headroom below the upper bound),
 *
 * so prices, vega and all their ratios are evaluated without underflow or
 * cancellation, and b''/b' = x²/s³ − s/4 is free.
 *
 * Branches (split at the inflection point s_c = √(2|x|)):
 * - below it, b is convex and tiny: iterate on 1/ln b, which is nearly linear in s;
 * - around it: on b itself;
 * - above it, b saturates towards e^{x/2}: iterate on ln(e^{x/2} − b).
 *
 * Units: σ is a decimal per year (0.15 = 15 %). Prices are discounted premiums
 * in the same currency as the underlying; `rate` discounts them.
 *
 * Inputs without a solution return NaN and a status the caller can count,
 * never a silently wrong number: see IvStatus.
 */
import { INV_SQRT_2PI, SQRT_2PI, millsRatio, normCdf, normInv, normInvApprox } from '../math/normal.ts';
import type { PricingModel } from '../pricing/black.ts';

export const IvStatus = {
  ok: 0,
  /** Price equals intrinsic value exactly: σ = 0 is returned. */
  atIntrinsic: 1,
  priceBelowIntrinsic: 2,
  /** At or above the no-arbitrage upper bound (discounted forward for a call, discounted strike for a put). */
  priceAboveMaximum: 3,
  nonPositiveTime: 4,
  nonPositivePrice: 5,
  /** Non-finite input (including T = +∞), or non-positive underlying or strike, or an unknown option type. */
  invalidInput: 6,
  /**
   * The time value (the out-of-the-money part of the premium) normalised by
   * √(F·K) is subnormal (below 2.2e-308, where doubles lose significant
   * bits), or σ comes out below the smallest normal double (σ√T underflows):
   * the premium is too small for σ to be determined.
   */
  priceTooSmall: 7,
} as const;
export type IvStatusCode = (typeof IvStatus)[keyof typeof IvStatus];
export const IV_STATUS_NAMES = Object.keys(IvStatus) as (keyof typeof IvStatus)[];

const SQRT_PI_OVER_2 = Math.sqrt(Math.PI / 2);
const SQRT_3 = Math.sqrt(3);
const TWO_PI_OVER_SQRT_27 = (2 * Math.PI) / Math.sqrt(27);
const LN_INV_SQRT_2PI = Math.log(INV_SQRT_2PI);
/** A Householder step smaller than this (relative) leaves an error of its cube: done. */
const CONVERGED_STEP = 1e-4;
const MAX_ITERATIONS = 20;
/** The smallest positive normal double: below it a value has lost significant bits. */
const MIN_NORMAL = 2 ** -1022;

/** Which function of s the iteration drives to zero (see the module doc). */
const Objective = { logPrice: 0, price: 1, logHeadroom: 2 } as const;
type Objective = (typeof Objective)[keyof typeof Objective];
/** Below this share of the price at the inflection point, iterate on 1/ln b. */
const LOG_PRICE_OBJECTIVE_BELOW = 0.5;
/** Below this share of the headroom at the inflection point, iterate on ln(e^{x/2} − b). */
const LOG_HEADROOM_OBJECTIVE_BELOW = 0.5;

/**
 * Normalized Black price b(x, s, θ) (see the module doc). Exposed for tests
 * and for callers who work in normalized units.
 */
export function normalizedBlack(x: number, s: number, theta: 1 | -1): number {
  const intrinsic = theta * x > 0 ? theta * (Math.exp(x / 2) - Math.exp(-x / 2)) : 0;
  if (!(s > 0)) return intrinsic;
  const xOtm = -Math.abs(x);
  const h = xOtm / s;
  const t = s / 2;
  return intrinsic + INV_SQRT_2PI * Math.exp(-0.5 * (h * h + t * t)) * (millsRatio(h + t) - millsRatio(h - t));
}

/**
 * Total implied volatility s = σ√T of an out-of-the-money call in normalized
 * units: x ≤ 0, 0 < beta < e^{x/2} (pass that bound if you have it). No input
 * checks: callers have done them.
 */
export function totalVolOfOtmCall(beta: number, x: number, upperBound = Math.exp(0.5 * x)): number {
  const headroomTarget = upperBound - beta;
  const absX = -x;

  // The inflection point s_c = √(2|x|), where h + t = 0 and h − t = −s_c, so
  // the price there costs one Mills ratio and the vega e^{−|x|/2}/√(2π) none.
  const sC = Math.sqrt(2 * absX);
  let s: number;
  let lo = 0;
  let hi = Infinity;
  let objective: Objective;
  if (sC > 0) {
    const vegaC = INV_SQRT_2PI * upperBound;
    const bC = vegaC * (SQRT_PI_OVER_2 - millsRatio(-sC));
    const tangent = sC + (beta - bC) / vegaC;
    if (beta < bC) {
      hi = sC;
      // Below the inflection b is convex, so the tangent at s_c overshoots;
      // the small-s asymptote b ≈ (2π|x|/√27)·Φ(−|x|/(√3·s))³ undershoots less.
      const cubeRoot = Math.cbrt(beta / (TWO_PI_OVER_SQRT_27 * absX));
      const asymptotic = cubeRoot < 0.5 ? absX / (SQRT_3 * -normInvApprox(cubeRoot)) : tangent;
      s = tangent > 0 && tangent < asymptotic ? tangent : asymptotic;
      if (!(s > 0 && s < sC)) s = 0.5 * sC;
      objective = beta < LOG_PRICE_OBJECTIVE_BELOW * bC ? Objective.logPrice : Objective.price;
    } else {
      lo = sC;
      // Above it b is concave (the tangent undershoots) and the headroom decays
      // like 2Φ(−s/2); scale that map to agree with the true headroom at s_c.
      const headroomC = upperBound - bC;
      const scale = normCdf(-0.5 * sC) / headroomC;
      const mapped = -2 * normInvApprox(Math.min(scale * headroomTarget, 0.5));
      s = mapped > tangent ? mapped : tangent;
      if (!(s > sC)) s = sC;
      objective = headroomTarget < LOG_HEADROOM_OBJECTIVE_BELOW * headroomC ? Objective.logHeadroom : Objective.price;
    }
  } else {
    // At the money the headroom is exactly 2Φ(−s/2).
    s = -2 * normInv(0.5 * headroomTarget);
    objective = headroomTarget < LOG_HEADROOM_OBJECTIVE_BELOW * upperBound ? Objective.logHeadroom : Objective.price;
  }

  const lnTarget = objective === Objective.logPrice ? Math.log(beta) : objective === Objective.logHeadroom ? Math.log(headroomTarget) : 0;
  const inverseLnTarget = 1 / lnTarget;
  const xSquared = x * x;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // Divisions are the slow part of this loop: take 1/s once.
    const inverseS = 1 / s;
    const h = x * inverseS;
    const t = 0.5 * s;
    const halfSumSquares = 0.5 * (h * h + t * t);
    const yMinus = millsRatio(h - t);
    // Derivatives of the price in s relative to the vega b' = K, from
    // K'/K = p = x²/s³ − s/4: b''/b' = p, b'''/b' = p² + p', b''''/b' = p³ + 3pp' + p''.
    const inverseS2 = inverseS * inverseS;
    const xOverS4 = xSquared * inverseS2 * inverseS2;
    const p = xOverS4 * s - 0.25 * s;
    const dp = -3 * xOverS4 - 0.25;
    const d2p = 12 * xOverS4 * inverseS;
    const q3 = p * p + dp;
    const q4 = p * (p * p + 3 * dp) + d2p;
    // ν = −g/g' and the ratios a_k = g⁽ᵏ⁾/g' of the objective g.
    let newton: number;
    let a2: number;
    let a3: number;
    let a4: number;
    if (objective === Objective.price) {
      // Objective b − β.
      // β over the vega K = e^{−(h²+t²)/2}/√(2π).
      newton = beta * SQRT_2PI * Math.exp(halfSumSquares) - (millsRatio(h + t) - yMinus);
      a2 = p;
      a3 = q3;
      a4 = q4;
    } else {
      // Objective 1/ln b − 1/ln β (below the inflection) or ln(e^{x/2} − β) −
      // ln(e^{x/2} − b) (above it). Both need the derivatives of a logarithm
      // ln f, with f = b (f over the vega: D = Y(h+t) − Y(h−t)) or
      // f = e^{x/2} − b (over the vega: E = Y(−h−t) + Y(h−t); f' = −b').
      const isPrice = objective === Objective.logPrice;
      const overVega = isPrice ? millsRatio(h + t) - yMinus : millsRatio(-h - t) + yMinus;
      const logF = LN_INV_SQRT_2PI - halfSumSquares + Math.log(overVega);
      // f⁽ᵏ⁾/f, then the derivatives of ln f by the cumulant identities.
      const f1 = (isPrice ? 1 : -1) / overVega;
      const inverseL1 = isPrice ? overVega : -overVega;
      const f2 = p * f1;
      const f3 = q3 * f1;
      const f4 = q4 * f1;
      const l1 = f1;
      const l2 = f2 - f1 * f1;
      const l3 = f3 - 3 * f1 * f2 + 2 * f1 * f1 * f1;
      const l4 = f4 - 4 * f1 * f3 - 3 * f2 * f2 + 12 * f1 * f1 * f2 - 6 * f1 * f1 * f1 * f1;
      if (isPrice) {
        // g = 1/ℓ − 1/ℓ_β, differentiated as a reciprocal.
        const inverseLogF = 1 / logF;
        const r = l1 * inverseLogF;
        newton = logF * (lnTarget - logF) * inverseLnTarget * inverseL1;
        a2 = l2 * inverseL1 - 2 * r;
        a3 = 6 * r * r - 6 * l2 * inverseLogF + l3 * inverseL1;
        a4 = -24 * r * r * r + 36 * r * l2 * inverseLogF - 6 * l2 * l2 * inverseLogF * inverseL1 - 8 * l3 * inverseLogF + l4 * inverseL1;
      } else {
        // g = ln c_β − ln c.
        newton = (lnTarget - logF) * inverseL1;
        a2 = l2 * inverseL1;
        a3 = l3 * inverseL1;
        a4 = l4 * inverseL1;
      }
    }
    if (newton > 0) lo = s;
    else hi = s;
    // Fourth-order Householder step in ν and the a_k.
    const nu2 = newton * newton;
    const step =
      (newton * (1 + newton * a2 + nu2 * a3 * (1 / 6))) /
      (1 + 1.5 * newton * a2 + 0.25 * nu2 * a2 * a2 + nu2 * a3 * (1 / 3) + nu2 * newton * a4 * (1 / 24));
    const next = s + step;
    if (Math.abs(step) <= CONVERGED_STEP * s) {
      // Quartic convergence: the error left is of the order of step⁴.
      s = next;
      break;
    }
    if (next > lo && next < hi) {
      s = next;
    } else {
      // The step left the bracket: fall back to its midpoint (or double s
      // when there is no upper end yet) and keep iterating.
      s = hi === Infinity ? 2 * lo : 0.5 * (lo + hi);
    }
  }
  return s;
}

/** Where the solver writes its answer when called for one option. */
export interface IvResult {
  vol: number;
  status: IvStatusCode;
}

/**
 * Black implied volatility from an undiscounted price on a forward.
 * Returns the status beside σ (decimal per year).
 */
export function impliedVolFromForwardPrice(
  undiscountedPrice: number,
  forward: number,
  strike: number,
  tYears: number,
  theta: number,
  result: IvResult = { vol: NaN, status: IvStatus.ok },
): IvResult {
  result.vol = NaN;
  if (
    !(forward > 0 && strike > 0 && Number.isFinite(forward) && Number.isFinite(strike) && (theta === 1 || theta === -1)) ||
    Number.isNaN(undiscountedPrice) ||
    Number.isNaN(tYears) ||
    tYears === Infinity
  ) {
    result.status = IvStatus.invalidInput;
    return result;
  }
  if (!(tYears > 0)) {
    result.status = IvStatus.nonPositiveTime;
    return result;
  }
  if (!(undiscountedPrice > 0)) {
    result.status = IvStatus.nonPositivePrice;
    return result;
  }
  const x = Math.log(forward / strike);
  const rootFK = Math.sqrt(forward * strike);
  const beta = undiscountedPrice / rootFK;
  const inTheMoney = theta * x > 0;
  const upperBound = theta === 1 ? forward / rootFK : strike / rootFK;
  if (!(beta < upperBound)) {
    result.status = IvStatus.priceAboveMaximum;
    return result;
  }
  // Out-of-the-money price: subtract intrinsic in price units, where the
  // subtraction is exact as long as the data is.
  const otmPrice = inTheMoney ? undiscountedPrice - theta * (forward - strike) : undiscountedPrice;
  if (otmPrice < 0) {
    result.status = IvStatus.priceBelowIntrinsic;
    return result;
  }
  if (otmPrice === 0) {
    result.vol = 0;
    result.status = IvStatus.atIntrinsic;
    return result;
  }
  // The out-of-the-money option is worth less than min(F, K), which is
  // e^{−|x|/2} in normalized units.
  const otmMaximum = forward < strike ? forward : strike;
  if (!(otmPrice < otmMaximum)) {
    result.status = IvStatus.priceAboveMaximum;
    return result;
  }
  const otmBeta = otmPrice / rootFK;
  if (otmBeta < MIN_NORMAL) {
    result.status = IvStatus.priceTooSmall;
    return result;
  }
  const vol = totalVolOfOtmCall(otmBeta, -Math.abs(x), otmMaximum / rootFK) / Math.sqrt(tYears);
  if (!(vol >= MIN_NORMAL)) {
    // A positive time value has a positive σ: 0 (or a subnormal) means it underflowed.
    result.status = IvStatus.priceTooSmall;
    return result;
  }
  result.vol = vol;
  result.status = IvStatus.ok;
  return result;
}

export interface IvBatch {
  model: PricingModel;
  /** Discounted option premium. */
  price: Float64Array;
  /** Spot (bsm) or forward/futures price (black76). */
  underlying: Float64Array;
  strike: Float64Array;
  tYears: Float64Array;
  rate: Float64Array;
  /** Continuous dividend yield, bsm only; absent means 0. */
  divYield?: Float64Array;
  /** +1 call, −1 put. */
  optionType: Int8Array;
}

/**
 * Solves every option of the batch into `vol` (decimal) and `status`
 * (IvStatus codes) over [from, to). Allocates nothing per option.
 */
export function impliedVolBatch(
  batch: IvBatch,
  vol: Float64Array,
  status: Uint8Array,
  from = 0,
  to = batch.strike.length,
): void {
  const { price, underlying, strike, tYears, rate, divYield, optionType } = batch;
  const forwardIsGiven = batch.model === 'black76';
  const result: IvResult = { vol: NaN, status: IvStatus.ok };
  for (let i = from; i < to; i++) {
    const t = tYears[i];
    const r = rate[i];
    const q = forwardIsGiven || divYield === undefined ? 0 : divYield[i];
    // Undiscount with e^{rT}: the forward price of the premium.
    const growth = Math.exp(r * t);
    const forward = forwardIsGiven ? underlying[i] : underlying[i] * (q === 0 ? growth : Math.exp((r - q) * t));
    const undiscounted = price[i] * growth;
    impliedVolFromForwardPrice(undiscounted, forward, strike[i], t, optionType[i], result);
    vol[i] = result.vol;
    status[i] = result.status;
  }
}

export interface ImpliedVolInput {
  model?: PricingModel;
  /** Discounted premium. */
  price: number;
  underlying: number;
  strike: number;
  tYears: number;
  rate?: number;
  divYield?: number;
  type: 'call' | 'put';
}

/** Implied volatility of one option (decimal), with the status beside it. */
export function impliedVol(input: ImpliedVolInput): IvResult {
  const r = input.rate ?? 0;
  const q = input.model === 'black76' ? 0 : (input.divYield ?? 0);
  const t = input.tYears;
  const forward = input.model === 'black76' ? input.underlying : input.underlying * Math.exp((r - q) * t);
  return impliedVolFromForwardPrice(input.price * Math.exp(r * t), forward, input.strike, t, input.type === 'call' ? 1 : -1);
}
