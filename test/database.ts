/**
 * A fresh, isolated database per test: a new database on the server named by
 * DATABASE_URL (created here, dropped on close), or an in-memory PGlite when
 * no URL is set. With DATABASE_URL set, an unreachable server fails the test:
 * CI must never silently fall back to the embedded engine.
 */
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';

/** A new, empty database on the DATABASE_URL server, for a test or a process it starts; `drop` removes it. */
export async function createTestDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    throw new Error(`DATABASE_URL is set but PostgreSQL is not usable (${url}): ${error instanceof Error ? error.message : error}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  return {
    url: testUrl.toString(),
    drop: async () => {
      const dropper = postgres(url, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      await dropper.end({ timeout: 1 });
    },
  };
}

export async function openTestDatabase(): Promise<DatabaseHandle> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase();
  const created = await createTestDatabase(url);
  const handle = await openDatabase({ url: created.url, poolSize: 4 });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await created.drop();
    },
  };
}
