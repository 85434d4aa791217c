/**
 * A bounded set of time ranges, coalesced as they are added (pure): what the
 * aggregate backfill (db/aggregateBackfill.ts) remembers of the writes it
 * still has to refresh. Ranges that overlap or lie within `gapMs` of each
 * other become one; beyond `maxRanges`, the two closest neighbours are
 * merged, so memory stays bounded whatever is written, at the price of
 * refreshing the gap between them.
 */

export interface MsRange {
  /** Inclusive, epoch ms. */
  fromMs: number;
  /** Exclusive, epoch ms. */
  toMs: number;
}

/** `ranges` (sorted, disjoint, as this returns them) with `range` added. */
export function addRange(ranges: readonly MsRange[], range: MsRange, gapMs: number, maxRanges: number): MsRange[] {
  if (!(range.fromMs < range.toMs)) throw new RangeError(`empty or inverted range ${range.fromMs}..${range.toMs}`);
  if (!(maxRanges >= 1)) throw new RangeError(`maxRanges must be at least 1, got ${maxRanges}`);
  const merged: MsRange[] = [];
  let current = { ...range };
  for (const r of ranges) {
    if (r.toMs + gapMs < current.fromMs || current.toMs + gapMs < r.fromMs) merged.push(r);
    else current = { fromMs: Math.min(r.fromMs, current.fromMs), toMs: Math.max(r.toMs, current.toMs) };
  }
  merged.push(current);
  merged.sort((a, b) => a.fromMs - b.fromMs);
  while (merged.length > maxRanges) {
    let closest = 0;
    for (let i = 1; i < merged.length - 1; i++) {
      if (merged[i + 1].fromMs - merged[i].toMs < merged[closest + 1].fromMs - merged[closest].toMs) closest = i;
    }
    merged.splice(closest, 2, { fromMs: merged[closest].fromMs, toMs: merged[closest + 1].toMs });
  }
  return merged;
}
