/**
 * Deltas between two enriched snapshots of one chain (one symbol, one
 * expiry), for the `chainDelta` subscription: what changed from one message
 * to the next, so a client that holds the previous chain rebuilds the next
 * one exactly without receiving every strike again.
 *
 * The unit of change is one quote: one side (call or put) of one strike. A
 * quote whose fields all equal the previous ones is left out; a changed one
 * is sent whole (every field), so applying it is a replacement, never a
 * merge. A side that disappears is sent as null, a strike that disappears is
 * listed in `removedStrikes`. Everything outside the rows (spot, forward,
 * analytics, …) is small and is carried by every delta as the new header.
 *
 * Plain functions, no I/O: `applyChainDiff(previous, diffChains(previous,
 * next))` equals `next`, strikes ascending as the processor writes them.
 */
import type { EnrichedQuote, EnrichedRow, EnrichedSnapshot } from './models.ts';

export type QuoteSide = 'call' | 'put';

export interface QuoteChange {
  /** Strike price, index points. */
  strike: number;
  side: QuoteSide;
  /** The side's new quote in full; null when the strike no longer has this side. */
  quote: EnrichedQuote | null;
}

/** Everything of a snapshot but its rows. */
export type ChainHeader = Omit<EnrichedSnapshot, 'rows'>;

export interface ChainDiff {
  /** The new snapshot without its rows. */
  header: ChainHeader;
  /** Quotes that differ from the previous snapshot's, strikes ascending, call before put. */
  changes: QuoteChange[];
  /** Strikes (index points) of the previous snapshot that the new one no longer lists, ascending. */
  removedStrikes: number[];
}

const SIDES: readonly QuoteSide[] = ['call', 'put'];

/** The rows' header: a snapshot without its rows (a shallow copy). */
export function chainHeader(snapshot: EnrichedSnapshot): ChainHeader {
  const { rows: _rows, ...header } = snapshot;
  return header;
}

/** What changed from `previous` to `next` (the same chain, later). */
export function diffChains(previous: EnrichedSnapshot, next: EnrichedSnapshot): ChainDiff {
  if (previous.symbol !== next.symbol || previous.expiry !== next.expiry) {
    throw new Error(`cannot diff chains of different expiries: ${previous.symbol} ${previous.expiry} and ${next.symbol} ${next.expiry}`);
  }
  const before = new Map<number, EnrichedRow>(previous.rows.map((row) => [row.strike, row]));
  const changes: QuoteChange[] = [];
  for (const row of next.rows) {
    const old = before.get(row.strike);
    before.delete(row.strike);
    for (const side of SIDES) {
      // A new strike lists both sides, a null one too, so applying creates the row as it is.
      if (!old || !sameQuote(old[side], row[side])) changes.push({ strike: row.strike, side, quote: row[side] });
    }
  }
  const removedStrikes = [...before.keys()].sort((a, b) => a - b);
  return { header: chainHeader(next), changes, removedStrikes };
}

/** The whole chain as a delta from nothing: every quote of every strike (applied to `emptyChain`, it gives the snapshot back). */
export function fullChainDiff(snapshot: EnrichedSnapshot): ChainDiff {
  const changes: QuoteChange[] = [];
  for (const row of snapshot.rows) for (const side of SIDES) changes.push({ strike: row.strike, side, quote: row[side] });
  return { header: chainHeader(snapshot), changes, removedStrikes: [] };
}

/** A chain without strikes: what a client holds before its first full message. */
export function emptyChain(header: ChainHeader): EnrichedSnapshot {
  return { ...header, rows: [] };
}

/** The snapshot `diff` leads to from `previous`; `previous` is left as it was. */
export function applyChainDiff(previous: EnrichedSnapshot, diff: ChainDiff): EnrichedSnapshot {
  if (previous.symbol !== diff.header.symbol || previous.expiry !== diff.header.expiry) {
    throw new Error(`a delta of ${diff.header.symbol} ${diff.header.expiry} does not apply to ${previous.symbol} ${previous.expiry}`);
  }
  const rows = new Map<number, EnrichedRow>(previous.rows.map((row) => [row.strike, row]));
  for (const strike of diff.removedStrikes) rows.delete(strike);
  for (const change of diff.changes) {
    const row = rows.get(change.strike) ?? { strike: change.strike, call: null, put: null };
    rows.set(change.strike, { ...row, [change.side]: change.quote });
  }
  return { ...diff.header, rows: [...rows.values()].sort((a, b) => a.strike - b.strike) };
}

/** Whether two quotes hold the same value in every field (null and absent quotes included). */
export function sameQuote(a: EnrichedQuote | null, b: EnrichedQuote | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a) as (keyof EnrichedQuote)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.is(a[key], b[key]));
}
