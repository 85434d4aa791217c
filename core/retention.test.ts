import { describe, expect, it } from 'vitest';
import { HORIZON_STEP_MS, retentionHorizons } from './retention.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const windows = { rawMs: HOUR_MS, historyMs: 30 * DAY_MS };

describe('retention horizons', () => {
  it('cuts each window back from the newest snapshot, floored to whole 5-minute buckets', () => {
    const newest = Date.UTC(2026, 10, 23, 10, 7, 42);
    expect(retentionHorizons(newest, windows)).toEqual({
      rawHorizonMs: Date.UTC(2026, 10, 23, 9, 5),
      historyHorizonMs: Date.UTC(2026, 9, 24, 10, 5),
    });
  });

  it('keeps at least the whole window: the raw horizon is never later than newest − window', () => {
    for (const newest of [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 0, 4, 59, 999), Date.UTC(2026, 0, 1, 0, 5)]) {
      const { rawHorizonMs } = retentionHorizons(newest, windows)!;
      expect(rawHorizonMs).toBeLessThanOrEqual(newest - HOUR_MS);
      expect(newest - HOUR_MS - rawHorizonMs).toBeLessThan(HORIZON_STEP_MS);
      expect(rawHorizonMs % HORIZON_STEP_MS).toBe(0);
    }
  });

  it('never moves a horizon back, when the newest snapshot is older than in the last run (a replay started over)', () => {
    const previous = { rawHorizonMs: Date.UTC(2026, 10, 23, 9), historyHorizonMs: Date.UTC(2026, 9, 24) };
    expect(retentionHorizons(Date.UTC(2026, 5, 1), windows, previous)).toEqual(previous);
  });

  it('has nothing to cut before the first snapshot, and keeps the last horizons once the tables are empty', () => {
    expect(retentionHorizons(null, windows)).toBeNull();
    const previous = { rawHorizonMs: 1_800_000, historyHorizonMs: 0 };
    expect(retentionHorizons(null, windows, previous)).toEqual(previous);
  });
});
