/**
 * Events the intelligence reducers emit: one shape for every kind, so the
 * role can store and publish them without knowing the kind. Each carries the
 * numbers behind it in `values`, whose keys say their units.
 */

export type IntelligenceEventKind =
  | 'zone_strengthened'
  | 'zone_shifted'
  | 'zone_breached'
  | 'unusual_oi_change'
  | 'unusual_premium_turnover'
  | 'far_otm_writing'
  | 'iv_jump_with_oi_build'
  | 'vix_divergence'
  | 'mood_band_changed';

export interface IntelligenceEvent {
  kind: IntelligenceEventKind;
  symbol: string;
  /** The chain's expiry (YYYY-MM-DD); null for per-symbol events. */
  expiry: string | null;
  /** Snapshot instant that raised it, epoch ms. */
  timestamp: number;
  /** Strike concerned (a zone's peak strike), or null. */
  strike: number | null;
  /** Option side, or zone side, or null. */
  side: 'call' | 'put' | 'support' | 'resistance' | null;
  /** How strong: a robust z for outliers, 0–1 strength for zones, 0–100 for mood (see each module). */
  score: number;
  /** One sentence a person can read. */
  reason: string;
  /** The numbers behind it; each key names its unit. */
  values: Record<string, number>;
}

/** The instant and chain (expiry null for a symbol) an event belongs to. */
export interface EventContext {
  symbol: string;
  expiry: string | null;
  timestamp: number;
}

export function makeEvent(
  kind: IntelligenceEventKind,
  context: EventContext,
  strike: number | null,
  side: IntelligenceEvent['side'],
  score: number,
  reason: string,
  values: Record<string, number>,
): IntelligenceEvent {
  return { kind, symbol: context.symbol, expiry: context.expiry, timestamp: context.timestamp, strike, side, score, reason, values };
}
