-- Continuous aggregates of the market mood (issue 11), for moodHistory
-- (db/queries/moodHistory.ts) as chain_summary_* are for chainHistory: the
-- same widths, the same bucket origin, the same refresh windows. TimescaleDB
-- with the Timescale License only, as in 0001_timescale.sql and
-- 0006_analytics.sql; nothing on plain PostgreSQL or PGlite, where moodHistory
-- groups the raw rows of analytics_mood.
--
-- analytics_mood_<w>, per symbol and bucket, what moodHistory returns:
--   samples                          rows in the bucket;
--   mood_index_sum, mood_index_count the rows' mood index summed and counted
--                                    (nulls left out), their average being
--                                    sum / count as avg() over the raw rows;
--   mood_index_last, spot_last,      the values of the bucket's latest row
--   vix_last                         (null when that row has none).
-- Buckets use time_bucket's default origin (2000-01-03 00:00 UTC), the origin
-- db/queries/chainHistory.ts gives date_bin. Created WITH NO DATA (the
-- migrator runs in a transaction, where a refresh cannot): the refresh
-- policies fill the last days, and db/timescale.ts fills an aggregate created
-- over older rows once at start-up. Real time (materialized_only = false).
--
-- Compressed like chain_summary_* (one symbol's buckets in time order); the
-- compression and retention jobs are added by db/timescale.ts from
-- TIMESCALE_AGGREGATE_COMPRESS_AFTER and TIMESCALE_AGGREGATE_RETENTION
-- (db/timescale.ts CONTINUOUS_AGGREGATES lists these). A BRIN index on ts
-- serves each refresh's time range across all symbols, as 0004 does for the
-- raw tables.
DO $$
DECLARE
  w record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
     OR coalesce(current_setting('timescaledb.license', true), 'timescale') = 'apache' THEN
    RETURN;
  END IF;
  EXECUTE 'CREATE INDEX IF NOT EXISTS analytics_mood_ts_brin ON analytics_mood USING brin (ts)
    WITH (pages_per_range = 32, autosummarize = on)';
  FOR w IN SELECT * FROM (VALUES ('5m', '5 minutes', '3 days'), ('15m', '15 minutes', '3 days'), ('1h', '1 hour', '7 days'))
             AS t(suffix, width, lookback) LOOP
    EXECUTE format($q$
      CREATE MATERIALIZED VIEW IF NOT EXISTS %1$I
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(INTERVAL %2$L, ts) AS bucket, symbol,
        count(*) AS samples,
        sum(mood_index) AS mood_index_sum,
        count(mood_index) AS mood_index_count,
        last(mood_index, ts) AS mood_index_last,
        last(spot, ts) AS spot_last,
        last(vix, ts) AS vix_last
      FROM analytics_mood
      GROUP BY time_bucket(INTERVAL %2$L, ts), symbol
      WITH NO DATA$q$, 'analytics_mood_' || w.suffix, w.width);
    EXECUTE format($q$ALTER MATERIALIZED VIEW %I SET (timescaledb.compress = true,
      timescaledb.compress_segmentby = 'symbol', timescaledb.compress_orderby = 'bucket')$q$, 'analytics_mood_' || w.suffix);
    EXECUTE format($q$SELECT add_continuous_aggregate_policy(%L, start_offset => INTERVAL %L, end_offset => INTERVAL %L,
      schedule_interval => INTERVAL %L, if_not_exists => true)$q$, 'analytics_mood_' || w.suffix, w.lookback, w.width, w.width);
  END LOOP;
END $$;
