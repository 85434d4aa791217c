ALTER TABLE "strike_rollup_5m" ADD COLUMN "first_ts" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "ltp_first" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "ltp_max" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "ltp_min" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "ltp_last" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "delta_last" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "gamma_last" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "theta_last" double precision;--> statement-breakpoint
ALTER TABLE "strike_rollup_5m" ADD COLUMN "vega_last" double precision;--> statement-breakpoint
ALTER TABLE "chain_rollup_1m" ADD COLUMN "straddle_last" double precision;--> statement-breakpoint
ALTER TABLE "chain_rollup_1m" ADD COLUMN "atm_strike_last" double precision;--> statement-breakpoint
-- The option price and Greeks per strike and bucket (issue 12, strikeSeries),
-- and the ATM straddle and strike per chain and bucket (chainSeries).
-- Plain PostgreSQL and PGlite: the columns above, filled by the retention
-- job's fold (db/queries/expireRaw.ts). TimescaleDB with the Timescale
-- License: continuous aggregates strike_prices_<w> beside strike_stats_<w>
-- and chain_straddle_<w> beside chain_summary_<w>,
-- with the same widths, origin, refresh windows and compression. A
-- continuous aggregate cannot gain columns, and dropping strike_stats_* to
-- recreate them would lose the buckets they keep beyond the raw retention,
-- so the new figures live in their own aggregates, joined to strike_stats_*
-- on (bucket, symbol, expiry, strike, option_type) by
-- db/queries/strikeHistory.ts and to chain_summary_* on (bucket, symbol,
-- expiry) by db/queries/chainHistory.ts. Created WITH NO DATA (the migrator runs in a
-- transaction): db/timescale.ts fills them once at start-up over the rows
-- already stored, then their policies keep them up to date.
--
-- strike_prices_<w>, per symbol, expiry, strike, side and bucket:
--   ltp_first, ltp_last            LTP of the bucket's earliest and latest
--                                  row (null when that row has none);
--   ltp_max, ltp_min               highest and lowest LTP (nulls ignored);
--   delta_last, gamma_last,        the latest row's Greeks (per index point,
--   theta_last, vega_last          per point², per calendar day, per vol point).
-- chain_straddle_<w>, per symbol, expiry and bucket:
--   straddle_last, atm_strike_last the latest snapshot's ATM straddle (call +
--                                  put mark price, its analytics'
--                                  straddlePrice) and ATM strike, index points.
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
      SELECT time_bucket(INTERVAL %2$L, ts) AS bucket, symbol, expiry, strike, option_type,
        first(ltp, ts) AS ltp_first,
        max(ltp) AS ltp_max,
        min(ltp) AS ltp_min,
        last(ltp, ts) AS ltp_last,
        last(delta, ts) AS delta_last,
        last(gamma, ts) AS gamma_last,
        last(theta, ts) AS theta_last,
        last(vega, ts) AS vega_last
      FROM option_quotes
      GROUP BY time_bucket(INTERVAL %2$L, ts), symbol, expiry, strike, option_type
      WITH NO DATA$q$, 'strike_prices_' || w.suffix, w.width);
    EXECUTE format($q$
      CREATE MATERIALIZED VIEW IF NOT EXISTS %1$I
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(INTERVAL %2$L, ts) AS bucket, symbol, expiry,
        last((analytics->>'straddlePrice')::float8, ts) AS straddle_last,
        last(atm_strike, ts) AS atm_strike_last
      FROM chain_snapshots
      GROUP BY time_bucket(INTERVAL %2$L, ts), symbol, expiry
      WITH NO DATA$q$, 'chain_straddle_' || w.suffix, w.width);
    EXECUTE format($q$ALTER MATERIALIZED VIEW %I SET (timescaledb.compress = true,
      timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = 'bucket')$q$,
      'chain_straddle_' || w.suffix);
    EXECUTE format($q$SELECT add_continuous_aggregate_policy(%L, start_offset => INTERVAL %L, end_offset => INTERVAL %L,
      schedule_interval => INTERVAL %L, if_not_exists => true)$q$, 'chain_straddle_' || w.suffix, w.lookback, w.width, w.width);
    EXECUTE format($q$ALTER MATERIALIZED VIEW %I SET (timescaledb.compress = true,
      timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = 'strike, option_type, bucket')$q$,
      'strike_prices_' || w.suffix);
    EXECUTE format($q$SELECT add_continuous_aggregate_policy(%L, start_offset => INTERVAL %L, end_offset => INTERVAL %L,
      schedule_interval => INTERVAL %L, if_not_exists => true)$q$, 'strike_prices_' || w.suffix, w.lookback, w.width, w.width);
  END LOOP;
END $$;
