import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { findSnapshotTime } from './snapshotTime.ts';
import { findSnapshot } from './readChain.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';

/** NIFTY, two expiries, a snapshot a minute. */
const snapshots = simulatedEnrichedSnapshots(6, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 2, seed: 3 });
const expiry = snapshots[0].expiry;
const times = snapshots.filter((s) => s.expiry === expiry).map((s) => s.timestamp);

describe('findSnapshotTime', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('names the snapshot findSnapshot answers: the last at or before `at`, the latest without it', async () => {
    for (const at of [new Date(times[2]), new Date(times[2] + 30_000), new Date(times.at(-1)! + 3_600_000), undefined]) {
      const snapshot = await findSnapshot(database.db, 'NIFTY', expiry, at);
      expect(await findSnapshotTime(database.db, 'NIFTY', expiry, at)).toEqual(snapshot!.ts);
    }
    expect((await findSnapshotTime(database.db, 'NIFTY', expiry))?.getTime()).toBe(Math.max(...times));
  });

  it('answers null before the first snapshot, and for an expiry or symbol with nothing stored', async () => {
    expect(await findSnapshotTime(database.db, 'NIFTY', expiry, new Date(times[0] - 1))).toBeNull();
    expect(await findSnapshotTime(database.db, 'NIFTY', '2099-01-01')).toBeNull();
    expect(await findSnapshotTime(database.db, 'SENSEX', expiry)).toBeNull();
  });
});
