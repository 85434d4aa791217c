import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';
import type { DatabaseHandle } from '../client.ts';
import { advanceHorizons, readRawHorizon, readRetentionState, recordRetentionRun } from './retentionState.ts';

describe('the retention state', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is empty before any run and any snapshot: no horizon, no run, nothing deleted', async () => {
    expect(await readRawHorizon(database.db)).toBeNull();
    expect(await readRetentionState(database.db)).toEqual({
      oldestRawAt: null,
      newestRawAt: null,
      rawHorizon: null,
      historyHorizon: null,
      lastRunAt: null,
      lastRunMs: null,
      lastError: null,
      snapshotsDeleted: 0,
      quotesDeleted: 0,
      historyRowsDeleted: 0,
      analyticsThinnedTo: null,
    });
  });

  it('spans the stored snapshots, oldest to newest', async () => {
    const written = simulatedEnrichedSnapshots(3);
    await database.write(written);
    const state = await readRetentionState(database.db);
    expect([state.oldestRawAt?.getTime(), state.newestRawAt?.getTime()]).toEqual([written[0].timestamp, written.at(-1)!.timestamp]);
  });

  it('moves the horizons forward only, whoever asks', async () => {
    const [early, late] = [new Date(Date.UTC(2026, 10, 23, 9)), new Date(Date.UTC(2026, 10, 23, 10))];
    await advanceHorizons(database.db, { rawHorizon: late, historyHorizon: early });
    await advanceHorizons(database.db, { rawHorizon: early, historyHorizon: late });
    expect(await readRawHorizon(database.db)).toEqual(late);
    expect((await readRetentionState(database.db)).historyHorizon).toEqual(late);
  });

  it('records each run and adds what it deleted to the totals; a failed run keeps its error until the next succeeds', async () => {
    const at = new Date(Date.UTC(2026, 10, 23, 10, 1));
    await recordRetentionRun(database.db, { at, ms: 12.4, error: null, snapshotsDeleted: 10, quotesDeleted: 800, historyRowsDeleted: 0 });
    await recordRetentionRun(database.db, { at, ms: 3, error: 'disk full', snapshotsDeleted: 5, quotesDeleted: 400, historyRowsDeleted: 7 });
    expect(await readRetentionState(database.db)).toMatchObject({ lastRunAt: at, lastRunMs: 3, lastError: 'disk full', snapshotsDeleted: 15, quotesDeleted: 1200, historyRowsDeleted: 7 });
    await recordRetentionRun(database.db, { at, ms: 1, error: null, snapshotsDeleted: 0, quotesDeleted: 0, historyRowsDeleted: 0 });
    expect((await readRetentionState(database.db)).lastError).toBeNull();
    const [{ rows }] = Array.from((await database.db.execute(sql`select count(*)::int as rows from retention_state`)) as ArrayLike<{ rows: number }>);
    expect(rows).toBe(1);
  });
});
