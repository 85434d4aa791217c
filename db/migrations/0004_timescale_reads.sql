-- TimescaleDB settings chosen for the reads (issue 10); nothing on plain
-- PostgreSQL or PGlite, where no aggregate is refreshed and nothing is
-- compressed. Licensed builds only (the Apache-2 build has neither
-- compression nor continuous aggregates).
--
-- 1. BRIN indexes on ts. Every continuous-aggregate refresh, and the
--    real-time part of every aggregate read, asks for a time range across
--    all symbols: the primary key (symbol, expiry, ts, strike, option_type)
--    cannot serve that, so without an index on ts each refresh read the
--    whole current chunk. Rows arrive in time order, so a BRIN index (one
--    small summary per 32 pages) narrows a time range to the pages that hold
--    it, at a fraction of a B-tree's write cost (bench/timescale.ts). The
--    primary key stays the only B-tree. A BRIN range appended after the
--    index was built is not summarized until VACUUM or autosummarize: until
--    then a scan reads it whole, so autosummarize asks autovacuum to
--    summarize each range as it fills (needs autovacuum on, the default), and
--    32 pages a range (256 kB) keeps what a 10-minute refresh over-reads small.
--
-- 2. Compression ordered by time first. Segments stay one (symbol, expiry);
--    inside a segment rows were ordered by strike, option type, then time,
--    so one instant of one chain was spread over every batch of the segment:
--    reading one chain at one instant decompressed 30,915 rows to return 82.
--    Ordered by ts DESC, strike, option_type, an instant's rows are adjacent,
--    and the per-batch min/max of ts lets a read decompress only the batch
--    (or two) that hold it. Chunks compressed from now on get it; chunks
--    compressed before keep their order until recompressed, which this
--    migration does not do (it would hold the start-up lock for as long as
--    it takes to rewrite every compressed chunk). To recompress them:
--      SELECT compress_chunk(c, recompress => true)
--      FROM show_chunks('option_quotes') c
--      WHERE c IN (SELECT format('%I.%I', chunk_schema, chunk_name)::regclass
--                  FROM timescaledb_information.chunks
--                  WHERE hypertable_name = 'option_quotes' AND is_compressed);
--
-- 3. Compression on the continuous aggregates (their compression and
--    retention jobs are added by db/timescale.ts from
--    TIMESCALE_AGGREGATE_COMPRESS_AFTER and TIMESCALE_AGGREGATE_RETENTION).
--    chain_summary_* are read as one expiry's buckets in time order;
--    strike_stats_* as one strike and side's buckets in time order.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
     OR coalesce(current_setting('timescaledb.license', true), 'timescale') = 'apache' THEN
    RETURN;
  END IF;
  EXECUTE 'CREATE INDEX IF NOT EXISTS option_quotes_ts_brin ON option_quotes USING brin (ts)
    WITH (pages_per_range = 32, autosummarize = on)';
  EXECUTE 'CREATE INDEX IF NOT EXISTS chain_snapshots_ts_brin ON chain_snapshots USING brin (ts)
    WITH (pages_per_range = 32, autosummarize = on)';
  EXECUTE $q$ALTER TABLE option_quotes SET (timescaledb.compress_segmentby = 'symbol, expiry',
    timescaledb.compress_orderby = 'ts DESC, strike, option_type')$q$;
  FOR i IN 1..3 LOOP
    EXECUTE format($q$ALTER MATERIALIZED VIEW %I SET (timescaledb.compress = true,
      timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = 'bucket')$q$,
      'chain_summary_' || (ARRAY['5m', '15m', '1h'])[i]);
    EXECUTE format($q$ALTER MATERIALIZED VIEW %I SET (timescaledb.compress = true,
      timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = 'strike, option_type, bucket')$q$,
      'strike_stats_' || (ARRAY['5m', '15m', '1h'])[i]);
  END LOOP;
END $$;
