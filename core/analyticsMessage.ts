/**
 * The `market.analytics` message: what the analytics role (pipeline/analytics.ts)
 * made of one enriched snapshot, keyed by symbol on the bus. It carries the
 * reducer's outputs as they are (core/intelligence), plus the per-strike flow
 * rows of the chain, so the storage role can store them and the API can fan
 * them out without running the reducers itself.
 *
 * Units are those of core/intelligence (contracts, index points, decimals,
 * epoch ms); each output type documents its own.
 */
import type { ChainIntelligence, IntelligenceEvent, StrikeFlowRow, SymbolIntelligence } from './intelligence/index.ts';
import { MessageError } from './models.ts';

/** Version 2 added `processedAt`; version 1 messages (spooled before an upgrade) are still read, with it null. */
export const ANALYTICS_MESSAGE_VERSION = 2;

export interface AnalyticsMessage {
  version: typeof ANALYTICS_MESSAGE_VERSION;
  /** The enriched snapshot it was made of (core/models.ts EnrichedSnapshot.id). */
  snapshotId: string;
  symbol: string;
  expiry: string;
  /** Snapshot instant, epoch ms. */
  timestamp: number;
  /**
   * When the processor finished the snapshot this was made of (its
   * EnrichedSnapshot.processedAt), epoch ms: live deliveries of these
   * analytics are timed from it. Null in messages of version 1.
   */
  processedAt: number | null;
  /** IST session date, YYYY-MM-DD. */
  sessionDate: string;
  chain: ChainIntelligence;
  symbolIntelligence: SymbolIntelligence;
  /** Per strike and side: OI, its changes, velocity and buildup class per window. */
  flows: StrikeFlowRow[];
  events: IntelligenceEvent[];
}

/** Checks the envelope of a message read from the bus (or a spool); throws MessageError naming what is wrong. */
export function parseAnalyticsMessage(value: unknown): AnalyticsMessage {
  if (typeof value !== 'object' || value === null) throw new MessageError('analytics message is not an object', 'invalid_envelope');
  const m = value as Omit<Partial<AnalyticsMessage>, 'version'> & { version?: unknown };
  if (m.version === 1) return parseAnalyticsMessage({ ...m, version: ANALYTICS_MESSAGE_VERSION, processedAt: null });
  if (m.version !== ANALYTICS_MESSAGE_VERSION) {
    throw new MessageError(`analytics message has version ${JSON.stringify(m.version)}; this build reads versions 1 to ${ANALYTICS_MESSAGE_VERSION}`, 'unknown_version');
  }
  const problems: string[] = [];
  if (typeof m.snapshotId !== 'string') problems.push('snapshotId is not a string');
  if (typeof m.symbol !== 'string' || m.symbol === '') problems.push('symbol is not a non-empty string');
  if (typeof m.expiry !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(m.expiry)) problems.push('expiry is not YYYY-MM-DD');
  if (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp)) problems.push('timestamp is not a finite number');
  if (m.processedAt !== null && (typeof m.processedAt !== 'number' || !Number.isFinite(m.processedAt))) problems.push('processedAt is neither null nor a finite number');
  if (typeof m.sessionDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(m.sessionDate)) problems.push('sessionDate is not YYYY-MM-DD');
  if (typeof m.chain !== 'object' || m.chain === null) problems.push('chain is missing');
  if (typeof m.symbolIntelligence !== 'object' || m.symbolIntelligence === null) problems.push('symbolIntelligence is missing');
  if (!Array.isArray(m.flows)) problems.push('flows is not an array');
  if (!Array.isArray(m.events)) problems.push('events is not an array');
  if (problems.length > 0) throw new MessageError(`invalid analytics message: ${problems.join('; ')}`, 'invalid_envelope');
  return m as AnalyticsMessage;
}
