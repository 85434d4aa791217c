-- The retention job thins the analytics documents older than the raw window
-- to the last of each 5 minutes (db/queries/thinAnalytics.ts): a mood row keeps
-- its columns (moodHistory reads them) and loses its document, and the job
-- remembers how far it has thinned.
ALTER TABLE "analytics_mood" ALTER COLUMN "intelligence" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "retention_state" ADD COLUMN "analytics_thinned_to" timestamp with time zone;