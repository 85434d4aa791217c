/**
 * The pipeline benchmark still runs end to end (a tiny run; no timing is
 * asserted: figures belong to `npm run bench`). Regression: a schema change
 * made its subscriber's expiry a refused one, and `npm run bench` crashed
 * while every test passed.
 */
import { describe, expect, it } from 'vitest';
import { runPipelineBench } from './pipeline.ts';

describe('the pipeline benchmark', () => {
  it('runs through to its figures on a tiny load', async () => {
    const result = await runPipelineBench(process.env.DATABASE_URL ? 'postgres' : 'embedded', 20, 5, 50);
    expect(result.snapshots).toBe(20);
    expect(result.rows).toBeGreaterThan(0);
    expect(result.latency.samples).toBe(5);
  }, 120_000);
});
