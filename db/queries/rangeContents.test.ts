import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { rangeContents } from './rangeContents.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';

/** NIFTY, one expiry, a snapshot a minute for 20 minutes; the 11th held back as a late (backfilled) snapshot, the 20th as the next one. */
const all = simulatedEnrichedSnapshots(20, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 2, seed: 5 });
const late = all[10];
const next = all[19];
const expiry = late.expiry;
const at = (i: number) => new Date(all[i].timestamp);

describe('rangeContents', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.write(all.filter((s) => s !== late && s !== next));
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is the same string while nothing under the range changes, and differs between ranges with different contents', async () => {
    const range = await rangeContents(database.db, 'NIFTY', expiry, at(5), at(15));
    expect(await rangeContents(database.db, 'NIFTY', expiry, at(5), at(15))).toBe(range);
    expect(await rangeContents(database.db, 'NIFTY', expiry, at(5), at(16))).not.toBe(range);
    expect(await rangeContents(database.db, 'NIFTY', '2099-01-01', at(5), at(15))).toBe(await rangeContents(database.db, 'SENSEX', expiry, at(5), at(15)));
  });

  it('changes when the next snapshot of the stream is written into the range, and only for ranges holding it', async () => {
    const holding = await rangeContents(database.db, 'NIFTY', expiry, at(15), new Date(next.timestamp + 60_000));
    const before = await rangeContents(database.db, 'NIFTY', expiry, at(0), at(19));
    await database.write([next]);
    expect(await rangeContents(database.db, 'NIFTY', expiry, at(15), new Date(next.timestamp + 60_000))).not.toBe(holding);
    expect(await rangeContents(database.db, 'NIFTY', expiry, at(0), at(19))).toBe(before);
  });

  it('changes when a late snapshot is written into the range (a backfill), written a second time or not', async () => {
    const holding = await rangeContents(database.db, 'NIFTY', expiry, at(5), at(15));
    await database.write([late]);
    const written = await rangeContents(database.db, 'NIFTY', expiry, at(5), at(15));
    expect(written).not.toBe(holding);
    await database.write([late]);
    expect(await rangeContents(database.db, 'NIFTY', expiry, at(5), at(15))).not.toBe(holding);
  });

  it('changes when the retention job folds raw snapshots of the range into the rollup', async () => {
    const range = await rangeContents(database.db, 'NIFTY', expiry, at(0), new Date(all[19].timestamp + 60_000));
    expect((await database.expireRaw(at(3), 100)).snapshots).toBeGreaterThan(0);
    expect(await rangeContents(database.db, 'NIFTY', expiry, at(0), new Date(all[19].timestamp + 60_000))).not.toBe(range);
  });
});
