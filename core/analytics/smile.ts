/**
 * The implied-volatility smile of one chain snapshot, plot-ready: per strike
 * the call IV, the put IV and the blended out-of-the-money smile, against
 * log-moneyness k = ln(K/F) and as total variance w = σ²·T (what the SVI fit
 * in svi.ts takes), plus each strike's forward delta.
 *
 * Conventions:
 * - F is the forward the chain was priced off (pass the snapshot's), else
 *   resolveForward's fallback (future, then carry).
 * - The OTM smile takes, at each strike, the side that is out of the money
 *   there: the put below F, the call above F, the mean of both at K = F;
 *   where that side has no usable IV, the other side's (by put-call parity
 *   both price the same volatility; the OTM side is the liquid one, and an
 *   ITM option's IV is mostly intrinsic value and noise). NaN when neither
 *   side is usable. IVs are decimal (0.15 = 15 %).
 * - Delta is the undiscounted forward call delta N(d1) at the OTM IV
 *   (skew.ts' forwardDelta): 0.5 near the money, towards 1 deep below F and
 *   0 far above; the put delta is that minus 1. The delta axis of a surface.
 */
import { isUsableIv, type ChainSnapshot } from '../chain.ts';
import { resolveForward } from './basis.ts';
import { forwardDelta } from './skew.ts';

export interface Smile {
  forward: number;
  tYears: number;
  strikes: Float64Array;
  /** ln(K/F). */
  logMoneyness: Float64Array;
  /** Decimal; NaN where not usable. */
  callIv: Float64Array;
  putIv: Float64Array;
  otmIv: Float64Array;
  /** otmIv²·T, decimal². */
  totalVariance: Float64Array;
  /** Forward call delta N(d1) at otmIv. */
  callDelta: Float64Array;
}

/** The OTM IV at one strike (see the module doc). */
export function otmIv(strike: number, forward: number, callIv: number, putIv: number): number {
  const callOk = isUsableIv(callIv);
  const putOk = isUsableIv(putIv);
  if (callOk && putOk && strike === forward) return 0.5 * (callIv + putIv);
  if (strike < forward) return putOk ? putIv : callOk ? callIv : NaN;
  return callOk ? callIv : putOk ? putIv : NaN;
}

/** The smile of `chain` on the forward `forward` (see the module doc). */
export function chainSmile(chain: ChainSnapshot, forward?: number): Smile {
  const f = resolveForward(chain, forward);
  const { strikes, tYears } = chain;
  const n = strikes.length;
  const smile: Smile = {
    forward: f,
    tYears,
    strikes,
    logMoneyness: new Float64Array(n),
    callIv: new Float64Array(n),
    putIv: new Float64Array(n),
    otmIv: new Float64Array(n),
    totalVariance: new Float64Array(n),
    callDelta: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const k = strikes[i];
    const c = chain.call.iv[i];
    const p = chain.put.iv[i];
    smile.callIv[i] = isUsableIv(c) ? c : NaN;
    smile.putIv[i] = isUsableIv(p) ? p : NaN;
    const vol = otmIv(k, f, c, p);
    smile.otmIv[i] = vol;
    smile.logMoneyness[i] = Math.log(k / f);
    smile.totalVariance[i] = tYears > 0 ? vol * vol * tYears : NaN;
    smile.callDelta[i] = forwardDelta(f, k, tYears, vol, 1);
  }
  return smile;
}
