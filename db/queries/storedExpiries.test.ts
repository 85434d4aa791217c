import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { findStoredExpiries, nearestStoredExpiries, type StoredExpiry } from './storedExpiries.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';

/** NIFTY and SENSEX, two expiries each, a snapshot a minute; NIFTY's nearest expiry only from the 6th minute on. */
const all = simulatedEnrichedSnapshots(12, { symbols: ['NIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 2, seed: 4 });
const [near, next] = [...new Set(all.filter((s) => s.symbol === 'NIFTY').map((s) => s.expiry))].sort();
const lateStart = all.filter((s) => s.symbol === 'NIFTY' && s.expiry === near)[5].timestamp;
const snapshots = all.filter((s) => !(s.symbol === 'NIFTY' && s.expiry === near && s.timestamp < lateStart));

/** The same answer computed from the snapshots themselves. */
function expected(symbol: string, keep: (s: EnrichedSnapshot) => boolean = () => true): StoredExpiry[] {
  const byExpiry = new Map<string, number[]>();
  for (const s of snapshots) if (s.symbol === symbol && keep(s)) byExpiry.set(s.expiry, [...(byExpiry.get(s.expiry) ?? []), s.timestamp]);
  return [...byExpiry.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([expiry, times]) => ({ expiry, firstSnapshotAt: new Date(Math.min(...times)), lastSnapshotAt: new Date(Math.max(...times)) }));
}

describe('findStoredExpiries', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('lists every stored expiry of the symbol, ascending, with its first and last snapshot instants', async () => {
    expect(near < next).toBe(true);
    const nifty = await findStoredExpiries(database.db, 'NIFTY');
    expect(nifty.map((e) => e.expiry)).toEqual([near, next]);
    expect(nifty).toEqual(expected('NIFTY'));
    expect(await findStoredExpiries(database.db, 'SENSEX')).toEqual(expected('SENSEX'));
  });

  it('stops after `limit` expiries', async () => {
    expect(await findStoredExpiries(database.db, 'NIFTY', { limit: 1 })).toEqual(expected('NIFTY').slice(0, 1));
    expect(await findStoredExpiries(database.db, 'NIFTY', { limit: 5 })).toEqual(expected('NIFTY'));
  });

  it('answers an empty list for a symbol with nothing stored', async () => {
    expect(await findStoredExpiries(database.db, 'BANKNIFTY')).toEqual([]);
  });

  it('keeps to fromDate and toDate, both inclusive', async () => {
    expect((await findStoredExpiries(database.db, 'NIFTY', { fromDate: next })).map((e) => e.expiry)).toEqual([next]);
    expect((await findStoredExpiries(database.db, 'NIFTY', { toDate: near })).map((e) => e.expiry)).toEqual([near]);
    expect(await findStoredExpiries(database.db, 'NIFTY', { fromDate: next, toDate: next })).toEqual(expected('NIFTY').slice(1));
    expect(await findStoredExpiries(database.db, 'NIFTY', { fromDate: '2099-01-01' })).toEqual([]);
  });

  it('counts only snapshots at or before `at`, leaving out an expiry stored only later but not the ones after it', async () => {
    const at = new Date(lateStart - 1);
    expect(await findStoredExpiries(database.db, 'NIFTY', { at })).toEqual(expected('NIFTY', (s) => s.timestamp <= at.getTime()));
    expect((await findStoredExpiries(database.db, 'NIFTY', { at })).map((e) => e.expiry)).toEqual([next]);
    expect(await findStoredExpiries(database.db, 'NIFTY', { at, limit: 1 })).toEqual(expected('NIFTY', (s) => s.timestamp <= at.getTime()));
    const later = new Date(lateStart + 90_000);
    expect(await findStoredExpiries(database.db, 'NIFTY', { at: later })).toEqual(expected('NIFTY', (s) => s.timestamp <= later.getTime()));
  });

  it('answers the nearest stored expiry of several symbols in one statement, as findStoredExpiries with a limit of one', async () => {
    for (const fromDate of [near, next, '2000-01-01', '2099-01-01']) {
      const nearest = await nearestStoredExpiries(database.db, ['NIFTY', 'SENSEX', 'BANKNIFTY'], fromDate);
      for (const symbol of ['NIFTY', 'SENSEX', 'BANKNIFTY']) {
        expect(nearest.get(symbol)).toBe((await findStoredExpiries(database.db, symbol, { fromDate, limit: 1 }))[0]?.expiry);
      }
    }
    expect((await nearestStoredExpiries(database.db, [], near)).size).toBe(0);
  });
});
