/**
 * Support and resistance candidates from open interest: the practitioner
 * heuristic that heavy put writing marks a floor and heavy call writing a
 * ceiling. A heuristic, not a law: each level carries its strength so the
 * reader can judge it.
 *
 * Conventions:
 * - Support candidates are strikes at or below spot ranked by put OI, highest
 *   first; resistance candidates are strikes at or above spot ranked by call
 *   OI. A strike exactly at spot is a candidate on both sides.
 * - Only strikes with OI > 0 are candidates (missing OI is not a level).
 * - Ties go to the strike nearer spot (the higher one for support, the lower
 *   one for resistance): the nearer level is the one price meets first.
 * - Strength, two ways:
 *   · `shareOfTotal` = the level's OI / total OI of that side over the whole
 *     chain (put OI for support, call OI for resistance), in [0, 1];
 *   · `ratioToNext` = the level's OI / the OI of the next candidate in the
 *     ranking (≥ 1): how far it stands out. NaN for the last candidate, when
 *     no next one exists.
 */
import type { ChainSnapshot } from '../chain.ts';
import { topN } from './rankings.ts';

export interface OiLevel {
  /** Row in the chain's columns. */
  index: number;
  strike: number;
  /** Put OI (support) or call OI (resistance), contracts. */
  oi: number;
  /** oi / total OI of that side across the chain. */
  shareOfTotal: number;
  /** oi / OI of the next-ranked candidate; NaN when there is none. */
  ratioToNext: number;
}

export interface SupportResistance {
  /** Strongest first. */
  support: OiLevel[];
  /** Strongest first. */
  resistance: OiLevel[];
}

/** Top `k` support and resistance levels around `spot`. */
export function supportResistance(
  strikes: Float64Array,
  callOi: Float64Array,
  putOi: Float64Array,
  spot: number,
  k: number,
): SupportResistance {
  const n = strikes.length;
  if (callOi.length !== n || putOi.length !== n) {
    throw new RangeError(`supportResistance: ${n} strikes but callOi ${callOi.length}, putOi ${putOi.length}`);
  }
  if (!Number.isFinite(spot) || !(k >= 1)) return { support: [], resistance: [] };

  // Strikes ascend, so "at or below spot" is a prefix and "at or above" a
  // suffix: rank views of them without copying.
  let belowEnd = 0;
  while (belowEnd < n && strikes[belowEnd] <= spot) belowEnd++;
  let aboveStart = belowEnd;
  while (aboveStart > 0 && strikes[aboveStart - 1] >= spot) aboveStart--;

  return {
    support: levels(strikes.subarray(0, belowEnd), putOi.subarray(0, belowEnd), 0, positiveSum(putOi), k, 'higherStrike'),
    resistance: levels(strikes.subarray(aboveStart), callOi.subarray(aboveStart), aboveStart, positiveSum(callOi), k, 'lowerStrike'),
  };
}

/** Support and resistance of one snapshot around its spot; see `supportResistance`. */
export function chainSupportResistance(snapshot: ChainSnapshot, k: number): SupportResistance {
  return supportResistance(snapshot.strikes, snapshot.call.oi, snapshot.put.oi, snapshot.spot, k);
}

function levels(
  strikes: Float64Array,
  oi: Float64Array,
  rowOffset: number,
  sideTotal: number,
  k: number,
  ties: 'lowerStrike' | 'higherStrike',
): OiLevel[] {
  // One more than asked, so the last level kept still has a next to compare with.
  const ranked = topN(strikes, oi, Math.floor(k) + 1, { ties });
  let candidates = 0;
  while (candidates < ranked.length && ranked[candidates].value > 0) candidates++;
  const out: OiLevel[] = [];
  for (let r = 0; r < Math.min(candidates, Math.floor(k)); r++) {
    const { index, strike, value } = ranked[r];
    out.push({
      index: index + rowOffset,
      strike,
      oi: value,
      shareOfTotal: value / sideTotal,
      ratioToNext: r + 1 < candidates ? value / ranked[r + 1].value : NaN,
    });
  }
  return out;
}

function positiveSum(column: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v > 0 && v < Infinity) sum += v;
  }
  return sum;
}
