-- TimescaleDB where the database has it (created by db/timescale.ts), the plain-PostgreSQL equivalent where it
-- does not (plain PostgreSQL, embedded PGlite). Hand-written: Drizzle cannot
-- express hypertables, continuous aggregates or their policies.
--
-- Everything Timescale-specific runs through EXECUTE inside DO blocks, so
-- plain PostgreSQL never parses a Timescale function or option. The migrator
-- runs this file inside one transaction, hence continuous aggregates are
-- created WITH NO DATA (a refresh cannot run in a transaction) and filled by
-- their refresh policies; they read in real time (materialized_only = false).
--
-- Windows written here are the defaults of TIMESCALE_CHUNK_INTERVAL,
-- TIMESCALE_COMPRESS_AFTER and TIMESCALE_RETENTION; db/timescale.ts re-applies
-- the configured ones at start-up.

-- 1. The extension is not created here: db/timescale.ts creates it before
--    the migrations run, and only on a server that preloads it. Creating it
--    on a server that ships it without preloading it ends the session with
--    FATAL, which the EXCEPTION block this step once had could not catch
--    (issue 10). Databases that ran the old step are unaffected: the migrator
--    never runs a recorded migration again.
SELECT 1;
--> statement-breakpoint

-- 2. Hypertables on ts, 1-day chunks, existing rows moved into chunks. Both
--    primary keys include ts, as Timescale requires; the ts indexes exist.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    EXECUTE $q$SELECT create_hypertable('option_quotes', 'ts', chunk_time_interval => INTERVAL '1 day',
      migrate_data => true, create_default_indexes => false, if_not_exists => true)$q$;
    EXECUTE $q$SELECT create_hypertable('chain_snapshots', 'ts', chunk_time_interval => INTERVAL '1 day',
      migrate_data => true, create_default_indexes => false, if_not_exists => true)$q$;
  END IF;
END $$;
--> statement-breakpoint

-- 3. Continuous aggregates at 5 min, 15 min and 1 h (Timescale License builds
--    only; the Apache-2 build has hypertables but no aggregates or policies).
--    Buckets use time_bucket's default origin (2000-01-03 00:00 UTC), the
--    origin db/queries/chainHistory.ts gives date_bin, so both agree.
--    "last" means the value of the latest snapshot in the bucket.
--
--    chain_summary_<w>: per symbol and expiry, the chain analytics.
--    strike_stats_<w>:  per symbol, expiry, strike and side, OI / IV / volume.
DO $$
DECLARE
  w record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
     OR coalesce(current_setting('timescaledb.license', true), 'timescale') = 'apache' THEN
    RETURN;
  END IF;
  FOR w IN SELECT * FROM (VALUES ('5m', '5 minutes', '3 days'), ('15m', '15 minutes', '3 days'), ('1h', '1 hour', '7 days'))
             AS t(suffix, width, lookback) LOOP
    EXECUTE format($q$
      CREATE MATERIALIZED VIEW IF NOT EXISTS %1$I
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(INTERVAL %2$L, ts) AS bucket, symbol, expiry,
        count(*) AS snapshots,
        avg(pcr_oi) AS pcr_oi_avg,
        last(pcr_oi, ts) AS pcr_oi_last,
        last(max_pain, ts) AS max_pain_last,
        avg(atm_iv) AS atm_iv_avg,
        last(spot, ts) AS spot_last,
        last(total_call_oi + total_put_oi, ts) AS total_oi_last
      FROM chain_snapshots
      GROUP BY time_bucket(INTERVAL %2$L, ts), symbol, expiry
      WITH NO DATA$q$, 'chain_summary_' || w.suffix, w.width);
    EXECUTE format($q$
      CREATE MATERIALIZED VIEW IF NOT EXISTS %1$I
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(INTERVAL %2$L, ts) AS bucket, symbol, expiry, strike, option_type,
        last(oi, ts) AS oi_last,
        avg(oi) AS oi_avg,
        last(iv, ts) AS iv_last,
        avg(iv) AS iv_avg,
        last(volume, ts) AS volume_last,
        avg(volume) AS volume_avg
      FROM option_quotes
      GROUP BY time_bucket(INTERVAL %2$L, ts), symbol, expiry, strike, option_type
      WITH NO DATA$q$, 'strike_stats_' || w.suffix, w.width);
    EXECUTE format($q$SELECT add_continuous_aggregate_policy(%L, start_offset => INTERVAL %L, end_offset => INTERVAL %L,
      schedule_interval => INTERVAL %L, if_not_exists => true)$q$, 'chain_summary_' || w.suffix, w.lookback, w.width, w.width);
    EXECUTE format($q$SELECT add_continuous_aggregate_policy(%L, start_offset => INTERVAL %L, end_offset => INTERVAL %L,
      schedule_interval => INTERVAL %L, if_not_exists => true)$q$, 'strike_stats_' || w.suffix, w.lookback, w.width, w.width);
  END LOOP;
END $$;
--> statement-breakpoint

-- 4. Compression after 7 days, segmented by symbol and expiry (each segment
--    one expiry's series, read whole by the history queries); retention 90
--    days on the raw tables. The aggregates keep their rows: their refresh
--    windows (3 to 7 days) never reach back to dropped chunks.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
     OR coalesce(current_setting('timescaledb.license', true), 'timescale') = 'apache' THEN
    RETURN;
  END IF;
  EXECUTE $q$ALTER TABLE option_quotes SET (timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = 'strike, option_type, ts DESC')$q$;
  EXECUTE $q$ALTER TABLE chain_snapshots SET (timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = 'ts DESC')$q$;
  EXECUTE $q$SELECT add_compression_policy('option_quotes', compress_after => INTERVAL '7 days', if_not_exists => true)$q$;
  EXECUTE $q$SELECT add_compression_policy('chain_snapshots', compress_after => INTERVAL '7 days', if_not_exists => true)$q$;
  EXECUTE $q$SELECT add_retention_policy('option_quotes', drop_after => INTERVAL '90 days', if_not_exists => true)$q$;
  EXECUTE $q$SELECT add_retention_policy('chain_snapshots', drop_after => INTERVAL '90 days', if_not_exists => true)$q$;
END $$;
--> statement-breakpoint

-- 5. Every engine: one strike's series in time order (per-strike OI / IV /
--    volume history), without scanning the whole expiry. chain_snapshots
--    needs nothing more: its primary key (symbol, expiry, ts) already serves
--    the chain history (db/queries/chainHistory.ts).
CREATE INDEX IF NOT EXISTS "option_quotes_strike_series_idx"
  ON "option_quotes" USING btree ("symbol", "expiry", "strike", "option_type", "ts");
