/**
 * Top-N strikes of a chain by one metric column (OI, OI change, volume, IV
 * change…), with an intensity score for display.
 *
 * Conventions:
 * - NaN (missing) entries are never ranked.
 * - `by: 'value'` ranks the largest values first; `by: 'absolute'` ranks the
 *   largest magnitudes first, so a big unwinding (−) ranks with a big build-up
 *   (+). The reported `value` keeps its sign either way.
 * - intensity = |value| / max |value| over every finite entry of the column
 *   (the whole chain, not just the top N), so it lies in [0, 1] and is
 *   comparable across calls on the same column; a column that is all zeros has
 *   intensity 0 everywhere.
 * - Ties are broken by strike, lower first unless `ties: 'higherStrike'`, so
 *   the output never depends on sort stability.
 * - O(n × N): one pass keeping the best N rows in order (N is small).
 */
import type { ChainSide, ChainSnapshot } from '../chain.ts';

export type RankBy = 'value' | 'absolute';

export interface RankOptions {
  /** Rank by signed value (default) or by magnitude. */
  by?: RankBy;
  /** Which strike wins a tie; default 'lowerStrike'. */
  ties?: 'lowerStrike' | 'higherStrike';
}

export interface RankedStrike {
  /** Row in the columns passed in. */
  index: number;
  strike: number;
  /** The metric at that strike, with its sign. */
  value: number;
  /** |value| / max |value| over the column, in [0, 1]. */
  intensity: number;
}

/** The top `n` rows of `metric` (fewer if fewer are finite), best first. */
export function topN(strikes: Float64Array, metric: Float64Array, n: number, options: RankOptions = {}): RankedStrike[] {
  if (metric.length !== strikes.length) {
    throw new RangeError(`topN: ${strikes.length} strikes but metric has ${metric.length} rows`);
  }
  const byAbsolute = options.by === 'absolute';
  const tieSign = options.ties === 'higherStrike' ? -1 : 1;

  let finiteCount = 0;
  let maxAbs = 0;
  for (let i = 0; i < metric.length; i++) {
    const v = metric[i];
    if (Number.isFinite(v)) {
      finiteCount++;
      if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    }
  }
  const take = Math.min(Math.floor(n), finiteCount);
  if (!(take > 0)) return [];

  // Selection of the best `take` rows into a sorted buffer (insertion): n × take comparisons,
  // no closure and no sort of the whole column (n is a chain's strikes, take a handful).
  // The order is total (value, then strike, then row), so the result is what a full sort gives.
  const rows = new Int32Array(take);
  let held = 0;
  for (let i = 0; i < metric.length; i++) {
    const v = metric[i];
    if (!Number.isFinite(v)) continue;
    const key = byAbsolute ? Math.abs(v) : v;
    if (held === take && !ranksBefore(key, i, rows[take - 1], metric, strikes, byAbsolute, tieSign)) continue;
    let at = held < take ? held++ : take - 1;
    while (at > 0 && ranksBefore(key, i, rows[at - 1], metric, strikes, byAbsolute, tieSign)) {
      rows[at] = rows[at - 1];
      at--;
    }
    rows[at] = i;
  }

  const ranked: RankedStrike[] = new Array(take);
  for (let r = 0; r < take; r++) {
    const i = rows[r];
    const value = metric[i];
    ranked[r] = { index: i, strike: strikes[i], value, intensity: maxAbs > 0 ? Math.abs(value) / maxAbs : 0 };
  }
  return ranked;
}

/** Whether row `i` (its key `key`) ranks before row `j`: larger key first, then by strike (`tieSign`), then lower row. */
function ranksBefore(key: number, i: number, j: number, metric: Float64Array, strikes: Float64Array, byAbsolute: boolean, tieSign: number): boolean {
  const other = byAbsolute ? Math.abs(metric[j]) : metric[j];
  if (key !== other) return key > other;
  const si = strikes[i];
  const sj = strikes[j];
  if (si !== sj) return tieSign * (si < sj ? -1 : 1) < 0;
  return i < j;
}

export interface SideRankings {
  /** By open interest, largest first. */
  oi: RankedStrike[];
  /** By |OI change|: build-ups and unwindings together. */
  oiChange: RankedStrike[];
  /** By volume, largest first. */
  volume: RankedStrike[];
  /** By |IV − previous IV| (decimal); null when no previous IV was given. */
  ivChange: RankedStrike[] | null;
}

export interface ChainRankings {
  call: SideRankings;
  put: SideRankings;
}

/** IV columns (decimal) of an earlier snapshot, aligned row for row with the current strikes. */
export interface PreviousIv {
  call: Float64Array;
  put: Float64Array;
}

/** Top `n` strikes of each side for OI, OI change, volume and (given previous IVs) IV change. */
export function rankChain(snapshot: ChainSnapshot, n: number, previousIv?: PreviousIv): ChainRankings {
  return {
    call: rankSide(snapshot.strikes, snapshot.call, n, previousIv?.call),
    put: rankSide(snapshot.strikes, snapshot.put, n, previousIv?.put),
  };
}

function rankSide(strikes: Float64Array, side: ChainSide, n: number, previousIv: Float64Array | undefined): SideRankings {
  let ivChange: RankedStrike[] | null = null;
  if (previousIv !== undefined) {
    if (previousIv.length !== strikes.length) {
      throw new RangeError(`rankChain: ${strikes.length} strikes but previous IV has ${previousIv.length} rows`);
    }
    // NaN on either side propagates, so a strike without both IVs is not ranked.
    const change = new Float64Array(strikes.length);
    for (let i = 0; i < change.length; i++) change[i] = side.iv[i] - previousIv[i];
    ivChange = topN(strikes, change, n, { by: 'absolute' });
  }
  return {
    oi: topN(strikes, side.oi, n),
    oiChange: topN(strikes, side.oiChange, n, { by: 'absolute' }),
    volume: topN(strikes, side.volume, n),
    ivChange,
  };
}
