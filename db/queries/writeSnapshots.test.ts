import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { countRows, findChain, toEnrichedSnapshot } from './readChain.ts';
import { findStoredExpiries } from './storedExpiries.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';

const enrichedSnapshots = (ticks: number) => simulatedEnrichedSnapshots(ticks, { symbols: ['NIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 8, seed: 3 });

describe('writing and reading enriched snapshots', () => {
  let database: DatabaseHandle;
  beforeEach(async () => {
    database = await openTestDatabase();
  });
  afterEach(async () => {
    await database.close();
  });

  it('stores a batch and reads each chain back exactly as it was published', async () => {
    const snapshots = enrichedSnapshots(3);
    const written = await database.write(snapshots);
    expect(written.snapshots).toBe(snapshots.length);
    const quotes = snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);
    expect(written.quotes).toBe(quotes);
    expect(await countRows(database.db)).toEqual({ snapshots: snapshots.length, quotes });

    const last = snapshots.filter((s) => s.symbol === 'NIFTY').at(-1)!;
    const stored = await findChain(database.db, 'NIFTY', last.expiry);
    expect(toEnrichedSnapshot(stored!)).toEqual(last);
  });

  it('is idempotent: writing the same snapshots again adds no row', async () => {
    const snapshots = enrichedSnapshots(2);
    await database.write(snapshots);
    const before = await countRows(database.db);
    await database.write(snapshots.slice(1));
    await database.write(snapshots);
    expect(await countRows(database.db)).toEqual(before);
  });

  it('finds the snapshot at or before an instant, and the stored expiries', async () => {
    const snapshots = enrichedSnapshots(3).filter((s) => s.symbol === 'NIFTY');
    await database.write(snapshots);
    const [first, second] = snapshots.filter((s) => s.expiry === snapshots[0].expiry);
    const between = new Date((first.timestamp + second.timestamp) / 2);
    expect((await findChain(database.db, 'NIFTY', first.expiry, between))!.snapshot.ts.getTime()).toBe(first.timestamp);
    expect(await findChain(database.db, 'NIFTY', first.expiry, new Date(first.timestamp - 1))).toBeNull();
    expect((await findStoredExpiries(database.db, 'NIFTY')).map((e) => e.expiry)).toEqual([...new Set(snapshots.map((s) => s.expiry))].sort());
  });

  it('writes a batch of thousands of quotes (one statement per table, any size)', async () => {
    const snapshots = enrichedSnapshots(40);
    const written = await database.write(snapshots);
    expect(written.quotes).toBeGreaterThan(2_500);
    expect((await countRows(database.db)).quotes).toBe(written.quotes);
  });
});
