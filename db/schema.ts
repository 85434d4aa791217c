/**
 * Tables, declared once for Drizzle. Migrations are generated from this file
 * (`npm run db:generate`) into db/migrations and applied at start-up.
 *
 * Both time-series tables are keyed by their natural key, so writing the
 * same enriched snapshot twice never duplicates a row.
 */
import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, date, char } from 'drizzle-orm/pg-core';

/** One row per option side per snapshot: the enriched quote. */
export const optionQuotes = pgTable(
  'option_quotes',
  {
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    expiry: date('expiry', { mode: 'string' }).notNull(),
    strike: doublePrecision('strike').notNull(),
    /** 'CE' (call) or 'PE' (put), as the exchanges write it. */
    optionType: char('option_type', { length: 2 }).notNull(),
    ltp: doublePrecision('ltp'),
    bid: doublePrecision('bid'),
    ask: doublePrecision('ask'),
    bidQty: doublePrecision('bid_qty'),
    askQty: doublePrecision('ask_qty'),
    volume: doublePrecision('volume'),
    oi: doublePrecision('oi'),
    oiChange: doublePrecision('oi_change'),
    /** Decimal (0.15 = 15 %). */
    iv: doublePrecision('iv'),
    delta: doublePrecision('delta'),
    gamma: doublePrecision('gamma'),
    /** Per calendar day. */
    theta: doublePrecision('theta'),
    /** Per 1 vol point. */
    vega: doublePrecision('vega'),
    /** Per 1 % of rate. */
    rho: doublePrecision('rho'),
    /** Per 1 vol point. */
    vanna: doublePrecision('vanna'),
    /** Per calendar day. */
    charm: doublePrecision('charm'),
    /** Per vol point squared. */
    vomma: doublePrecision('vomma'),
    theoreticalPrice: doublePrecision('theoretical_price'),
    sourceIv: doublePrecision('source_iv'),
    sourceDelta: doublePrecision('source_delta'),
    /** Data-quality flag for this side, null when clean. */
    quality: text('quality'),
  },
  // The primary key is the only index: every read names symbol and expiry
  // (a chain at an instant, or a time range of one expiry), which its prefix
  // serves, and it grows at the end of each expiry's range, so a bulk write
  // touches a few hot pages. A second index ordered by strike or by ts alone
  // would be written at a random place per row and halve the write rate
  // (bench/distributed.ts); per-strike series come from the strike_stats
  // aggregates on TimescaleDB, or a scan of the expiry's range elsewhere.
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.ts, t.strike, t.optionType] })],
);

/** One row per enriched chain snapshot: spot, forward and the chain analytics. */
export const chainSnapshots = pgTable(
  'chain_snapshots',
  {
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    expiry: date('expiry', { mode: 'string' }).notNull(),
    snapshotId: text('snapshot_id').notNull(),
    source: text('source').notNull(),
    spot: doublePrecision('spot').notNull(),
    future: doublePrecision('future'),
    forward: doublePrecision('forward'),
    forwardSource: text('forward_source'),
    vix: doublePrecision('vix'),
    tYears: doublePrecision('t_years').notNull(),
    rate: doublePrecision('rate').notNull(),
    lotSize: integer('lot_size').notNull(),
    /** The whole analytics block as computed (see core/analytics/summary.ts). */
    analytics: jsonb('analytics').notNull(),
    pcrOi: doublePrecision('pcr_oi'),
    pcrVolume: doublePrecision('pcr_volume'),
    maxPain: doublePrecision('max_pain'),
    atmStrike: doublePrecision('atm_strike'),
    atmIv: doublePrecision('atm_iv'),
    totalGex: doublePrecision('total_gex'),
    gammaFlip: doublePrecision('gamma_flip'),
    totalCallOi: doublePrecision('total_call_oi'),
    totalPutOi: doublePrecision('total_put_oi'),
    /** Rows rejected by the data-quality rules, by reason. */
    rejects: jsonb('rejects').notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.ts] }), index('chain_snapshots_ts_idx').on(t.ts)],
);
