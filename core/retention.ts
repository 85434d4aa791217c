/**
 * Where a retention run cuts, from the newest stored snapshot (pure; the job
 * is db/retention.ts).
 *
 * Windows are measured back from the newest snapshot, not from the wall
 * clock: a replay of an old recording, or a simulator running faster than
 * real time, keeps its latest window instead of losing everything or
 * nothing. Horizons fall on the 5-minute grid of the rollup buckets (epoch
 * aligned, as the chart origin 2000-01-03 00:00 UTC is), so a bucket is
 * folded whole in one run unless rows arrive late, and they never move back:
 * once rows below a horizon may be gone, a later run with an older newest
 * snapshot (a replay started over) must not claim the raw tables are
 * complete there again.
 */

/** Width of the coarsest rollup bucket (strike_rollup_5m), ms; horizons are multiples of it. */
export const HORIZON_STEP_MS = 300_000;

export interface RetentionWindows {
  /** Raw snapshots and quotes kept, ms. */
  rawMs: number;
  /** Rollups kept, ms; at least rawMs. */
  historyMs: number;
}

export interface RetentionHorizons {
  /** Raw rows before it are folded into the rollups and deleted, epoch ms. */
  rawHorizonMs: number;
  /** Rollup buckets starting before it are deleted, epoch ms. */
  historyHorizonMs: number;
}

/**
 * The horizons of a run: each window back from `newestMs`, floored to the
 * 5-minute grid, and no earlier than the previous run's. Null when nothing
 * is stored and no run happened yet.
 */
export function retentionHorizons(newestMs: number | null, windows: RetentionWindows, previous: Partial<RetentionHorizons> = {}): RetentionHorizons | null {
  if (newestMs === null) {
    if (previous.rawHorizonMs === undefined || previous.historyHorizonMs === undefined) return null;
    return { rawHorizonMs: previous.rawHorizonMs, historyHorizonMs: previous.historyHorizonMs };
  }
  const floor = (ms: number) => Math.floor(ms / HORIZON_STEP_MS) * HORIZON_STEP_MS;
  return {
    rawHorizonMs: Math.max(floor(newestMs - windows.rawMs), previous.rawHorizonMs ?? -Infinity),
    historyHorizonMs: Math.max(floor(newestMs - windows.historyMs), previous.historyHorizonMs ?? -Infinity),
  };
}
