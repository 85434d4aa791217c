/**
 * The pipeline benchmark still runs end to end (a tiny run; no timing is
 * asserted: figures belong to `npm run bench`; the generous timeout is for
 * opening two PGlite databases on a busy shared machine). Regression: a schema change
 * made its subscriber's expiry a refused one, and `npm run bench` crashed
 * while every test passed.
 */
import { describe, expect, it } from 'vitest';
import { runPipelineBench, runStageShareBench } from './pipeline.ts';

describe('the pipeline benchmark', () => {
  it('runs through to its figures on a tiny load', async () => {
    const result = await runPipelineBench(process.env.DATABASE_URL ? 'postgres' : 'embedded', 20, 5, 50);
    expect(result.snapshots).toBe(20);
    expect(result.rows).toBeGreaterThan(0);
    expect(result.latency.samples).toBe(5);
  }, 180_000);

  it('measures the analytics stage on and off without a latency run', async () => {
    const result = await runStageShareBench(2, 10, 1, 0);
    expect(result.strikes).toBe(5);
    expect(result.onMicroseconds).toHaveLength(1);
    expect(result.offMicroseconds).toHaveLength(1);
    expect(result.onMedian).toBeGreaterThan(0);
    expect(result.offMedian).toBeGreaterThan(0);
    expect(Number.isFinite(result.share)).toBe(true);
  }, 180_000);
});
