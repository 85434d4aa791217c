import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, serverHasTimescale } from '../test/database.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { loadConfig } from '../core/config.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { DatabaseHandle } from './client.ts';
import { chainHistory } from './queries/chainHistory.ts';
import { countRows } from './queries/readChain.ts';
import { readRetentionState } from './queries/retentionState.ts';
import { createRetention, Retention } from './retention.ts';
import { writeAnalytics } from './queries/writeAnalytics.ts';
import { createIntelligenceState } from '../core/intelligence/index.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import { analyseSnapshot, emptyAnalyticsStats } from '../pipeline/analytics.ts';
import type { TimescaleStatus } from './timescale.ts';

const MINUTE_MS = 60_000;

/** NIFTY and SENSEX, one expiry each, a snapshot every 20 s for 40 minutes. */
const written: EnrichedSnapshot[] = simulatedEnrichedSnapshots(120, { symbols: ['NIFTY', 'SENSEX'], strikesEachSide: 2, seed: 4, secondsPerTick: 20 });
const newest = written.at(-1)!.timestamp;
/** Their analytics, through the real reducer: three documents a minute per chain and per symbol. */
const analysed: AnalyticsMessage[] = (() => {
  const state = createIntelligenceState();
  const stats = emptyAnalyticsStats();
  return written.map((s) => analyseSnapshot(state, s, stats)).filter((m): m is AnalyticsMessage => m !== null);
})();
const floor5m = (ms: number) => Math.floor(ms / 300_000) * 300_000;

/** Whether DATABASE_URL's server gives the test databases TimescaleDB, whose policies replace this job. */
const timescale = await serverHasTimescale();

describe.skipIf(timescale)('the retention job (PGlite, plain PostgreSQL)', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.write(written);
    await writeAnalytics(database.db, analysed);
  });
  afterAll(async () => {
    await database?.close();
  });

  const retention = (rawMinutes: number, historyMinutes: number, batchSnapshots = 25) =>
    new Retention(database, { windows: { rawMs: rawMinutes * MINUTE_MS, historyMs: historyMinutes * MINUTE_MS }, everyMs: 20, batchSnapshots });

  it('folds the raw snapshots older than the raw window, counted back from the newest one, in batches, then vacuums', async () => {
    const expiry = written[0].expiry;
    const range = { symbol: 'NIFTY', expiry, from: new Date(written[0].timestamp), to: new Date(newest + 1), interval: '5m' as const };
    const history = await chainHistory(database.db, range);
    const horizon = floor5m(newest - 10 * MINUTE_MS);
    const folded = written.filter((s) => s.timestamp < horizon);

    const run = await retention(10, 60).runOnce();
    expect(run).toMatchObject({ snapshotsDeleted: folded.length, historyRowsDeleted: 0, vacuumed: true, checkpointed: database.kind === 'pglite' });
    expect(run.horizons).toEqual({ rawHorizonMs: horizon, historyHorizonMs: floor5m(newest - 60 * MINUTE_MS) });
    // Batches of at most 25 snapshots, one 5-minute bucket at a time, then one finding nothing; and one for the history,
    // one for the analytics and one thinning the analytics documents.
    const buckets = new Set(folded.map((s) => floor5m(s.timestamp))).size;
    expect(run.batches).toBeGreaterThanOrEqual(Math.ceil(folded.length / 25) + 3);
    expect(run.batches).toBeLessThanOrEqual(Math.ceil(folded.length / 25) + buckets + 3);
    expect((await countRows(database.db)).snapshots).toBe(written.length - folded.length);

    const state = await readRetentionState(database.db);
    expect(state.rawHorizon?.getTime()).toBe(horizon);
    expect(state.oldestRawAt!.getTime()).toBeGreaterThanOrEqual(horizon);
    expect(state).toMatchObject({ snapshotsDeleted: folded.length, quotesDeleted: run.quotesDeleted, lastError: null });
    expect(state.lastRunAt).not.toBeNull();
    // The analytics documents before the horizon thinned to the last of each 5 minutes (chains and moods alike: one expiry a symbol).
    const thinnedBuckets = new Set(analysed.filter((m) => m.timestamp < horizon).map((m) => `${m.symbol}|${floor5m(m.timestamp)}`));
    expect(run.analyticsDocumentsThinned).toBe(2 * (analysed.filter((m) => m.timestamp < horizon).length - thinnedBuckets.size));
    expect(state.analyticsThinnedTo?.getTime()).toBe(horizon);
    // The chart over the whole range still has every bucket, now partly from the rollup.
    const after = await chainHistory(database.db, range);
    expect(after.map((p) => [p.bucket, p.spot, p.maxPain, p.totalOi])).toEqual(history.map((p) => [p.bucket, p.spot, p.maxPain, p.totalOi]));
    after.forEach((p, i) => expect(p.atmIv).toBeCloseTo(history[i].atmIv!, 12));
  });

  it('deletes nothing more while nothing newer arrives, and expires the rollup beyond the history window', async () => {
    const again = await retention(10, 60).runOnce();
    expect(again).toMatchObject({ snapshotsDeleted: 0, historyRowsDeleted: 0, analyticsDocumentsThinned: 0, vacuumed: false });
    const [{ before }] = Array.from(
      (await database.db.execute(sql`select count(*)::int as before from chain_rollup_1m where bucket < ${new Date(floor5m(newest - 20 * MINUTE_MS)).toISOString()}::timestamptz`)) as ArrayLike<{ before: number }>,
    );
    expect(before).toBeGreaterThan(0);
    const expired = await retention(10, 20).runOnce();
    expect(expired.historyRowsDeleted).toBeGreaterThan(before);
    expect(expired.vacuumed).toBe(true);
    expect((await readRetentionState(database.db)).historyRowsDeleted).toBe(expired.historyRowsDeleted);
  });

  it('runs on its schedule after start() until stop(), which waits for the run in progress', async () => {
    const job = retention(10, 20);
    const before = (await readRetentionState(database.db)).lastRunAt!;
    job.start();
    const deadline = Date.now() + 10_000;
    while ((await readRetentionState(database.db)).lastRunAt!.getTime() === before.getTime() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await job.stop();
    const stoppedAt = (await readRetentionState(database.db)).lastRunAt!;
    expect(stoppedAt.getTime()).toBeGreaterThan(before.getTime());
    await new Promise((r) => setTimeout(r, 100));
    expect((await readRetentionState(database.db)).lastRunAt).toEqual(stoppedAt);
  });

  it('stops a long run between batches, skipping its VACUUM, and the next run carries on', async () => {
    const eligible = written.filter((s) => s.timestamp < floor5m(newest - MINUTE_MS)).length - (await readRetentionState(database.db)).snapshotsDeleted;
    expect(eligible).toBeGreaterThan(10);
    const job = retention(1, 20, 1);
    const run = job.runOnce();
    await job.stop();
    const stopped = await run;
    expect(stopped.snapshotsDeleted).toBeLessThan(eligible);
    expect(stopped.vacuumed).toBe(false);
    const next = await retention(1, 20, 1).runOnce();
    expect(next.snapshotsDeleted).toBe(eligible - stopped.snapshotsDeleted);
    expect(next.vacuumed).toBe(true);
  });
});

describe.skipIf(!timescale)('the retention job on TimescaleDB', () => {
  it('is not created: the compression and retention policies do its work', async () => {
    const database = await openTestDatabase();
    try {
      expect(database.timescale).toMatchObject({ timescale: true, policies: true });
      expect(createRetention(database, loadConfig({}), database.timescale)).toBeNull();
    } finally {
      await database.close();
    }
  });
});

describe('choosing the retention job', () => {
  const config = loadConfig({ RETENTION_RAW: '2 hours', RETENTION_HISTORY: '14 days', RETENTION_EVERY_SECONDS: '30', RETENTION_BATCH_SNAPSHOTS: '50' });
  const database = { kind: 'pglite' } as DatabaseHandle;

  it('runs on PGlite, plain PostgreSQL and TimescaleDB without policies, with the configured windows', () => {
    const statuses: TimescaleStatus[] = [
      { timescale: false, reason: 'the server does not ship the timescaledb extension' },
      { timescale: true, reason: 'Apache-2 build', version: '2.17.0', hypertables: ['option_quotes'], aggregates: [], policies: false, jobs: [], filled: [] },
    ];
    for (const timescale of statuses) {
      const job = createRetention(database, config, timescale);
      expect(job?.options).toEqual({ windows: { rawMs: 2 * 3_600_000, historyMs: 14 * 86_400_000 }, everyMs: 30_000, batchSnapshots: 50, log: undefined });
    }
  });

  it('leaves TimescaleDB with its policies to them', () => {
    const timescale: TimescaleStatus = {
      timescale: true,
      reason: 'extension timescaledb is created in this database',
      version: '2.28.3',
      hypertables: ['option_quotes', 'chain_snapshots'],
      aggregates: [],
      policies: true,
      jobs: [],
      filled: [],
    };
    expect(createRetention(database, config, timescale)).toBeNull();
  });
});
