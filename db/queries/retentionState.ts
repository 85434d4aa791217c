/**
 * The retention job's state (the one row of retention_state) and the span of
 * the raw snapshots: where the raw tables stop being complete, when the job
 * last ran, how it ended and how much it deleted. Read by chainHistory (the
 * raw horizon), by the job itself, and by DatabaseHandle.size() for /readyz.
 */
import { max, min, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots, retentionState } from '../schema.ts';
import { preparedPerDatabase } from './prepared.ts';

export interface RetentionState {
  /** The oldest and newest snapshots still stored raw; null when there are none. */
  oldestRawAt: Date | null;
  newestRawAt: Date | null;
  /** Raw rows before it may have been folded into the rollups and deleted; null before the first run. */
  rawHorizon: Date | null;
  /** Rollup buckets before it are deleted. */
  historyHorizon: Date | null;
  lastRunAt: Date | null;
  lastRunMs: number | null;
  /** The last run's failure, null when it succeeded. */
  lastError: string | null;
  /** Totals over every run. */
  snapshotsDeleted: number;
  quotesDeleted: number;
  historyRowsDeleted: number;
  /** The analytics documents before it are thinned (db/queries/thinAnalytics.ts); null before the first thinning. */
  analyticsThinnedTo: Date | null;
}

/** The raw horizon, or null when no retention ever ran here (TimescaleDB, or a fresh database). */
export async function readRawHorizon(db: Database): Promise<Date | null> {
  const [row] = await rawHorizonStatement(db).execute();
  return row?.rawHorizon ?? null;
}

/** Read by every history query (db/queries/chainHistory.ts). */
const rawHorizonStatement = preparedPerDatabase((db) => db.select({ rawHorizon: retentionState.rawHorizon }).from(retentionState).prepare('raw_horizon'));

export async function readRetentionState(db: Database): Promise<RetentionState> {
  const [span] = await db.select({ oldest: min(chainSnapshots.ts), newest: max(chainSnapshots.ts) }).from(chainSnapshots);
  const [state] = await db.select().from(retentionState);
  return {
    oldestRawAt: span?.oldest ?? null,
    newestRawAt: span?.newest ?? null,
    rawHorizon: state?.rawHorizon ?? null,
    historyHorizon: state?.historyHorizon ?? null,
    lastRunAt: state?.lastRunAt ?? null,
    lastRunMs: state?.lastRunMs ?? null,
    lastError: state?.lastError ?? null,
    snapshotsDeleted: state?.snapshotsDeleted ?? 0,
    quotesDeleted: state?.quotesDeleted ?? 0,
    historyRowsDeleted: state?.historyRowsDeleted ?? 0,
    analyticsThinnedTo: state?.analyticsThinnedTo ?? null,
  };
}

/** Moves the horizons forward (never back, whoever else moved them meanwhile) before rows below them are touched. */
export async function advanceHorizons(db: Database, horizons: { rawHorizon: Date; historyHorizon: Date }): Promise<void> {
  await db
    .insert(retentionState)
    .values({ id: 1, ...horizons })
    .onConflictDoUpdate({
      target: retentionState.id,
      set: {
        rawHorizon: sql`greatest(${retentionState.rawHorizon}, excluded.raw_horizon)`,
        historyHorizon: sql`greatest(${retentionState.historyHorizon}, excluded.history_horizon)`,
      },
    });
}

export interface RetentionRunRecord {
  at: Date;
  ms: number;
  error: string | null;
  snapshotsDeleted: number;
  quotesDeleted: number;
  historyRowsDeleted: number;
}

/** Records a run (successful or not) and adds what it deleted to the totals. */
export async function recordRetentionRun(db: Database, run: RetentionRunRecord): Promise<void> {
  const values = {
    lastRunAt: run.at,
    lastRunMs: Math.round(run.ms),
    lastError: run.error,
    snapshotsDeleted: run.snapshotsDeleted,
    quotesDeleted: run.quotesDeleted,
    historyRowsDeleted: run.historyRowsDeleted,
  };
  const { snapshotsDeleted: _s, quotesDeleted: _q, historyRowsDeleted: _h, ...lastRun } = values;
  await db
    .insert(retentionState)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({
      target: retentionState.id,
      set: {
        ...lastRun,
        snapshotsDeleted: sql`${retentionState.snapshotsDeleted} + excluded.snapshots_deleted`,
        quotesDeleted: sql`${retentionState.quotesDeleted} + excluded.quotes_deleted`,
        historyRowsDeleted: sql`${retentionState.historyRowsDeleted} + excluded.history_rows_deleted`,
      },
    });
}
