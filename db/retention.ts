/**
 * The retention job of PGlite and plain PostgreSQL: keeps the raw tables to
 * a window (RETENTION_RAW) and the downsampled history to a longer one
 * (RETENTION_HISTORY), so a platform left running levels off in size instead
 * of filling the disk. Where TimescaleDB's policies are in place (licensed
 * builds) they do this job, and it does not run (`createRetention`).
 *
 * Every RETENTION_EVERY_SECONDS, one run:
 * 1. works out the horizons back from the newest stored snapshot
 *    (core/retention.ts) and records them before touching a row below them,
 *    so chainHistory knows where the raw tables stop being complete;
 * 2. deletes the raw snapshots before the raw horizon, oldest first, in
 *    batches of RETENTION_BATCH_SNAPSHOTS, each its own transaction that folds
 *    what it deletes into the rollups (db/queries/expireRaw.ts); on PGlite
 *    the storage role's writes queue between batches, on PostgreSQL they run
 *    beside them (new keys, no lock in common);
 * 3. deletes rollup rows before the history horizon, in batches too, and
 *    the analytics rows (db/queries/expireAnalytics.ts: per-strike flows
 *    before the raw horizon, the rest before the history horizon), and
 *    thins the analytics documents before the raw horizon to the last of
 *    each 5 minutes (db/queries/thinAnalytics.ts);
 * 4. makes the space reusable: VACUUM of the tables when rows were
 *    deleted (PGlite has no autovacuum; on PostgreSQL it saves waiting for
 *    autovacuum's thresholds), so new rows fill the freed pages and the files
 *    stop growing; VACUUM never shrinks a file but its trailing empty pages,
 *    and holds no lock writes wait on. On PGlite, then a CHECKPOINT: its
 *    single-user Postgres has no checkpointer, so without one pg_wal grows
 *    forever (the ~26 MB a minute of the default); after one, segments beyond
 *    max_wal_size (64 MB, db/pglite.worker.ts) are removed;
 * 5. records the run (when, how long, what it deleted, or its error).
 *
 * A run that fails is logged and recorded, and the next one starts over: the
 * horizons are recomputed and every batch is its own transaction, so nothing
 * is left half done.
 */
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { retentionHorizons, type RetentionHorizons, type RetentionWindows } from '../core/retention.ts';
import { intervalMs } from '../core/time/interval.ts';
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from './client.ts';
import { expireHistory } from './queries/expireHistory.ts';
import { expireAnalytics } from './queries/expireAnalytics.ts';
import { advanceThinnedTo, thinAnalytics } from './queries/thinAnalytics.ts';
import { advanceHorizons, readRetentionState, recordRetentionRun } from './queries/retentionState.ts';
import type { TimescaleStatus } from './timescale.ts';

/** Rollup rows deleted per statement and table when the history expires. */
const HISTORY_BATCH_ROWS = 5_000;

export interface RetentionOptions {
  windows: RetentionWindows;
  /** Between the end of one run and the start of the next, ms; the first run starts this long after start(). */
  everyMs: number;
  /** Snapshots (with their option rows) per delete transaction. */
  batchSnapshots: number;
  log?: Logger;
}

export interface RetentionRun {
  /** Null when nothing was ever stored. */
  horizons: RetentionHorizons | null;
  snapshotsDeleted: number;
  quotesDeleted: number;
  historyRowsDeleted: number;
  /** Analytics rows deleted: per-strike flows before the raw horizon, the rest before the history horizon. */
  analyticsRowsDeleted: number;
  /** Analytics documents thinned before the raw horizon: chain rows deleted plus mood documents dropped. */
  analyticsDocumentsThinned: number;
  /** Delete transactions, raw and history. */
  batches: number;
  /** The longest single statement and its ms: on PGlite, the longest the storage role's writes waited on this run. */
  longestStatement: { what: 'expire raw' | 'expire history' | 'expire analytics' | 'thin analytics' | 'vacuum' | 'checkpoint'; ms: number } | null;
  vacuumed: boolean;
  checkpointed: boolean;
  ms: number;
}

export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    private readonly database: DatabaseHandle,
    readonly options: RetentionOptions,
  ) {}

  /** Runs the job every `everyMs` until stop(). */
  start(): void {
    this.stopping = false;
    this.schedule();
  }

  /** Stops scheduling; a run in progress stops after its current batch, skipping the VACUUM. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run, now (also what the schedule calls). Rejects with the run's error, after recording it. */
  runOnce(): Promise<RetentionRun> {
    const run = this.run();
    this.running = run.catch(() => {});
    return run;
  }

  private async run(): Promise<RetentionRun> {
    const started = performance.now();
    const run: RetentionRun = {
      horizons: null,
      snapshotsDeleted: 0,
      quotesDeleted: 0,
      historyRowsDeleted: 0,
      analyticsRowsDeleted: 0,
      analyticsDocumentsThinned: 0,
      batches: 0,
      longestStatement: null,
      vacuumed: false,
      checkpointed: false,
      ms: 0,
    };
    const { db } = this.database;
    const timed = async <T>(what: NonNullable<RetentionRun['longestStatement']>['what'], statement: () => Promise<T>): Promise<T> => {
      const at = performance.now();
      const result = await statement();
      const ms = performance.now() - at;
      if (ms > (run.longestStatement?.ms ?? -1)) run.longestStatement = { what, ms };
      return result;
    };
    let error: string | null = null;
    try {
      const state = await readRetentionState(db);
      run.horizons = retentionHorizons(state.newestRawAt?.getTime() ?? null, this.options.windows, {
        rawHorizonMs: state.rawHorizon?.getTime(),
        historyHorizonMs: state.historyHorizon?.getTime(),
      });
      if (run.horizons) {
        const rawHorizon = new Date(run.horizons.rawHorizonMs);
        const historyHorizon = new Date(run.horizons.historyHorizonMs);
        await advanceHorizons(db, { rawHorizon, historyHorizon });
        for (let more = true; more && !this.stopping; run.batches++) {
          const expired = await timed('expire raw', () => this.database.expireRaw(rawHorizon, this.options.batchSnapshots));
          run.snapshotsDeleted += expired.snapshots;
          run.quotesDeleted += expired.quotes;
          more = expired.snapshots > 0;
        }
        for (let more = true; more && !this.stopping; run.batches++) {
          const expired = await timed('expire history', () => expireHistory(db, historyHorizon, HISTORY_BATCH_ROWS));
          run.historyRowsDeleted += expired.chainRows + expired.strikeRows;
          more = expired.chainRows === HISTORY_BATCH_ROWS || expired.strikeRows === HISTORY_BATCH_ROWS;
        }
        for (let more = true; more && !this.stopping; run.batches++) {
          const expired = await timed('expire analytics', () => expireAnalytics(db, { rawHorizon, historyHorizon }, HISTORY_BATCH_ROWS));
          run.analyticsRowsDeleted += expired.flowRows + expired.chainRows + expired.moodRows + expired.eventRows;
          more = Math.max(expired.flowRows, expired.chainRows, expired.moodRows, expired.eventRows) === HISTORY_BATCH_ROWS;
        }
        if (!this.stopping && (state.analyticsThinnedTo === null || state.analyticsThinnedTo < rawHorizon)) {
          let more = true;
          for (; more && !this.stopping; run.batches++) {
            const thinned = await timed('thin analytics', () => thinAnalytics(db, { from: state.analyticsThinnedTo, before: rawHorizon }, HISTORY_BATCH_ROWS));
            run.analyticsDocumentsThinned += thinned.chainRows + thinned.moodDocuments;
            more = Math.max(thinned.chainRows, thinned.moodDocuments) === HISTORY_BATCH_ROWS;
          }
          if (!more) await advanceThinnedTo(db, rawHorizon);
        }
      }
      if (!this.stopping && run.snapshotsDeleted + run.historyRowsDeleted + run.analyticsRowsDeleted + run.analyticsDocumentsThinned > 0) {
        await timed('vacuum', () =>
          db.execute(sql`vacuum chain_snapshots, option_quotes, chain_rollup_1m, strike_rollup_5m, analytics_chain, analytics_mood, analytics_flows, analytics_events`),
        );
        run.vacuumed = true;
      }
      if (this.database.kind === 'pglite') {
        await timed('checkpoint', () => db.execute(sql`checkpoint`));
        run.checkpointed = true;
      }
      return run;
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      throw caught;
    } finally {
      run.ms = performance.now() - started;
      const { snapshotsDeleted, quotesDeleted, historyRowsDeleted } = run;
      await recordRetentionRun(db, { at: new Date(), ms: run.ms, error, snapshotsDeleted, quotesDeleted, historyRowsDeleted }).catch(() => {});
    }
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      void this.runOnce()
        .then((run) => this.options.log?.debug('retention run', { ...run, horizons: horizonsForLog(run.horizons) }))
        .catch((error) => this.options.log?.warn('retention run failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => this.schedule());
    }, this.options.everyMs);
    this.timer.unref();
  }
}

/**
 * The retention job for this database and configuration, or null where
 * TimescaleDB's own compression and retention policies are in place.
 */
export function createRetention(database: DatabaseHandle, config: Config, timescale: TimescaleStatus, log?: Logger): Retention | null {
  if (timescale.timescale && timescale.policies) {
    log?.info('retention: TimescaleDB policies apply', { retention: config.TIMESCALE_RETENTION });
    return null;
  }
  const options: RetentionOptions = {
    windows: { rawMs: intervalMs(config.RETENTION_RAW), historyMs: intervalMs(config.RETENTION_HISTORY) },
    everyMs: config.RETENTION_EVERY_SECONDS * 1000,
    batchSnapshots: config.RETENTION_BATCH_SNAPSHOTS,
    log,
  };
  log?.info('retention', { raw: config.RETENTION_RAW, history: config.RETENTION_HISTORY, everySeconds: config.RETENTION_EVERY_SECONDS });
  return new Retention(database, options);
}

function horizonsForLog(horizons: RetentionHorizons | null) {
  return horizons && { raw: new Date(horizons.rawHorizonMs).toISOString(), history: new Date(horizons.historyHorizonMs).toISOString() };
}
