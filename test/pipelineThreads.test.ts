/**
 * Why PIPELINE_THREADS exists, on the embedded platform (ROLE=all): a main
 * event loop busy for 1.5 s (a busy-wait standing in for the API delivering
 * frames to thousands of WebSockets) must not leave the simulator's clock
 * behind wall time. With the source on its own thread the simulated time of
 * the snapshots ingested after the block is as close to wall time as before
 * it; with everything on the main loop the late ticks leave it behind for
 * good, by about the length of the block. Both are asserted, so the test can
 * fail either way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { TOPICS } from '../pipeline/bus.ts';
import { WorkerSource } from '../pipeline/sources/workerSource.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { waitFor } from './support/waitFor.ts';

const TICK_MS = 200;
const BLOCK_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the main thread, as a burst of subscription delivery would. */
function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

let app: App | undefined;
let database: DatabaseHandle | undefined;
afterEach(async () => {
  await app?.stop();
  await database?.close();
  app = database = undefined;
});

/** Wall time minus simulated time of each raw snapshot as the ingest role published it, ms, and when it arrived. */
async function startPlatform(threads: 'source' | 'on' | 'off'): Promise<{ lags: { at: number; lagMs: number; timestamp: number }[]; enriched: () => number }> {
  database = await openTestDatabase();
  const config = loadConfig({
    PIPELINE_THREADS: threads,
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    EXPIRIES_PER_SYMBOL: '1',
    SIM_STRIKES_EACH_SIDE: '10',
    SIM_TICK_MS: String(TICK_MS),
    SIM_SPEED: '1',
    SIM_CLOCK: 'always-open',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('pipeline-threads'),
  });
  app = await buildApp(config, { database });
  const lags: { at: number; lagMs: number; timestamp: number }[] = [];
  let enriched = 0;
  await app.services.bus.subscribe<RawSnapshot>(TOPICS.raw, 'test-clock', (message) => {
    const at = Date.now();
    lags.push({ at, lagMs: at - message.value.timestamp, timestamp: message.value.timestamp });
  });
  await app.services.bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'test-enriched', () => void enriched++);
  await app.start(0);
  return { lags, enriched: () => enriched };
}

/** How far the simulated clock fell behind across a block of the main loop: lag after it minus lag before, ms. */
async function lagGainedAcrossBlock(lags: { at: number; lagMs: number }[]): Promise<number> {
  await waitFor(() => (lags.length >= 8 ? true : undefined), 'eight snapshots before the block');
  const before = Math.max(...lags.slice(-3).map((l) => l.lagMs));
  const blockEnd = Date.now() + BLOCK_MS;
  busyWait(BLOCK_MS);
  // A few ticks after the block: what was produced during it has been ingested, and newer ones.
  await sleep(5 * TICK_MS);
  const after = lags.filter((l) => l.at > blockEnd + 3 * TICK_MS);
  expect(after.length).toBeGreaterThan(0);
  return after.at(-1)!.lagMs - before;
}

describe('a main loop held for 1.5 s on the embedded platform', () => {
  it.each(['source', 'on'] as const)('leaves the simulator on time with PIPELINE_THREADS=%s: within a couple of ticks of wall time after the block', async (threads) => {
    const { lags, enriched } = await startPlatform(threads);
    expect(app!.services.source).toBeInstanceOf(WorkerSource);
    const gained = await lagGainedAcrossBlock(lags);
    expect(gained).toBeLessThan(2 * TICK_MS);
    // The snapshots made during the block were not dropped: one every tick of simulated time, each through the processor.
    const steps = new Set(lags.slice(1).map((l, i) => l.timestamp - lags[i].timestamp));
    expect([...steps]).toEqual([TICK_MS]);
    const ingested = lags.length;
    await waitFor(() => (enriched() >= ingested ? true : undefined), 'every ingested snapshot enriched');
  });

  it('leaves it behind by about the block with PIPELINE_THREADS=off (the ticks that could not run are lost time)', async () => {
    const { lags } = await startPlatform('off');
    expect(app!.services.source).not.toBeInstanceOf(WorkerSource);
    const gained = await lagGainedAcrossBlock(lags);
    expect(gained).toBeGreaterThan(BLOCK_MS - 2 * TICK_MS);
  });
});
