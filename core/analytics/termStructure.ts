/**
 * ATM volatility term structure across the expiries of one underlying at one
 * instant: total ATM variance, the forward volatility between consecutive
 * expiries, and where total variance falls (a calendar arbitrage on the ATM
 * line: total variance must not decrease with maturity).
 *
 *   w_i = σ_i²·T_i,   forward vol_{i−1→i} = √((w_i − w_{i−1}) / (T_i − T_{i−1}))
 *
 * Inputs are aligned columns, expiries ascending by T; IV decimal, T in
 * ACT/365 years. A row without a usable IV or T is NaN and is skipped: the
 * forward vol of a row is measured from the previous row that has one.
 * Forward vol is NaN for the first usable row and where total variance
 * falls (`calendarArbitrage` is then 1) or T does not increase.
 */
export interface TermStructure {
  /** σ²·T, decimal². */
  totalVariance: Float64Array;
  /** Decimal; NaN for the first row and where it is undefined. */
  forwardVol: Float64Array;
  /** 1 where total variance is below the previous usable expiry's, else 0. */
  calendarArbitrage: Uint8Array;
}

export function termStructure(tYears: Float64Array, atmIv: Float64Array): TermStructure {
  const n = tYears.length;
  const out: TermStructure = { totalVariance: new Float64Array(n), forwardVol: new Float64Array(n).fill(NaN), calendarArbitrage: new Uint8Array(n) };
  let previous = -1;
  for (let i = 0; i < n; i++) {
    const t = tYears[i];
    const vol = atmIv[i];
    const usable = t > 0 && t < Infinity && vol > 0 && vol < Infinity;
    out.totalVariance[i] = usable ? vol * vol * t : NaN;
    if (!usable) continue;
    if (previous >= 0) {
      const dw = out.totalVariance[i] - out.totalVariance[previous];
      const dt = t - tYears[previous];
      if (dw < 0) out.calendarArbitrage[i] = 1;
      else if (dt > 0) out.forwardVol[i] = Math.sqrt(dw / dt);
    }
    previous = i;
  }
  return out;
}
