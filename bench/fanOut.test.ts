/**
 * The embedded fan-out benchmark still runs end to end (a tiny run; no
 * timing is asserted: figures belong to `npm run bench`), so its clients'
 * process, its measuring and its server configuration cannot rot.
 */
import { describe, expect, it } from 'vitest';
import { runEmbeddedFanOutBench } from './fanOut.ts';

describe('the embedded fan-out benchmark', () => {
  it('runs through to its figures on a tiny load, every update delivered to every subscriber', async () => {
    const [row] = await runEmbeddedFanOutBench([{ selection: 'summary', subscribers: 3, targetMs: 100 }], 2);
    expect(row).toMatchObject({ subscribers: 3, updates: 2, expected: 6, delivered: 6, errors: 0, notWarm: 0, executions: 1 });
    expect(row.serialisedEvents).toBeGreaterThanOrEqual(2);
    expect(row.p99Ms).toBeGreaterThan(0);
    expect(row.strikes).toBeGreaterThan(0);
    expect(Number.isFinite(row.lagEndMs)).toBe(true);
    // As npm start: the source and the enrichment on threads of their own.
    expect(row.pipelineThreads).toBe('source');
  }, 180_000);
});
