/**
 * The live chain as the page holds it, rebuilt from chainDelta messages as the
 * schema describes (a full message starts from no strikes; removed strikes go;
 * each change sets one side of one strike) and from playback frames (whole
 * chains). Pure: no DOM, no React, so it is tested on its own
 * (chainState.test.ts).
 *
 * Immutable where it matters for rendering: a message creates new row objects
 * only for the strikes it changed, so a memoised row re-renders only when its
 * strike changed (a 200-strike chain whose update touches 40 strikes renders
 * 40 rows).
 */
import type { AnalyticsFieldsFragment, LiveChainSubscription, PlaybackSubscription, QuoteFieldsFragment } from '../gql/graphql.ts';

export type Quote = QuoteFieldsFragment;
export type Analytics = AnalyticsFieldsFragment;
export type ChainDeltaMessage = LiveChainSubscription['chainDelta'];
export type PlaybackChain = PlaybackSubscription['playback']['chain'];

export interface Row {
  strike: number;
  call: Quote | null;
  put: Quote | null;
}

export interface ChainState {
  symbol: string;
  expiry: string;
  timestamp: string;
  spot: number;
  future: number | null;
  vix: number | null;
  lotSize: number;
  timeToExpiryYears: number;
  analytics: Analytics;
  /** Ascending by strike. */
  rows: Row[];
  sequence: number | null;
  /** Messages whose previousSequence did not match the sequence held (a missed message). */
  gaps: number;
}

function header(message: ChainDeltaMessage | PlaybackChain) {
  return {
    symbol: message.symbol,
    expiry: message.expiry,
    timestamp: message.timestamp,
    spot: message.spot,
    future: message.future,
    vix: message.vix,
    lotSize: message.lotSize,
    timeToExpiryYears: message.timeToExpiryYears,
    analytics: message.analytics,
  };
}

/** The state after one chainDelta message (`state` null: nothing held yet). */
export function applyDelta(state: ChainState | null, message: ChainDeltaMessage): ChainState {
  const start = message.full || !state || state.symbol !== message.symbol || state.expiry !== message.expiry;
  const byStrike = new Map<number, Row>();
  if (!start) for (const row of state.rows) byStrike.set(row.strike, row);
  for (const strike of message.removedStrikes) byStrike.delete(strike);
  for (const change of message.changes) {
    const previous = byStrike.get(change.strike);
    const row: Row = previous ? { ...previous } : { strike: change.strike, call: null, put: null };
    if (change.side === 'CALL') row.call = change.quote;
    else row.put = change.quote;
    byStrike.set(change.strike, row);
  }
  const gap = !start && state.sequence != null && message.previousSequence !== state.sequence;
  return {
    ...header(message),
    rows: [...byStrike.values()].sort((a, b) => a.strike - b.strike),
    sequence: message.sequence,
    gaps: (start ? 0 : state.gaps) + (gap ? 1 : 0),
  };
}

/** The state showing one whole chain (a playback frame), keeping unchanged rows' identity. */
export function applyChain(state: ChainState | null, chain: PlaybackChain): ChainState {
  const same = state && state.symbol === chain.symbol && state.expiry === chain.expiry;
  const previous = new Map(same ? state.rows.map((row) => [row.strike, row]) : []);
  const rows = chain.rows.map((r): Row => {
    const old = previous.get(r.strike);
    if (old && sameQuote(old.call, r.call) && sameQuote(old.put, r.put)) return old;
    return { strike: r.strike, call: r.call, put: r.put };
  });
  return { ...header(chain), rows, sequence: null, gaps: 0 };
}

function sameQuote(a: Quote | null, b: Quote | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  for (const key of Object.keys(a) as (keyof Quote)[]) if (a[key] !== b[key]) return false;
  return true;
}

/** The rows within `depth` strikes of the ATM strike on each side (all of them when depth is null). */
export function rowsAroundAtm(rows: readonly Row[], atmStrike: number | null, spot: number, depth: number | null): readonly Row[] {
  if (depth == null || rows.length <= 2 * depth + 1) return rows;
  const centre = atmStrike ?? spot;
  let atm = 0;
  for (let i = 1; i < rows.length; i++) if (Math.abs(rows[i]!.strike - centre) < Math.abs(rows[atm]!.strike - centre)) atm = i;
  const from = Math.max(0, Math.min(atm - depth, rows.length - 2 * depth - 1));
  return rows.slice(from, from + 2 * depth + 1);
}

/** The largest OI of either side among `rows` (contracts), for the inline bars. */
export function maxOi(rows: readonly Row[]): number {
  let max = 0;
  for (const row of rows) max = Math.max(max, row.call?.oi ?? 0, row.put?.oi ?? 0);
  return max;
}
