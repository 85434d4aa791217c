/**
 * Refreshing TimescaleDB's continuous aggregates for old writes. Each
 * aggregate's refresh policy recomputes only its lookback window (3 days for
 * the 5m and 15m aggregates, 7 days for 1h; db/migrations/0001_timescale.sql),
 * so snapshots written with older timestamps (a replay keeps the recording's,
 * an import through copySnapshots keeps the file's) never reached the
 * aggregates: below the aggregate's watermark the real-time part does not
 * read the raw rows either, and those buckets stayed empty or stale.
 *
 * The storage path tells this the time span of every batch it wrote
 * (`note`, constant work, nothing on the database): the snapshots
 * (DatabaseHandle.write) and the analytics (db/queries/writeAnalytics.ts).
 * The spans are not told apart by table: every aggregate is refreshed over
 * every pending span. A replay writes both for the same instants, whose
 * spans coalesce into one, and over a span where an aggregate's source got
 * no rows nothing is invalidated, so its refresh does nothing ("already
 * up-to-date", checked on TimescaleDB 2.28.3). Spans older than an
 * aggregate's lookback (less an hour, for the policy's own schedule and clock
 * skew) are kept, coalesced (core/timeRanges.ts, bounded), and every
 * `everyMs` the pending ones are refreshed, one aggregate and range at a time
 * on one pooled connection, outside any transaction
 * (refresh_continuous_aggregate refuses to run inside one). A failed refresh
 * keeps its range for the next round. `stop()` refreshes what is pending, so
 * an import that closes the database right after writing still lands in the
 * aggregates.
 */
import type postgres from 'postgres';
import type { Logger } from '../core/log.ts';
import { progressOf } from '../core/progress.ts';
import { addRange, type MsRange } from '../core/timeRanges.ts';
import { CONTINUOUS_AGGREGATES } from './timescale.ts';

/** Distance within which two written spans are refreshed as one. */
const COALESCE_GAP_MS = 3_600_000;
/** Most distinct spans remembered; beyond, the closest are merged. */
const MAX_RANGES = 64;
/** Margin before the lookback's edge: a span younger than lookback − 1 h is left to the policy. */
const POLICY_MARGIN_MS = 3_600_000;

export interface AggregateRefreshWindow {
  aggregate: (typeof CONTINUOUS_AGGREGATES)[number];
  /** Bucket width, ms. */
  bucketMs: number;
  /** How far back its refresh policy reaches (start_offset), ms. */
  lookbackMs: number;
}

const BUCKET_MS: Record<string, number> = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

/** Each aggregate with a refresh policy, its bucket width and lookback, from timescaledb_information.jobs. */
export async function readRefreshWindows(sql: postgres.Sql): Promise<AggregateRefreshWindow[]> {
  const rows = await sql<{ aggregate: string; lookback_ms: number }[]>`
    select hypertable_name::text as aggregate, (extract(epoch from (config->>'start_offset')::interval) * 1000)::float8 as lookback_ms
    from timescaledb_information.jobs
    where proc_name = 'policy_refresh_continuous_aggregate' and hypertable_schema = current_schema()
      and hypertable_name::text = any(${CONTINUOUS_AGGREGATES as unknown as string[]})`;
  return rows.map((row) => ({
    aggregate: row.aggregate as AggregateRefreshWindow['aggregate'],
    bucketMs: BUCKET_MS[row.aggregate.slice(row.aggregate.lastIndexOf('_') + 1)],
    lookbackMs: Number(row.lookback_ms),
  }));
}

export interface BackfillRefresh {
  aggregate: string;
  fromMs: number;
  toMs: number;
}

/**
 * What to refresh for the pending spans at `nowMs` (pure): per aggregate, the
 * part of each span its policy no longer reaches, widened to whole buckets.
 */
export function backfillPlan(ranges: readonly MsRange[], windows: readonly AggregateRefreshWindow[], nowMs: number): BackfillRefresh[] {
  const plan: BackfillRefresh[] = [];
  for (const window of windows) {
    const reach = nowMs - window.lookbackMs + POLICY_MARGIN_MS;
    for (const range of ranges) {
      if (range.fromMs >= reach) continue;
      const fromMs = Math.floor(range.fromMs / window.bucketMs) * window.bucketMs;
      const toMs = Math.ceil(Math.min(range.toMs, reach) / window.bucketMs) * window.bucketMs;
      plan.push({ aggregate: window.aggregate, fromMs, toMs: Math.max(toMs, fromMs + window.bucketMs) });
    }
  }
  return plan;
}

export interface BackfillOptions {
  everyMs: number;
  log?: Logger;
  /** The clock, epoch ms (tests). */
  now?: () => number;
}

export class AggregateBackfill {
  private pending: MsRange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly oldestLookbackEdge: number;
  /** Refreshes done, for logs and tests. */
  readonly done: BackfillRefresh[] = [];

  constructor(
    private readonly sql: postgres.Sql,
    private readonly windows: readonly AggregateRefreshWindow[],
    private readonly options: BackfillOptions,
  ) {
    // Writes younger than the shortest lookback (less the margin) need nothing.
    this.oldestLookbackEdge = Math.min(...windows.map((w) => w.lookbackMs)) - POLICY_MARGIN_MS;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** A batch spanning [fromMs, toMs] was written. */
  note(fromMs: number, toMs: number): void {
    if (this.windows.length === 0 || fromMs >= this.now() - this.oldestLookbackEdge) return;
    this.pending = addRange(this.pending, { fromMs, toMs: toMs + 1 }, COALESCE_GAP_MS, MAX_RANGES);
  }

  /** Spans waiting for a refresh. */
  get pendingRanges(): readonly MsRange[] {
    return this.pending;
  }

  start(): void {
    this.schedule();
  }

  /** Refreshes what is pending now (also what the schedule runs); one flush at a time. */
  flush(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const run = previous.then(() => this.refreshPending());
    this.running = run.catch(() => {});
    return run;
  }

  /** Stops the schedule, then refreshes what is still pending. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch((error) => this.options.log?.warn('aggregate backfill failed at stop', { error: String(error) }));
  }

  private async refreshPending(): Promise<void> {
    const ranges = this.pending;
    this.pending = [];
    const failed: MsRange[] = [];
    const plan = backfillPlan(ranges, this.windows, this.now());
    const began = performance.now();
    for (const [index, refresh] of plan.entries()) {
      const started = performance.now();
      try {
        // Names are our own constants and the bounds ISO strings from numbers: nothing here comes from input.
        await this.sql.unsafe(
          `call refresh_continuous_aggregate('${refresh.aggregate}', '${new Date(refresh.fromMs).toISOString()}'::timestamptz, '${new Date(refresh.toMs).toISOString()}'::timestamptz)`,
        );
        this.done.push(refresh);
        // With how far this round is and the time it still needs at its pace so far (core/progress.ts).
        const { done, total, etaSeconds } = progressOf(index + 1, plan.length, performance.now() - began);
        this.options.log?.info('aggregate backfilled', {
          ...refresh,
          from: new Date(refresh.fromMs).toISOString(),
          to: new Date(refresh.toMs).toISOString(),
          ms: Math.round(performance.now() - started),
          progress: `${done}/${total}`,
          etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
        });
      } catch (error) {
        failed.push({ fromMs: refresh.fromMs, toMs: refresh.toMs });
        this.options.log?.warn('aggregate backfill failed; retried next round', { aggregate: refresh.aggregate, error: error instanceof Error ? error.message : String(error) });
      }
    }
    for (const range of failed) this.pending = addRange(this.pending, range, COALESCE_GAP_MS, MAX_RANGES);
    if (failed.length > 0) throw new Error(`${failed.length} aggregate refreshes failed`);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.flush()
        .catch(() => {})
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, this.options.everyMs);
    this.timer.unref();
  }
}
