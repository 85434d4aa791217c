/** A user's preferences document (table user_preferences); validated by core/auth/preferences.ts before it is stored. */
import { eq } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { userPreferences } from '../schema.ts';

export async function readPreferences(db: Database, userId: string): Promise<unknown | null> {
  const [row] = await db.select({ document: userPreferences.document }).from(userPreferences).where(eq(userPreferences.userId, userId));
  return row?.document ?? null;
}

export async function storePreferences(db: Database, userId: string, document: unknown): Promise<void> {
  await db
    .insert(userPreferences)
    .values({ userId, document })
    .onConflictDoUpdate({ target: userPreferences.userId, set: { document, updatedAt: new Date() } });
}
