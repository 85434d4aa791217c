/**
 * API keys (table api_keys): created with their hash and visible prefix,
 * listed per user, revoked, and looked up by prefix with their owner. The
 * last-used time is written at most once a minute per key.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { apiKeys, users } from '../schema.ts';
import type { UserRow } from './users.ts';

export interface ApiKeyRow {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function createApiKey(db: Database, key: { userId: string; name: string; prefix: string; keyHash: string; scopes: string[] }): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values({ id: randomUUID(), ...key }).returning();
  return row;
}

/** A user's keys, newest first, revoked ones included. */
export async function listApiKeys(db: Database, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
}

/** Revokes one of the user's keys; null when the user has no such key. */
export async function revokeApiKey(db: Database, userId: string, id: string): Promise<ApiKeyRow | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
    .returning();
  return row ?? null;
}

/** The key with this prefix and its owner, or null. */
export async function findApiKey(db: Database, prefix: string): Promise<{ key: ApiKeyRow; user: UserRow } | null> {
  const [row] = await db.select({ key: apiKeys, user: users }).from(apiKeys).innerJoin(users, eq(users.id, apiKeys.userId)).where(eq(apiKeys.prefix, prefix));
  return row ?? null;
}

/** Sets last_used_at to `at` unless it was set less than `everyMs` before. */
export async function touchApiKey(db: Database, id: string, at: Date, everyMs = 60_000): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(at.getTime() - everyMs)))));
}
