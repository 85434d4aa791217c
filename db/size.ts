/**
 * How much disk the database takes, and where retention stands: what
 * DatabaseHandle.size() answers (db/client.ts), for /readyz.
 *
 * PGlite on disk is measured as its whole data directory (tables, indexes,
 * catalogs and the write-ahead log, which PGlite only trims at checkpoints:
 * db/retention.ts runs them). PostgreSQL is measured with pg_database_size,
 * this database's files; its WAL belongs to the server and is left out.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { readRetentionState, type RetentionState } from './queries/retentionState.ts';
import { rowsOf } from './queries/expireRaw.ts';

export interface DatabaseSize {
  /** Bytes on disk: the data directory (PGlite on disk), or pg_database_size (PostgreSQL, PGlite in memory). */
  bytes: number;
  measured: 'data directory' | 'pg_database_size';
  /** pg_database_size: this database's tables, indexes and catalogs, without WAL. */
  databaseBytes: number;
  /** PGlite's write-ahead log (pg_wal in its data directory); null on PostgreSQL and in memory. */
  walBytes: number | null;
  retention: RetentionState;
}

export async function databaseSize(db: Database, dataDir?: string): Promise<DatabaseSize> {
  const [{ databaseBytes }] = rowsOf<{ databaseBytes: number }>(await db.execute(sql`select pg_database_size(current_database())::float8 as "databaseBytes"`));
  const retention = await readRetentionState(db);
  if (!dataDir) return { bytes: databaseBytes, measured: 'pg_database_size', databaseBytes, walBytes: null, retention };
  const [bytes, walBytes] = await Promise.all([directoryBytes(dataDir), directoryBytes(join(dataDir, 'pg_wal'))]);
  return { bytes, measured: 'data directory', databaseBytes, walBytes, retention };
}

/** Total size of the files under `dir`; a file removed while counting (a recycled WAL segment) counts as gone. */
export async function directoryBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const sizes = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return directoryBytes(path);
      try {
        return (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
