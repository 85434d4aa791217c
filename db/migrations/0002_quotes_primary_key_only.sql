-- option_quotes keeps only its primary key (symbol, expiry, ts, strike,
-- option_type). Every query names symbol and expiry, which the key's prefix
-- serves; the two secondary indexes served no query and were written at a
-- random place per row: with them the storage role wrote about 50k rows/s
-- into PostgreSQL, without them over 100k (bench/distributed.ts). Per-strike
-- series come from the strike_stats aggregates on TimescaleDB.
DROP INDEX IF EXISTS "option_quotes_ts_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "option_quotes_strike_series_idx";
