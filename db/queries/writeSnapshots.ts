/**
 * Bulk write of enriched snapshots: one multi-row INSERT per table per chunk
 * (not one per row), inside one transaction, idempotent on the natural keys
 * so a replayed message never duplicates a row.
 */
import type { Database } from '../client.ts';
import { chainSnapshots, optionQuotes } from '../schema.ts';
import type { EnrichedQuote, EnrichedSnapshot } from '../../core/models.ts';

/** Postgres caps a statement at 65,535 parameters; option_quotes has 26 columns. */
const QUOTE_ROWS_PER_STATEMENT = 2_500;

type QuoteRow = typeof optionQuotes.$inferInsert;
type SnapshotRow = typeof chainSnapshots.$inferInsert;

export interface WriteResult {
  snapshots: number;
  quotes: number;
}

export async function writeSnapshots(db: Database, snapshots: readonly EnrichedSnapshot[]): Promise<WriteResult> {
  if (snapshots.length === 0) return { snapshots: 0, quotes: 0 };
  const snapshotRows: SnapshotRow[] = [];
  const quoteRows: QuoteRow[] = [];
  for (const snapshot of snapshots) {
    const ts = new Date(snapshot.timestamp);
    snapshotRows.push(snapshotRow(snapshot, ts));
    for (const row of snapshot.rows) {
      if (row.call) quoteRows.push(quoteRow(snapshot, ts, row.strike, 'CE', row.call));
      if (row.put) quoteRows.push(quoteRow(snapshot, ts, row.strike, 'PE', row.put));
    }
  }
  await db.transaction(async (tx) => {
    await tx.insert(chainSnapshots).values(snapshotRows).onConflictDoNothing();
    for (let start = 0; start < quoteRows.length; start += QUOTE_ROWS_PER_STATEMENT) {
      await tx
        .insert(optionQuotes)
        .values(quoteRows.slice(start, start + QUOTE_ROWS_PER_STATEMENT))
        .onConflictDoNothing();
    }
  });
  return { snapshots: snapshotRows.length, quotes: quoteRows.length };
}

function snapshotRow(s: EnrichedSnapshot, ts: Date): SnapshotRow {
  const a = s.analytics;
  return {
    ts,
    symbol: s.symbol,
    expiry: s.expiry,
    snapshotId: s.id,
    source: s.source,
    spot: s.spot,
    future: s.future,
    forward: s.forward,
    forwardSource: s.forwardSource,
    vix: s.vix,
    tYears: s.tYears,
    rate: s.rate,
    lotSize: s.lotSize,
    analytics: a,
    pcrOi: a.pcrOi,
    pcrVolume: a.pcrVolume,
    maxPain: a.maxPain,
    atmStrike: a.atmStrike,
    atmIv: a.atmIv,
    totalGex: a.totalGex,
    gammaFlip: a.gammaFlip,
    totalCallOi: a.totalCallOi,
    totalPutOi: a.totalPutOi,
    rejects: s.rejects,
    processedAt: new Date(s.processedAt),
  };
}

function quoteRow(s: EnrichedSnapshot, ts: Date, strike: number, optionType: 'CE' | 'PE', q: EnrichedQuote): QuoteRow {
  return {
    ts,
    symbol: s.symbol,
    expiry: s.expiry,
    strike,
    optionType,
    ltp: q.ltp,
    bid: q.bid,
    ask: q.ask,
    bidQty: q.bidQty,
    askQty: q.askQty,
    volume: q.volume,
    oi: q.oi,
    oiChange: q.oiChange,
    iv: q.iv,
    delta: q.delta,
    gamma: q.gamma,
    theta: q.theta,
    vega: q.vega,
    rho: q.rho,
    vanna: q.vanna,
    charm: q.charm,
    vomma: q.vomma,
    theoreticalPrice: q.theoreticalPrice,
    sourceIv: q.sourceIv,
    sourceDelta: q.sourceDelta,
    quality: q.quality,
  };
}
