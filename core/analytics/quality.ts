/**
 * Data-quality rules for one chain snapshot. Each rule is a pure function of
 * one row (one side of one strike); `checkChain` runs them all and flags each
 * row with at most one reason code, never throwing and never rejecting the
 * chain as a whole: a bad row is flagged and counted, the rest stay usable.
 *
 * The price rules judge the price the row is actually used at, the mark
 * (`quotedPrice` in atm.ts): the mid when the row has a valid two-sided
 * quote (bid and ask > 0, not crossed), else the LTP. IV, Greeks and the
 * analytics are computed from that price (pipeline/processor.ts), so a stale
 * LTP beside a sound quote must not cost the row, and a sound LTP must not
 * cover for a mid that is below intrinsic.
 *
 * Rules, in the order they are tried (a row gets the first that trips, so the
 * most basic fault is the one reported and counts add up to flagged rows):
 * 1. missing_field: strike, the mark or OI is not a finite number (the feed
 *    left it out; a side that is absent altogether, e.g. Dhan's `pe: null`,
 *    lands here). A row without an LTP but with a valid quote has a mark.
 * 2. non_positive_price: strike or the mark ≤ 0, or a negative bid or ask (a
 *    bid or ask of 0 means "no quote" and is fine; then the mark is the LTP).
 * 3. crossed_quote: bid > ask while both are > 0. The mark then falls back to
 *    the LTP, but a crossed book says the row's data cannot be trusted, so it
 *    is flagged whatever the LTP.
 * 4. below_intrinsic: mark < e^{−rT}·max(θ(F − K), 0) − tolerance, with
 *    tolerance = max(`intrinsicToleranceAbs`, `intrinsicToleranceRel`·bound).
 *    Index options are European and premiums paid up front, so the
 *    discounted forward intrinsic is the no-arbitrage floor. The absolute part
 *    (default 0.05, one NSE tick) absorbs tick rounding; the relative part
 *    (default 0.5 %) absorbs error in the forward and rate for deep ITM rows.
 *    F is `options.forward`, else the snapshot's future, else S·e^{rT}. Skipped
 *    (not flagged) when F, r or T is unusable.
 * 5. stale_quote: the row's quote time is more than `maxQuoteAgeMs` (default
 *    60 s) before `snapshotTime` (default the snapshot's timestamp). Only when per-row timestamps are given; a
 *    NaN timestamp means "unknown" and is not flagged.
 * 6. iv_outlier: a robust z-score of the row's IV against its neighbours on
 *    the same side, z = |IV − median| / max(1.4826·MAD, `minIvScale`), where
 *    the neighbours are the nearest `ivNeighbours` (default 3) rows on each
 *    side of the strike that passed rules 1–5 and have a usable IV (finite,
 *    > 0); flagged when z > `ivOutlierThreshold` (default 3.5, Iglewicz &
 *    Hoaglin's cut-off for the modified z-score; 1.4826·MAD estimates σ for
 *    normal data). The floor `minIvScale` (default 0.005, half a vol point)
 *    guards MAD = 0, when the neighbours agree exactly and any difference
 *    would otherwise be an infinite z. Rows with fewer than `minIvNeighbours`
 *    (default 3) neighbours are not judged. A row's own outlier flag never
 *    removes it from its neighbours' sets, so the result does not depend on
 *    the order rows are visited. Rows without a usable IV are not judged here.
 */
import { isUsableIv, type ChainSide, type ChainSnapshot } from '../chain.ts';
import { quotedPrice } from './atm.ts';
import { resolveForward } from './basis.ts';

export const QualityReason = {
  ok: 0,
  missing_field: 1,
  non_positive_price: 2,
  crossed_quote: 3,
  below_intrinsic: 4,
  stale_quote: 5,
  iv_outlier: 6,
} as const;
export type QualityReasonName = Exclude<keyof typeof QualityReason, 'ok'>;
export type QualityReasonCode = (typeof QualityReason)[keyof typeof QualityReason];
export const QUALITY_REASON_NAMES: readonly QualityReasonName[] = [
  'missing_field',
  'non_positive_price',
  'crossed_quote',
  'below_intrinsic',
  'stale_quote',
  'iv_outlier',
];

/** The name of a flag value; 'ok' for 0 and for unknown codes. */
export function reasonName(code: number): QualityReasonName | 'ok' {
  return code >= 1 && code <= QUALITY_REASON_NAMES.length ? QUALITY_REASON_NAMES[code - 1] : 'ok';
}

/** Consistency constant: 1.4826·MAD estimates the standard deviation of normal data. */
export const MAD_TO_SIGMA = 1.4826;

export interface QualityOptions {
  /** Forward for the intrinsic floor; default future, else S·e^{rT}. */
  forward?: number;
  /** Absolute slack below intrinsic, index points; default 0.05. */
  intrinsicToleranceAbs?: number;
  /** Relative slack below intrinsic, fraction of it; default 0.005. */
  intrinsicToleranceRel?: number;
  /** Per-row quote times, epoch ms, aligned with strikes; NaN = unknown. */
  quoteTimes?: { call?: Float64Array; put?: Float64Array };
  /** The instant quotes are aged against, epoch ms; default `snapshot.timestamp`. */
  snapshotTime?: number;
  /** Oldest acceptable quote relative to `snapshotTime`, ms; default 60 000. */
  maxQuoteAgeMs?: number;
  /** Neighbours taken on each side of a strike for the IV check; default 3. */
  ivNeighbours?: number;
  /** Fewest neighbours (both sides together) to judge an IV; default 3. */
  minIvNeighbours?: number;
  /** Robust z-score above which an IV is an outlier; default 3.5. */
  ivOutlierThreshold?: number;
  /** Floor on the robust scale, decimal vol; default 0.005. */
  minIvScale?: number;
  /** Flag arrays to fill (length ≥ strikes); allocated when absent. */
  out?: { call: Uint8Array; put: Uint8Array };
}

export interface QualityReport {
  /** One code per row and side: 0 ok, else a QualityReason value. */
  flags: { call: Uint8Array; put: Uint8Array };
  /** Flagged rows per reason, both sides together. */
  counts: Record<QualityReasonName, number>;
  /** Rows flagged for any reason, both sides together. */
  flaggedRows: number;
  /** Rows checked: 2 × strikes. */
  checkedRows: number;
  /** Name of a flag value (`reasonName`), for consumers that label rows. */
  reasonOf: (code: number) => QualityReasonName | 'ok';
}

/** Rule 1: strike, the price used (the mark) or OI is not a finite number. */
export function hasMissingField(strike: number, price: number, oi: number): boolean {
  return !(Number.isFinite(strike) && Number.isFinite(price) && Number.isFinite(oi));
}

/** Rule 2: strike or the price used (the mark) ≤ 0, or a negative bid or ask (0 means no quote). */
export function hasNonPositivePrice(strike: number, price: number, bid: number, ask: number): boolean {
  return strike <= 0 || price <= 0 || bid < 0 || ask < 0;
}

/** Rule 3: bid above ask, both quoted (> 0). */
export function isCrossedQuote(bid: number, ask: number): boolean {
  return bid > 0 && ask > 0 && bid > ask;
}

/**
 * Rule 4: `price` below the discounted forward intrinsic e^{−rT}·max(θ(F−K), 0)
 * by more than max(toleranceAbs, toleranceRel·bound). `sign` +1 call, −1 put.
 * False when any input is unusable (the rule cannot judge).
 */
export function isBelowIntrinsic(
  price: number,
  strike: number,
  forward: number,
  discount: number,
  sign: number,
  toleranceAbs: number,
  toleranceRel: number,
): boolean {
  if (!Number.isFinite(price + strike + forward + discount + toleranceAbs + toleranceRel)) return false;
  const payoff = sign * (forward - strike);
  const bound = payoff > 0 ? payoff * discount : 0;
  return price < bound - Math.max(toleranceAbs, toleranceRel * bound);
}

/** Rule 5: the quote is more than `maxAgeMs` older than the snapshot; false when either time is unknown. */
export function isStaleQuote(quoteTimeMs: number, snapshotTimeMs: number, maxAgeMs: number): boolean {
  return snapshotTimeMs - quoteTimeMs > maxAgeMs;
}

/**
 * Rule 6's statistic: |value − median(sample)| / max(1.4826·MAD(sample), minScale)
 * over `sample[0..count)`. Reorders `sample` and uses `work` (length ≥ count)
 * as scratch. NaN for an empty sample; with a zero scale, ∞ for any
 * difference and 0 for none.
 */
export function robustZScore(value: number, sample: Float64Array, count: number, work: Float64Array, minScale = 0): number {
  if (count <= 0) return NaN;
  const median = sortedMedian(sample, count);
  for (let j = 0; j < count; j++) work[j] = Math.abs(sample[j] - median);
  const mad = sortedMedian(work, count);
  const scale = Math.max(MAD_TO_SIGMA * mad, minScale);
  const deviation = Math.abs(value - median);
  if (scale > 0) return deviation / scale;
  return deviation > 0 ? Infinity : 0;
}

/** Runs every rule over both sides; see the module doc. Never throws. */
export function checkChain(snapshot: ChainSnapshot, options: QualityOptions = {}): QualityReport {
  const strikes = snapshot?.strikes;
  const n = strikes?.length ?? 0;
  const flags = options.out ?? { call: new Uint8Array(n), put: new Uint8Array(n) };
  const counts = {} as Record<QualityReasonName, number>;
  for (const name of QUALITY_REASON_NAMES) counts[name] = 0;
  const report: QualityReport = { flags, counts, flaggedRows: 0, checkedRows: 2 * n, reasonOf: reasonName };
  if (n === 0) return report;

  const { rate, tYears } = snapshot;
  const forward = resolveForward(snapshot, options.forward);
  const discount = Math.exp(-rate * Math.max(tYears, 0));
  const context: RowContext = {
    strikes,
    forward,
    discount,
    toleranceAbs: options.intrinsicToleranceAbs ?? 0.05,
    toleranceRel: options.intrinsicToleranceRel ?? 0.005,
    snapshotTimeMs: options.snapshotTime ?? snapshot.timestamp,
    maxQuoteAgeMs: options.maxQuoteAgeMs ?? 60_000,
  };
  const k = Math.max(0, Math.floor(options.ivNeighbours ?? 3));
  const ivCheck: IvCheck = {
    neighbours: k,
    minNeighbours: Math.max(1, options.minIvNeighbours ?? 3),
    threshold: options.ivOutlierThreshold ?? 3.5,
    minScale: options.minIvScale ?? 0.005,
    sample: new Float64Array(2 * k),
    work: new Float64Array(2 * k),
  };

  checkSide(snapshot.call, 1, flags.call, n, context, options.quoteTimes?.call, ivCheck);
  checkSide(snapshot.put, -1, flags.put, n, context, options.quoteTimes?.put, ivCheck);

  for (const side of [flags.call, flags.put]) {
    for (let i = 0; i < n; i++) {
      const name = reasonName(side[i]);
      if (name === 'ok') continue;
      counts[name]++;
      report.flaggedRows++;
    }
  }
  return report;
}

interface RowContext {
  strikes: Float64Array;
  forward: number;
  discount: number;
  toleranceAbs: number;
  toleranceRel: number;
  snapshotTimeMs: number;
  maxQuoteAgeMs: number;
}

interface IvCheck {
  neighbours: number;
  minNeighbours: number;
  threshold: number;
  minScale: number;
  sample: Float64Array;
  work: Float64Array;
}

function checkSide(
  side: ChainSide | undefined,
  sign: number,
  flags: Uint8Array,
  n: number,
  context: RowContext,
  quoteTimes: Float64Array | undefined,
  ivCheck: IvCheck,
): void {
  const { strikes } = context;
  // Rules 1–5, row by row, on the price the row is used at.
  for (let i = 0; i < n; i++) {
    const strike = strikes[i];
    const bid = read(side?.bid, i);
    const ask = read(side?.ask, i);
    const price = quotedPrice(bid, ask, read(side?.ltp, i));
    let code: number = QualityReason.ok;
    if (hasMissingField(strike, price, read(side?.oi, i))) code = QualityReason.missing_field;
    else if (hasNonPositivePrice(strike, price, bid, ask)) code = QualityReason.non_positive_price;
    else if (isCrossedQuote(bid, ask)) code = QualityReason.crossed_quote;
    else if (isBelowIntrinsic(price, strike, context.forward, context.discount, sign, context.toleranceAbs, context.toleranceRel)) {
      code = QualityReason.below_intrinsic;
    } else if (quoteTimes !== undefined && isStaleQuote(read(quoteTimes, i), context.snapshotTimeMs, context.maxQuoteAgeMs)) {
      code = QualityReason.stale_quote;
    }
    flags[i] = code;
  }

  // Rule 6 on the rows that passed 1–5. Neighbours are read as "passed 1–5",
  // i.e. ok or flagged by this very loop, so the visiting order does not matter.
  const { neighbours, sample, work } = ivCheck;
  if (neighbours === 0) return;
  const isReference = (j: number) => (flags[j] === QualityReason.ok || flags[j] === QualityReason.iv_outlier) && isUsableIv(read(side?.iv, j));
  for (let i = 0; i < n; i++) {
    if (flags[i] !== QualityReason.ok) continue;
    const iv = read(side?.iv, i);
    if (!isUsableIv(iv)) continue;
    let count = 0;
    for (let j = i - 1, taken = 0; j >= 0 && taken < neighbours; j--) {
      if (!isReference(j)) continue;
      sample[count++] = read(side?.iv, j);
      taken++;
    }
    for (let j = i + 1, taken = 0; j < n && taken < neighbours; j++) {
      if (!isReference(j)) continue;
      sample[count++] = read(side?.iv, j);
      taken++;
    }
    if (count < ivCheck.minNeighbours) continue;
    if (robustZScore(iv, sample, count, work, ivCheck.minScale) > ivCheck.threshold) flags[i] = QualityReason.iv_outlier;
  }
}

/** Median of `values[0..count)`, sorting that prefix in place (insertion sort: count is a handful). */
function sortedMedian(values: Float64Array, count: number): number {
  for (let a = 1; a < count; a++) {
    const x = values[a];
    let b = a - 1;
    while (b >= 0 && values[b] > x) {
      values[b + 1] = values[b];
      b--;
    }
    values[b + 1] = x;
  }
  const mid = count >> 1;
  return count % 2 === 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

/** A column value, NaN when the column is absent or shorter than the strikes. */
function read(column: Float64Array | undefined, i: number): number {
  return column !== undefined && i < column.length ? column[i] : NaN;
}


