-- The embedded store (PGlite) keeps a snapshot's option rows packed in one
-- block beside the snapshot (core/packedQuotes.ts) instead of a row per
-- option in option_quotes. Nullable: PostgreSQL keeps writing option_quotes,
-- and the rows of embedded databases written before this stay where they are
-- (every read and the retention job handle both shapes).
ALTER TABLE "chain_snapshots" ADD COLUMN "packed_quotes" "bytea";--> statement-breakpoint
ALTER TABLE "chain_snapshots" ADD COLUMN "packed_quote_count" integer;
--> statement-breakpoint
-- The block is already deflated: TOAST moves it out of line without trying
-- pglz on it again. TimescaleDB refuses the change on a hypertable with its
-- columnstore enabled; the column stays null there, so nothing is lost.
DO $$
BEGIN
  ALTER TABLE "chain_snapshots" ALTER COLUMN "packed_quotes" SET STORAGE EXTERNAL;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'packed_quotes keeps its default storage: %', SQLERRM;
END $$;
