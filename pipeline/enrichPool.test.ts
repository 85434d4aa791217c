import { afterEach, describe, expect, it } from 'vitest';
import { instruments, simulatedRawSnapshots } from '../test/fixtures.ts';
import { EnrichPool } from './enrichPool.ts';
import { processRaw } from './processor.ts';

const pools: EnrichPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('the enrichment pool', () => {
  it('answers each message with the outcome the main loop computes, rejections included', async () => {
    const pool = new EnrichPool({ threads: 2, instruments, rate: 0.065 });
    pools.push(pool);
    const [raw] = simulatedRawSnapshots(1);
    const outcome = await pool.process(raw);
    expect(outcome.kind).toBe('enriched');
    const expected = processRaw(raw, { instruments, rate: 0.065 });
    if (outcome.kind !== 'enriched' || expected.kind !== 'enriched') throw new Error('not enriched');
    expect({ ...outcome.snapshot, processedAt: 0 }).toEqual({ ...expected.snapshot, processedAt: 0 });
    expect(await pool.process({ ...raw, symbol: 'GOLD' })).toEqual({ kind: 'rejected', reason: 'unknown_symbol', message: `snapshot ${raw.id} is for unknown symbol GOLD` });
  });

  it('fails the message a thread died on, says so, and answers the next one from a new thread', async () => {
    const failures: string[] = [];
    const pool = new EnrichPool({ threads: 1, instruments, rate: 0.065, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 }, onThreadFailed: (reason) => failures.push(reason) });
    pools.push(pool);
    const [raw] = simulatedRawSnapshots(1);
    // Far more than the thread's heap: it dies reading the message.
    const huge = { ...raw, rows: Array.from({ length: 400_000 }, (_, i) => ({ ...raw.rows[i % raw.rows.length], strike: 1 + i })) };
    await expect(pool.process(huge)).rejects.toThrow(/enrichment thread crashed/);
    expect(failures).toHaveLength(1);
    expect((await pool.process(raw)).kind).toBe('enriched');
  });

  it('refuses work once closed', async () => {
    const pool = new EnrichPool({ threads: 1, instruments, rate: 0.065 });
    await pool.close();
    await expect(pool.process({})).rejects.toThrow(/closed/);
  });
});
