/**
 * Tables, declared once for Drizzle. Migrations are generated from this file
 * (`npm run db:generate`) into db/migrations and applied at start-up.
 *
 * Both time-series tables are keyed by their natural key, so writing the
 * same enriched snapshot twice never duplicates a row.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, date, char } from 'drizzle-orm/pg-core';

/** bytea as a Uint8Array: postgres-js gives a Buffer, PGlite a Uint8Array, a text protocol '\\x…' hex. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array | string }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (typeof value === 'string' ? Uint8Array.from(Buffer.from(value.replace(/^\\x/, ''), 'hex')) : value),
});

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
    /** The previous session's closing price, index points; null when unknown (and in rows written before migration 0014). */
    previousClose: doublePrecision('previous_close'),
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
    /**
     * The embedded store's option rows of this snapshot, packed into one block
     * (core/packedQuotes.ts); null where they are rows of option_quotes
     * (PostgreSQL, and embedded databases written before the packed format).
     */
    packedQuotes: bytea('packed_quotes'),
    /** Option rows in packed_quotes (calls and puts); null with it. */
    packedQuoteCount: integer('packed_quote_count'),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.ts] }), index('chain_snapshots_ts_idx').on(t.ts)],
);

/*
 * Downsampled history, kept longer than the raw rows on PGlite and plain
 * PostgreSQL (db/retention.ts; TimescaleDB has its continuous aggregates
 * instead, and these stay empty there). A raw row is folded into them in the
 * same statement that deletes it (db/queries/expireRaw.ts), so every stored
 * snapshot is counted exactly once: in the raw tables or in a rollup. They
 * hold sums and counts rather than averages, so rollups of adjacent buckets,
 * and raw rows beside them, combine exactly into any coarser bucket; "last"
 * values are those of the latest row (last_ts) in the bucket, null included.
 * Buckets are date_bin over the origin 2000-01-03 00:00 UTC, as everywhere.
 */

/** Chain analytics per symbol, expiry and minute: what chainHistory needs once the raw snapshots are gone. */
export const chainRollup1m = pgTable(
  'chain_rollup_1m',
  {
    bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    expiry: date('expiry', { mode: 'string' }).notNull(),
    snapshots: integer('snapshots').notNull(),
    pcrOiSum: doublePrecision('pcr_oi_sum').notNull(),
    /** Snapshots with a PCR (the average ignores nulls). */
    pcrOiCount: integer('pcr_oi_count').notNull(),
    /** Decimal (0.15 = 15 %). */
    atmIvSum: doublePrecision('atm_iv_sum').notNull(),
    atmIvCount: integer('atm_iv_count').notNull(),
    /** The latest snapshot folded in, whose values the *_last columns are. */
    lastTs: timestamp('last_ts', { withTimezone: true, mode: 'date' }).notNull(),
    spotLast: doublePrecision('spot_last').notNull(),
    maxPainLast: doublePrecision('max_pain_last'),
    /** total_call_oi + total_put_oi, contracts. */
    totalOiLast: doublePrecision('total_oi_last'),
    /**
     * The latest snapshot's ATM straddle (call + put mark price, analytics
     * straddlePrice) and ATM strike, index points; null on minutes folded
     * before 0012_strike_prices.
     */
    straddleLast: doublePrecision('straddle_last'),
    atmStrikeLast: doublePrecision('atm_strike_last'),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.bucket] }), index('chain_rollup_1m_bucket_idx').on(t.bucket)],
);

/**
 * OI, IV and volume per strike and side in 5-minute buckets (the
 * strike_stats_5m of TimescaleDB), and the option's price (LTP) OHLC and its
 * latest Greeks (TimescaleDB's strike_prices_5m). The price and Greek
 * columns and first_ts were added by 0012_strike_prices: rows folded before
 * it have them null.
 */
export const strikeRollup5m = pgTable(
  'strike_rollup_5m',
  {
    bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    expiry: date('expiry', { mode: 'string' }).notNull(),
    strike: doublePrecision('strike').notNull(),
    optionType: char('option_type', { length: 2 }).notNull(),
    /** Quotes folded in. */
    samples: integer('samples').notNull(),
    oiSum: doublePrecision('oi_sum').notNull(),
    oiCount: integer('oi_count').notNull(),
    /** Decimal. */
    ivSum: doublePrecision('iv_sum').notNull(),
    ivCount: integer('iv_count').notNull(),
    volumeSum: doublePrecision('volume_sum').notNull(),
    volumeCount: integer('volume_count').notNull(),
    lastTs: timestamp('last_ts', { withTimezone: true, mode: 'date' }).notNull(),
    oiLast: doublePrecision('oi_last'),
    ivLast: doublePrecision('iv_last'),
    volumeLast: doublePrecision('volume_last'),
    /** The earliest row folded in, whose value ltp_first is (null on rows folded before 0012). */
    firstTs: timestamp('first_ts', { withTimezone: true, mode: 'date' }),
    /** Option price (LTP), index points: the earliest row's, the highest and lowest (nulls ignored), the latest row's. */
    ltpFirst: doublePrecision('ltp_first'),
    ltpMax: doublePrecision('ltp_max'),
    ltpMin: doublePrecision('ltp_min'),
    ltpLast: doublePrecision('ltp_last'),
    /** The latest row's Greeks: delta per index point, gamma per point², theta per calendar day, vega per vol point. */
    deltaLast: doublePrecision('delta_last'),
    gammaLast: doublePrecision('gamma_last'),
    thetaLast: doublePrecision('theta_last'),
    vegaLast: doublePrecision('vega_last'),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.strike, t.optionType, t.bucket] }), index('strike_rollup_5m_bucket_idx').on(t.bucket)],
);

/** The one row of the retention job's state (db/retention.ts), absent until its first run. */
export const retentionState = pgTable(
  'retention_state',
  {
    id: integer('id').primaryKey().default(1),
    /**
     * Raw rows before this instant may have been folded into the rollups and
     * deleted; from it on the raw tables are complete. Set before any row
     * below it is touched, and never moved back.
     */
    rawHorizon: timestamp('raw_horizon', { withTimezone: true, mode: 'date' }),
    /** Rollup buckets before this instant are deleted. */
    historyHorizon: timestamp('history_horizon', { withTimezone: true, mode: 'date' }),
    lastRunAt: timestamp('last_run_at', { withTimezone: true, mode: 'date' }),
    lastRunMs: integer('last_run_ms'),
    /** Null when the last run succeeded. */
    lastError: text('last_error'),
    /** Totals over every run. */
    snapshotsDeleted: bigint('snapshots_deleted', { mode: 'number' }).notNull().default(0),
    quotesDeleted: bigint('quotes_deleted', { mode: 'number' }).notNull().default(0),
    historyRowsDeleted: bigint('history_rows_deleted', { mode: 'number' }).notNull().default(0),
    /** The analytics documents before this instant are thinned to the last of each 5 minutes (db/queries/thinAnalytics.ts). */
    analyticsThinnedTo: timestamp('analytics_thinned_to', { withTimezone: true, mode: 'date' }),
  },
  (t) => [check('retention_state_one_row', sql`${t.id} = 1`)],
);

/**
 * The one row counting the changes to stored chains that a range's newest
 * snapshot does not show (db/queries/rangeContents.ts): a snapshot written
 * older than its stream's newest, a snapshot updated or deleted, any change
 * to the chain rollup. Kept by triggers (migration 0010), so every writer,
 * in any process, counts.
 */
export const chainChanges = pgTable(
  'chain_changes',
  {
    id: integer('id').primaryKey().default(1),
    changes: bigint('changes', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('chain_changes_one_row', sql`${t.id} = 1`)],
);

/*
 * Market analytics (the analytics role's `market.analytics` messages, stored
 * by the storage role; see core/analyticsMessage.ts and core/intelligence).
 * Keyed by their natural keys like the tables above, so storing a message
 * twice (a retry, a redelivery) never duplicates a row. The whole output
 * objects are kept as jsonb (their shape and units are documented in
 * core/intelligence), with the columns the history queries read beside them.
 * Retention: the raw window (RETENTION_RAW) for the per-strike flows, the
 * history window (RETENTION_HISTORY) for the rest (db/retention.ts).
 */

/** One row per analysed chain snapshot: the chain's intelligence (buildups, zones, reversal levels, liquidity, volatility). */
export const analyticsChain = pgTable(
  'analytics_chain',
  {
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    expiry: date('expiry', { mode: 'string' }).notNull(),
    /** IST session date. */
    sessionDate: date('session_date', { mode: 'string' }).notNull(),
    /** Index points. */
    spot: doublePrecision('spot').notNull(),
    /** Liquidity-stress index, 0–100; null before its baseline fills. */
    liquidityIndex: doublePrecision('liquidity_index'),
    /** ChainIntelligence (core/intelligence/index.ts). */
    intelligence: jsonb('intelligence').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.ts] })],
);

/** One row per symbol and snapshot instant: mood, toxicity and VIX context (the latest message of the instant wins). */
export const analyticsMood = pgTable(
  'analytics_mood',
  {
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    sessionDate: date('session_date', { mode: 'string' }).notNull(),
    /** Index points. */
    spot: doublePrecision('spot').notNull(),
    /** India VIX, points. */
    vix: doublePrecision('vix'),
    /** Mood index, 0 (extreme fear) – 100 (extreme greed); null when no component is known. */
    moodIndex: doublePrecision('mood_index'),
    /** VPIN, 0–1; null before its window fills. */
    vpin: doublePrecision('vpin'),
    /**
     * SymbolIntelligence (core/intelligence/index.ts). Null on rows older
     * than the raw window but the last of their 5 minutes: the retention job
     * thins the documents (db/queries/thinAnalytics.ts) and keeps the columns
     * above, which moodHistory reads, for the history window.
     */
    intelligence: jsonb('intelligence'),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts] })],
);

/** Per strike and side of each analysed snapshot: OI flow and buildup class per window. */
export const analyticsFlows = pgTable(
  'analytics_flows',
  {
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    expiry: date('expiry', { mode: 'string' }).notNull(),
    strike: doublePrecision('strike').notNull(),
    /** 'CE' or 'PE'. */
    optionType: char('option_type', { length: 2 }).notNull(),
    /** Contracts (lots). */
    oi: doublePrecision('oi'),
    changeSincePreviousClose: doublePrecision('change_since_previous_close'),
    changeSinceOpen: doublePrecision('change_since_open'),
    /** [{ windowMinutes, velocityContractsPerMinute, accelerationContractsPerMinute2 }]. */
    windows: jsonb('windows').notNull(),
    /** [{ windowMinutes (null: the session), kind, oiChangeContracts, priceChangePoints }]. */
    buildups: jsonb('buildups').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.expiry, t.ts, t.strike, t.optionType] })],
);

/** Every event the analytics raised (zones, unusual activity, VIX divergence, mood bands). */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    symbol: text('symbol').notNull(),
    /** kind|expiry|strike|side: what makes an event of an instant unique. */
    eventKey: text('event_key').notNull(),
    kind: text('kind').notNull(),
    expiry: date('expiry', { mode: 'string' }),
    strike: doublePrecision('strike'),
    side: text('side'),
    score: doublePrecision('score').notNull(),
    reason: text('reason').notNull(),
    /** The numbers behind it; each key names its unit. */
    values: jsonb('values').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts, t.eventKey] }), index('analytics_events_ts_idx').on(t.ts)],
);

/*
 * NSE's daily institutional data (core/participants.ts; imported by
 * pipeline/participantImport.ts from files, the CLI `npm run import` or the
 * watched import folder). One row per trading day and participant or
 * category, keyed so that importing a file again changes nothing. Small (a
 * few rows a day): plain tables everywhere, kept until deleted.
 */

/** Participant-wise open interest at the end of a trading day (fao_participant_oi_DDMMYYYY.csv), contracts. */
export const participantPositions = pgTable(
  'participant_positions',
  {
    date: date('date', { mode: 'string' }).notNull(),
    /** Client, DII, FII, Pro or Total. */
    participant: text('participant').notNull(),
    futureIndexLong: integer('future_index_long').notNull(),
    futureIndexShort: integer('future_index_short').notNull(),
    futureStockLong: integer('future_stock_long').notNull(),
    futureStockShort: integer('future_stock_short').notNull(),
    optionIndexCallLong: integer('option_index_call_long').notNull(),
    optionIndexPutLong: integer('option_index_put_long').notNull(),
    optionIndexCallShort: integer('option_index_call_short').notNull(),
    optionIndexPutShort: integer('option_index_put_short').notNull(),
    optionStockCallLong: integer('option_stock_call_long').notNull(),
    optionStockPutLong: integer('option_stock_put_long').notNull(),
    optionStockCallShort: integer('option_stock_call_short').notNull(),
    optionStockPutShort: integer('option_stock_put_short').notNull(),
    totalLong: integer('total_long').notNull(),
    totalShort: integer('total_short').notNull(),
  },
  (t) => [primaryKey({ columns: [t.date, t.participant] })],
);

/** FII/FPI and DII cash-market buying and selling on a trading day (NSE provisional figures), ₹ crore. */
export const cashFlows = pgTable(
  'cash_flows',
  {
    date: date('date', { mode: 'string' }).notNull(),
    /** FII (FII/FPI) or DII. */
    category: text('category').notNull(),
    buyCrore: doublePrecision('buy_crore').notNull(),
    sellCrore: doublePrecision('sell_crore').notNull(),
    /** buy − sell. */
    netCrore: doublePrecision('net_crore').notNull(),
  },
  (t) => [primaryKey({ columns: [t.date, t.category] })],
);

/*
 * Users and what they own (core/auth/, db/queries/users.ts and its
 * neighbours, schema/users.ts). Ids are random UUIDs made by the API; every
 * secret (password, refresh token, API key) is stored only as a hash.
 */

/** One row per account; `role` names its plan (plans.role). */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  /** Lower-cased; null for a Firebase account without an e-mail. */
  email: text('email').unique(),
  displayName: text('display_name'),
  /** anonymous is never stored: free, pro or admin. */
  role: text('role').notNull().default('free'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** Access tokens issued before this instant are refused (set by logoutEverywhere and by a role change); null: none cut off. */
  tokensValidAfter: timestamp('tokens_valid_after', { withTimezone: true, mode: 'date' }),
});

/** How an account signs in: `password` (subject: the e-mail, with its scrypt hash) or `firebase` (subject: the Firebase uid). */
export const userIdentities = pgTable(
  'user_identities',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** core/auth/password.ts' encoded scrypt hash (parameters, salt, hash); null for Firebase. */
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('user_identities_user_idx').on(t.userId)],
);

/** A sign-in's chain of refresh tokens: one family per login, revoked whole on logout or on the reuse of a rotated token. */
export const refreshFamilies = pgTable(
  'refresh_families',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    /** logout, logout-everywhere or reuse. */
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('refresh_families_user_idx').on(t.userId)],
);

/** One row per refresh token ever issued, by the SHA-256 of the token; `usedAt` set when it was rotated. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    familyId: text('family_id')
      .notNull()
      .references(() => refreshFamilies.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId)],
);

/** API keys: the visible prefix, the SHA-256 of the whole key, its scopes (read, stream, admin). */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The key's first characters (opk_ and 8 more), shown in listings and used to find the row. */
    prefix: text('prefix').notNull().unique(),
    keyHash: text('key_hash').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('api_keys_user_idx').on(t.userId)],
);

/** Each role's plan (core/auth/plans.ts): symbols, features, history depth, subscriptions, limits; absent rows fall back to the configured defaults. */
export const plans = pgTable('plans', {
  role: text('role').primaryKey(),
  document: jsonb('document').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** A user's preferences document (core/auth/preferences.ts validates it). */
export const userPreferences = pgTable('user_preferences', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  document: jsonb('document').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** A named list of symbols, expiries and strikes owned by one user. */
export const watchlists = pgTable(
  'watchlists',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** [{ symbol, expiry?, strike? }]: strike in index points, expiry YYYY-MM-DD. */
    items: jsonb('items').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('watchlists_user_idx').on(t.userId)],
);
