CREATE TABLE "chain_changes" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"changes" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "chain_changes_one_row" CHECK ("chain_changes"."id" = 1)
);
--> statement-breakpoint
-- Hand-written: the counter's one row and the triggers that keep it (an
-- upsert, so a counter row someone deleted comes back counting). A
-- range's contents are named by this counter and the range's newest stored
-- snapshot (db/queries/rangeContents.ts): a snapshot written after every
-- other of its stream changes only the newest of the ranges it lands in;
-- anything else that changes stored chains counts here.
INSERT INTO "chain_changes" ("id", "changes") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION note_chain_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO chain_changes (id, changes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET changes = chain_changes.changes + 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Before each snapshot row is inserted (rows earlier in the same statement
-- are visible to it): it counts when a newer snapshot of its stream is
-- already stored. Writers of one stream take turns until commit (a lock per
-- stream), so a newer snapshot written at the same time is seen too.
CREATE OR REPLACE FUNCTION note_chain_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('chain_changes'), hashtext(NEW.symbol || '|' || NEW.expiry::text));
  IF EXISTS (SELECT 1 FROM chain_snapshots WHERE symbol = NEW.symbol AND expiry = NEW.expiry AND ts > NEW.ts) THEN
    INSERT INTO chain_changes (id, changes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET changes = chain_changes.changes + 1;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER chain_snapshots_insert_order BEFORE INSERT ON chain_snapshots FOR EACH ROW EXECUTE FUNCTION note_chain_insert();
--> statement-breakpoint
CREATE TRIGGER chain_snapshots_changed AFTER UPDATE OR DELETE OR TRUNCATE ON chain_snapshots FOR EACH STATEMENT EXECUTE FUNCTION note_chain_change();
--> statement-breakpoint
CREATE TRIGGER chain_rollup_1m_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chain_rollup_1m FOR EACH STATEMENT EXECUTE FUNCTION note_chain_change();
