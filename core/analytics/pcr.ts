/**
 * Put-call ratios of one chain snapshot (one expiry): Σ put / Σ call over the
 * strikes, on open interest, on volume and on the change in open interest.
 *
 * Conventions:
 * - Each side is summed over its own finite entries. A strike quoted on one
 *   side only still counts on that side: the ratio compares the two sides'
 *   totals, which is what the exchange-wide PCR means.
 * - The ratio is NaN, never ±Infinity, when it is undefined: the call total is
 *   0, or either side has no finite entry at all (an unquoted side is unknown,
 *   not zero).
 * - On OI change the totals are signed and the ratio is Σ put ΔOI / Σ call ΔOI.
 *   Its sign carries meaning: positive when both sides added (or both shed)
 *   contracts, negative when they moved in opposite directions. Near a zero
 *   call total it grows without bound, so read it together with the totals.
 */
import type { ChainSnapshot } from '../chain.ts';

export interface PutCallRatios {
  /** Σ put OI / Σ call OI. */
  oi: number;
  /** Σ put volume / Σ call volume. */
  volume: number;
  /** Σ put ΔOI / Σ call ΔOI, signed (see the module doc). */
  oiChange: number;
}

/** Sum of the finite entries of `column`; NaN when it has none. */
export function finiteSum(column: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count === 0 ? NaN : sum;
}

/**
 * Σ put / Σ call over two aligned columns, each summed over its finite
 * entries; NaN when the call total is 0 or either side has no finite entry.
 */
export function putCallRatio(putColumn: Float64Array, callColumn: Float64Array): number {
  if (putColumn.length !== callColumn.length) {
    throw new RangeError(`putCallRatio: put column has ${putColumn.length} rows, call column ${callColumn.length}`);
  }
  const putTotal = finiteSum(putColumn);
  const callTotal = finiteSum(callColumn);
  // NaN totals propagate through the division; only a zero call total needs care.
  return callTotal === 0 ? NaN : putTotal / callTotal;
}

/** PCR on OI, volume and OI change for one snapshot. */
export function chainPutCallRatios(snapshot: ChainSnapshot): PutCallRatios {
  const { call, put } = snapshot;
  return {
    oi: putCallRatio(put.oi, call.oi),
    volume: putCallRatio(put.volume, call.volume),
    oiChange: putCallRatio(put.oiChange, call.oiChange),
  };
}
