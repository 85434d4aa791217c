/**
 * Small statistics shared by the intelligence reducers.
 *
 * - Robust z-score: z = (x − median)/(1.4826·MAD), MAD = median |x − median|.
 *   1.4826 makes 1.4826·MAD estimate σ for normal data; unlike mean and
 *   standard deviation, one huge observation barely moves either, so an
 *   outlier cannot hide itself. When MAD is 0 (more than half the baseline is
 *   one value, e.g. zero OI change), the scale falls back to 1.2533·mean
 *   absolute deviation (the normal-consistent factor), and to 0 spread only
 *   when every value is equal: then z is +∞ for any larger x and 0 for x equal.
 * - `FloatRing`: a fixed-capacity ring of numbers, oldest overwritten first.
 */

export const MAD_TO_SIGMA = 1.4826;
const MEAN_ABS_TO_SIGMA = 1.2533;

/**
 * Median of `values[0..count)` by quickselect (O(n), not a sort: the
 * baselines hold thousands of observations); reorders that prefix in place.
 * NaN when empty. The values must not be NaN.
 */
export function medianInPlace(values: Float64Array, count = values.length): number {
  if (count === 0) return NaN;
  const mid = count >> 1;
  const upper = selectInPlace(values, count, mid);
  if (count % 2 === 1) return upper;
  // After selection everything left of `mid` is ≤ values[mid]: the lower middle is their maximum.
  let lower = values[0];
  for (let i = 1; i < mid; i++) if (values[i] > lower) lower = values[i];
  return 0.5 * (lower + upper);
}

/** The k-th smallest of `a[0..count)` (0-based), moved to a[k] with smaller ones before it (Hoare's quickselect). */
function selectInPlace(a: Float64Array, count: number, k: number): number {
  let left = 0;
  let right = count - 1;
  while (right > left) {
    const x = a[left];
    const y = a[(left + right) >>> 1];
    const z = a[right];
    // Median of three as pivot: sorted or constant runs stay O(n).
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

export interface RobustScale {
  median: number;
  /** σ estimate: 1.4826·MAD, else 1.2533·mean |x − median|, else 0. */
  sigma: number;
  count: number;
}

/** Median and robust σ of `values` (not modified; `scratch` is reused when large enough). */
export function robustScale(values: ArrayLike<number>, count: number, scratch?: Float64Array): RobustScale {
  if (count === 0) return { median: NaN, sigma: NaN, count: 0 };
  const work = scratch !== undefined && scratch.length >= count ? scratch : new Float64Array(count);
  for (let i = 0; i < count; i++) work[i] = values[i];
  const median = medianInPlace(work, count);
  let absSum = 0;
  for (let i = 0; i < count; i++) {
    const d = Math.abs(values[i] - median);
    work[i] = d;
    absSum += d;
  }
  const mad = medianInPlace(work, count);
  const sigma = mad > 0 ? MAD_TO_SIGMA * mad : MEAN_ABS_TO_SIGMA * (absSum / count);
  return { median, sigma, count };
}

/** (x − median)/σ; ±∞ when σ is 0 and x differs from the median, 0 when equal. */
export function robustZ(x: number, scale: RobustScale): number {
  const d = x - scale.median;
  if (scale.sigma > 0) return d / scale.sigma;
  return d === 0 ? 0 : d > 0 ? Infinity : -Infinity;
}

export function clamp(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

/** 0 at `at0`, 100 at `at100`, linear between and clamped (either order). NaN in, NaN out. */
export function linearScore(x: number, at0: number, at100: number): number {
  if (!Number.isFinite(x)) return NaN;
  return clamp((100 * (x - at0)) / (at100 - at0), 0, 100);
}

/** 50 + 50·clamp(x/full, −1, 1): no move 50, `full` or more 100, −full or less 0. */
export function symmetricScore(x: number, full: number): number {
  if (!Number.isFinite(x)) return NaN;
  return 50 + 50 * clamp(x / full, -1, 1);
}

/** Fixed-capacity ring of numbers; pushing beyond the capacity drops the oldest. */
export class FloatRing {
  readonly values: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  push(value: number): void {
    this.values[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  /** The i-th newest value (0 = newest); NaN beyond what is held. */
  newest(i: number): number {
    if (i < 0 || i >= this.size) return NaN;
    return this.values[(this.head - 1 - i + 2 * this.capacity) % this.capacity];
  }

  /** The held values in storage order (not chronological): enough for order-free statistics. */
  held(): Float64Array {
    return this.values.subarray(0, this.size);
  }

  toJSON(): number[] {
    const out: number[] = [];
    for (let i = this.size - 1; i >= 0; i--) out.push(this.newest(i));
    return out;
  }
}

export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
