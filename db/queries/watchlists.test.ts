import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { createPasswordUser } from './users.ts';
import { countWatchlists, createWatchlist, deleteWatchlist, findWatchlist, listWatchlists, updateWatchlist } from './watchlists.ts';
import { readPreferences, storePreferences } from './preferences.ts';
import { deleteStoredPlan, readStoredPlans, storePlan } from './plans.ts';

describe('watchlists, preferences and plans', () => {
  let database: DatabaseHandle;
  let owner: string;
  let other: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    owner = (await createPasswordUser(database.db, 'lists@example.com', 'h')).id;
    other = (await createPasswordUser(database.db, 'other-lists@example.com', 'h')).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('keeps a watchlist to its owner: another user neither reads, changes nor deletes it', async () => {
    const list = await createWatchlist(database.db, owner, 'weekly', [{ symbol: 'NIFTY', expiry: '2026-12-10', strike: 24000 }]);
    expect(await listWatchlists(database.db, owner)).toEqual([list]);
    expect(await countWatchlists(database.db, owner)).toBe(1);
    expect(await findWatchlist(database.db, other, list.id)).toBeNull();
    expect(await updateWatchlist(database.db, other, list.id, { name: 'stolen' })).toBeNull();
    expect(await deleteWatchlist(database.db, other, list.id)).toBe(false);
    expect(await updateWatchlist(database.db, owner, list.id, { name: 'monthly', items: [{ symbol: 'BANKNIFTY' }] })).toMatchObject({ name: 'monthly', items: [{ symbol: 'BANKNIFTY' }] });
    expect(await deleteWatchlist(database.db, owner, list.id)).toBe(true);
    expect(await findWatchlist(database.db, owner, list.id)).toBeNull();
  });

  it('stores and replaces a preferences document', async () => {
    expect(await readPreferences(database.db, owner)).toBeNull();
    await storePreferences(database.db, owner, { theme: 'dark' });
    await storePreferences(database.db, owner, { theme: 'light', defaultSymbol: 'NIFTY' });
    expect(await readPreferences(database.db, owner)).toEqual({ theme: 'light', defaultSymbol: 'NIFTY' });
  });

  it('stores, replaces and deletes a role’s plan', async () => {
    await storePlan(database.db, 'free', { symbols: ['NIFTY'] });
    await storePlan(database.db, 'free', { symbols: ['SENSEX'] });
    expect(await readStoredPlans(database.db)).toEqual(new Map([['free', { symbols: ['SENSEX'] }]]));
    await deleteStoredPlan(database.db, 'free');
    expect((await readStoredPlans(database.db)).size).toBe(0);
  });
});
