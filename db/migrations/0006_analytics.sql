CREATE TABLE "analytics_chain" (
	"ts" timestamp with time zone NOT NULL,
	"symbol" text NOT NULL,
	"expiry" date NOT NULL,
	"session_date" date NOT NULL,
	"spot" double precision NOT NULL,
	"liquidity_index" double precision,
	"intelligence" jsonb NOT NULL,
	CONSTRAINT "analytics_chain_symbol_expiry_ts_pk" PRIMARY KEY("symbol","expiry","ts")
);
--> statement-breakpoint
CREATE TABLE "analytics_events" (
	"ts" timestamp with time zone NOT NULL,
	"symbol" text NOT NULL,
	"event_key" text NOT NULL,
	"kind" text NOT NULL,
	"expiry" date,
	"strike" double precision,
	"side" text,
	"score" double precision NOT NULL,
	"reason" text NOT NULL,
	"values" jsonb NOT NULL,
	CONSTRAINT "analytics_events_symbol_ts_event_key_pk" PRIMARY KEY("symbol","ts","event_key")
);
--> statement-breakpoint
CREATE TABLE "analytics_flows" (
	"ts" timestamp with time zone NOT NULL,
	"symbol" text NOT NULL,
	"expiry" date NOT NULL,
	"strike" double precision NOT NULL,
	"option_type" char(2) NOT NULL,
	"oi" double precision,
	"change_since_previous_close" double precision,
	"change_since_open" double precision,
	"windows" jsonb NOT NULL,
	"buildups" jsonb NOT NULL,
	CONSTRAINT "analytics_flows_symbol_expiry_ts_strike_option_type_pk" PRIMARY KEY("symbol","expiry","ts","strike","option_type")
);
--> statement-breakpoint
CREATE TABLE "analytics_mood" (
	"ts" timestamp with time zone NOT NULL,
	"symbol" text NOT NULL,
	"session_date" date NOT NULL,
	"spot" double precision NOT NULL,
	"vix" double precision,
	"mood_index" double precision,
	"vpin" double precision,
	"intelligence" jsonb NOT NULL,
	CONSTRAINT "analytics_mood_symbol_ts_pk" PRIMARY KEY("symbol","ts")
);
--> statement-breakpoint
CREATE INDEX "analytics_events_ts_idx" ON "analytics_events" USING btree ("ts");--> statement-breakpoint

-- The analytics tables under TimescaleDB as the raw tables are in
-- 0001_timescale.sql: hypertables on ts with 1-day chunks, compression after
-- 7 days segmented by symbol, retention after 90 days (the defaults;
-- db/timescale.ts re-applies the configured windows at start-up). Hand-written:
-- Drizzle cannot express these. Without the extension (plain PostgreSQL,
-- PGlite) nothing happens here and db/retention.ts keeps them bounded.
DO $$
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['analytics_chain', 'analytics_mood', 'analytics_flows', 'analytics_events'] LOOP
    EXECUTE format($q$SELECT create_hypertable(%L, 'ts', chunk_time_interval => INTERVAL '1 day',
      migrate_data => true, create_default_indexes => false, if_not_exists => true)$q$, t);
  END LOOP;
  IF coalesce(current_setting('timescaledb.license', true), 'timescale') = 'apache' THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['analytics_chain', 'analytics_mood', 'analytics_flows', 'analytics_events'] LOOP
    EXECUTE format($q$ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol', timescaledb.compress_orderby = 'ts DESC')$q$, t);
    EXECUTE format($q$SELECT add_compression_policy(%L, compress_after => INTERVAL '7 days', if_not_exists => true)$q$, t);
    EXECUTE format($q$SELECT add_retention_policy(%L, drop_after => INTERVAL '90 days', if_not_exists => true)$q$, t);
  END LOOP;
END $$;
