/**
 * Breakevens and extremes of a strategy's P&L at one instant.
 *
 * Breakevens are root-found, not read off a grid: the P&L is evaluated on a
 * scan grid (which the caller makes include every strike, so that the kinks
 * of an expiry payoff and the narrow tent of a butterfly are on it), each
 * sign change is bracketed and refined by Brent's method on the exact P&L to
 * 1e-9 index points. A P&L that touches zero without crossing (a tangent)
 * is not a breakeven.
 *
 * Max profit and max loss: the largest and smallest P&L over the scan grid
 * (exact for a payoff at expiry, which is piecewise linear with its kinks at
 * the strikes on the grid; to the grid's spacing for legs still alive), at
 * S → 0, and unbounded (null, "unlimited") when the P&L keeps rising or
 * falling as the spot grows: for large S every leg is linear in S, so the
 * slope between two far spots decides (a slope under 1 % of the position's
 * units, a calendar's carry, counts as flat).
 */
import { kernelAt, kernelColumn, spotLogs, type HorizonKernel } from './pnl.ts';

/** A tail slope (rupees per index point) below this share of the position's units counts as flat. */
export const TAIL_FLAT_SHARE = 0.01;

export interface CurveExtremes {
  /** Largest P&L, rupees; null when unbounded above (unlimited profit). */
  maxProfit: number | null;
  /** Smallest P&L, rupees (negative for a loss); null when unbounded below (unlimited loss). */
  maxLoss: number | null;
  /** Spot where each is reached (index points); null with the value. */
  maxProfitAt: number | null;
  maxLossAt: number | null;
}

/** A scan grid: `points` log-spaced spots over [low, high], merged with `extra` (strikes), ascending, unique. */
export function scanGrid(low: number, high: number, points: number, extra: Iterable<number>): Float64Array {
  const values: number[] = [];
  const step = Math.log(high / low) / (points - 1);
  for (let i = 0; i < points; i++) values.push(low * Math.exp(step * i));
  for (const x of extra) if (x > 0 && Number.isFinite(x)) values.push(x);
  values.sort((a, b) => a - b);
  const unique = values.filter((x, i) => i === 0 || x !== values[i - 1]);
  return Float64Array.from(unique);
}

/** Brent's root of f on [a, b] where f(a)·f(b) < 0, to `tolerance` in x. */
export function brentRoot(f: (x: number) => number, a: number, b: number, fa = f(a), fb = f(b), tolerance = 1e-9): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iteration = 0; iteration < 200; iteration++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tolerance;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return b;
}

/**
 * The breakevens of the P&L of `kernel` (pnl.ts' compiled legs at one
 * instant; index points, ascending), from its values `pnl` on the scan grid
 * `scan` (as scanPnl fills them).
 */
export function breakevens(kernel: HorizonKernel, scan: Float64Array, pnl: Float64Array): number[] {
  const roots: number[] = [];
  const f = (s: number) => kernelAt(kernel, s);
  // A P&L within a millionth of a rupee of 0 is 0 (a flat stretch at 0 is no crossing).
  const sgn = (v: number) => (Math.abs(v) < 1e-6 ? 0 : Math.sign(v));
  let lastSign = 0;
  let lastIndex = -1;
  for (let i = 0; i < scan.length; i++) {
    const s = sgn(pnl[i]);
    if (s === 0) continue;
    if (lastSign !== 0 && s !== lastSign) {
      if (i - lastIndex > 1) {
        // Zero at the grid points between: the crossing is there (a kink at zero) when the neighbours differ.
        roots.push(scan[lastIndex + 1]);
      } else {
        roots.push(brentRoot(f, scan[lastIndex], scan[i], pnl[lastIndex], pnl[i]));
      }
    }
    lastSign = s;
    lastIndex = i;
  }
  return roots;
}

/** Max profit and max loss of the P&L of `kernel` (see the module doc), from its values on the scan grid; `spot` the spot now. */
export function extremes(kernel: HorizonKernel, spot: number, scan: Float64Array, pnl: Float64Array): CurveExtremes {
  let max = -Infinity;
  let min = Infinity;
  let maxAt = NaN;
  let minAt = NaN;
  const consider = (value: number, at: number) => {
    if (value > max) {
      max = value;
      maxAt = at;
    }
    if (value < min) {
      min = value;
      minAt = at;
    }
  };
  consider(kernelAt(kernel, 0), 0);
  for (let i = 0; i < scan.length; i++) consider(pnl[i], scan[i]);
  // Far above every strike and the scan grid: the slope of a linear tail. A
  // slope under TAIL_FLAT_SHARE of the position's units is flat: what a
  // calendar's tail has from the carry of its far leg (delta e^{−qτ} < 1),
  // which no one would call unlimited; the scan grid's last point stands for it.
  const far = Math.max(scan[scan.length - 1], spot) * 4;
  const farPnl = kernelAt(kernel, far);
  const fartherPnl = kernelAt(kernel, 2 * far);
  const slope = (fartherPnl - farPnl) / far;
  const units = kernel.grossUnits;
  const rising = slope > TAIL_FLAT_SHARE * units;
  const falling = slope < -TAIL_FLAT_SHARE * units;
  return {
    maxProfit: rising ? null : max,
    maxLoss: falling ? null : min,
    maxProfitAt: rising ? null : maxAt,
    maxLossAt: falling ? null : minAt,
  };
}

/** The P&L of `kernel` over a scan grid into a new column: what breakevens and extremes take. */
export function scanPnl(kernel: HorizonKernel, scan: Float64Array, out = new Float64Array(scan.length)): Float64Array {
  kernelColumn(kernel, scan, spotLogs(scan), out);
  return out;
}
