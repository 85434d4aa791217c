/**
 * Watchlists (table watchlists). Every read and write names the owner: a
 * watchlist id of another user reads as absent and is never changed.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { watchlists } from '../schema.ts';
import type { WatchlistItem } from '../../core/auth/preferences.ts';

export interface WatchlistRow {
  id: string;
  userId: string;
  name: string;
  items: WatchlistItem[];
  createdAt: Date;
  updatedAt: Date;
}

const asRow = (row: typeof watchlists.$inferSelect): WatchlistRow => ({ ...row, items: row.items as WatchlistItem[] });

export async function createWatchlist(db: Database, userId: string, name: string, items: WatchlistItem[]): Promise<WatchlistRow> {
  const [row] = await db.insert(watchlists).values({ id: randomUUID(), userId, name, items }).returning();
  return asRow(row);
}

export async function countWatchlists(db: Database, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(watchlists).where(eq(watchlists.userId, userId));
  return Number(row?.n ?? 0);
}

export async function listWatchlists(db: Database, userId: string): Promise<WatchlistRow[]> {
  return (await db.select().from(watchlists).where(eq(watchlists.userId, userId)).orderBy(asc(watchlists.createdAt), asc(watchlists.id))).map(asRow);
}

/** The user's watchlist by id, or null (absent, or another user's). */
export async function findWatchlist(db: Database, userId: string, id: string): Promise<WatchlistRow | null> {
  const [row] = await db.select().from(watchlists).where(and(eq(watchlists.id, id), eq(watchlists.userId, userId)));
  return row ? asRow(row) : null;
}

export async function updateWatchlist(db: Database, userId: string, id: string, change: { name?: string; items?: WatchlistItem[] }): Promise<WatchlistRow | null> {
  const [row] = await db
    .update(watchlists)
    .set({ ...change, updatedAt: new Date() })
    .where(and(eq(watchlists.id, id), eq(watchlists.userId, userId)))
    .returning();
  return row ? asRow(row) : null;
}

export async function deleteWatchlist(db: Database, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(watchlists)
    .where(and(eq(watchlists.id, id), eq(watchlists.userId, userId)))
    .returning({ id: watchlists.id });
  return deleted.length > 0;
}
