CREATE TABLE "chain_rollup_1m" (
	"bucket" timestamp with time zone NOT NULL,
	"symbol" text NOT NULL,
	"expiry" date NOT NULL,
	"snapshots" integer NOT NULL,
	"pcr_oi_sum" double precision NOT NULL,
	"pcr_oi_count" integer NOT NULL,
	"atm_iv_sum" double precision NOT NULL,
	"atm_iv_count" integer NOT NULL,
	"last_ts" timestamp with time zone NOT NULL,
	"spot_last" double precision NOT NULL,
	"max_pain_last" double precision,
	"total_oi_last" double precision,
	CONSTRAINT "chain_rollup_1m_symbol_expiry_bucket_pk" PRIMARY KEY("symbol","expiry","bucket")
);
--> statement-breakpoint
CREATE TABLE "retention_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"raw_horizon" timestamp with time zone,
	"history_horizon" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_run_ms" integer,
	"last_error" text,
	"snapshots_deleted" bigint DEFAULT 0 NOT NULL,
	"quotes_deleted" bigint DEFAULT 0 NOT NULL,
	"history_rows_deleted" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "retention_state_one_row" CHECK ("retention_state"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "strike_rollup_5m" (
	"bucket" timestamp with time zone NOT NULL,
	"symbol" text NOT NULL,
	"expiry" date NOT NULL,
	"strike" double precision NOT NULL,
	"option_type" char(2) NOT NULL,
	"samples" integer NOT NULL,
	"oi_sum" double precision NOT NULL,
	"oi_count" integer NOT NULL,
	"iv_sum" double precision NOT NULL,
	"iv_count" integer NOT NULL,
	"volume_sum" double precision NOT NULL,
	"volume_count" integer NOT NULL,
	"last_ts" timestamp with time zone NOT NULL,
	"oi_last" double precision,
	"iv_last" double precision,
	"volume_last" double precision,
	CONSTRAINT "strike_rollup_5m_symbol_expiry_strike_option_type_bucket_pk" PRIMARY KEY("symbol","expiry","strike","option_type","bucket")
);
--> statement-breakpoint
CREATE INDEX "chain_rollup_1m_bucket_idx" ON "chain_rollup_1m" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "strike_rollup_5m_bucket_idx" ON "strike_rollup_5m" USING btree ("bucket");