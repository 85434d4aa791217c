/**
 * A fresh, isolated database per test: a new database on the server named by
 * DATABASE_URL (created here, dropped on close), or an in-memory PGlite when
 * no URL is set. With DATABASE_URL set, an unreachable server fails the test:
 * CI must never silently fall back to the embedded engine.
 */
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from '../db/client.ts';

/** A new, empty database on the DATABASE_URL server: its URL, and how to drop it. */
export async function createScratchDatabase(serverUrl = process.env.DATABASE_URL!): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    throw new Error(`DATABASE_URL is set but PostgreSQL is not usable (${serverUrl}): ${error instanceof Error ? error.message : error}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      await dropper.end({ timeout: 1 });
    },
  };
}

/** `onQuery` is told the SQL of every statement Drizzle sends (see DatabaseOptions). */
export async function openTestDatabase(options: Pick<DatabaseOptions, 'onQuery'> = {}): Promise<DatabaseHandle> {
  if (!process.env.DATABASE_URL) return openDatabase(options);
  const scratch = await createScratchDatabase();
  const handle = await openDatabase({ url: scratch.url, poolSize: 4, ...options });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

/**
 * Whether databases on the DATABASE_URL server get TimescaleDB: it ships the
 * extension and preloads it (read here as plainly as possible, as the oracle
 * of tests that assert one behaviour or the other). False without a URL.
 */
export async function serverHasTimescale(serverUrl = process.env.DATABASE_URL): Promise<boolean> {
  if (!serverUrl) return false;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin<{ shipped: boolean; preload: string }[]>`
      select exists (select 1 from pg_available_extensions where name = 'timescaledb') as shipped,
        current_setting('shared_preload_libraries') as preload`;
    return row.shipped && row.preload.split(',').some((library) => library.trim() === 'timescaledb');
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/**
 * Refreshes a continuous aggregate over [fromMs, toMs) as its policy would
 * (TimescaleDB), retrying while a policy's own refresh of an overlapping
 * window holds it (55P03, "due to a concurrent refresh"): the policies run in
 * background workers whenever they are due, so a test's refresh may meet one.
 */
export async function refreshAggregate(database: DatabaseHandle, aggregate: string, fromMs: number, toMs: number, retryForMs = 30_000): Promise<void> {
  for (const started = Date.now(); ; ) {
    try {
      await database.db.execute(sql.raw(`call refresh_continuous_aggregate('${aggregate}', '${new Date(fromMs).toISOString()}', '${new Date(toMs).toISOString()}')`));
      return;
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
      if (code !== '55P03' || Date.now() - started > retryForMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
