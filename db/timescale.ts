/**
 * TimescaleDB at start-up. The migration (db/migrations/0001_timescale.sql)
 * turns the time-series tables into hypertables and adds the continuous
 * aggregates and policies with the default windows when the server has the
 * extension; this module re-applies the configured windows
 * (TIMESCALE_CHUNK_INTERVAL, TIMESCALE_COMPRESS_AFTER, TIMESCALE_RETENTION)
 * on every start, idempotently, so changing a variable and restarting is all
 * it takes. Without the extension (plain PostgreSQL, PGlite) it does nothing.
 */
import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';

/** The time-series tables, hypertables on `ts` under TimescaleDB. */
export const TIME_SERIES_TABLES = ['option_quotes', 'chain_snapshots', 'analytics_chain', 'analytics_mood', 'analytics_flows', 'analytics_events'] as const;

export interface TimescaleWindows {
  /** Width of new chunks, a Postgres interval such as '1 day'. */
  chunkInterval: string;
  /** Age after which chunks are compressed, e.g. '7 days'. */
  compressAfter: string;
  /** Age after which chunks are dropped, e.g. '90 days'. */
  retention: string;
}

export type TimescaleStatus =
  | { timescale: false }
  | {
      timescale: true;
      /** Installed extension version. */
      version: string;
      /** The tables that are hypertables, whose windows were applied. */
      hypertables: string[];
      /** Whether compression and retention policies were applied (not on the Apache-2 build, which has none). */
      policies: boolean;
    };

/** The installed TimescaleDB version, or null when the extension is not installed in this database. */
export async function detectTimescale(db: Database): Promise<string | null> {
  return (await extension(db))?.version ?? null;
}

async function extension(db: Database): Promise<{ version: string; license: string | null } | null> {
  const [row] = await db
    .select({ version: sql<string>`extversion`, license: sql<string | null>`current_setting('timescaledb.license', true)` })
    .from(sql`pg_extension`)
    .where(sql`extname = 'timescaledb'`);
  return row ?? null;
}

/**
 * Re-applies the configured windows to every time-series hypertable:
 * the chunk interval (new chunks only), and the compression and retention
 * policies, each removed then added, all in one transaction. A no-op
 * returning `{ timescale: false }` without the extension.
 */
export async function applyTimescalePolicies(db: Database, windows: TimescaleWindows): Promise<TimescaleStatus> {
  const installed = await extension(db);
  if (installed === null) return { timescale: false };
  const hypertables = await db
    .select({ name: sql<string>`hypertable_name::text`, compressed: sql<boolean>`compression_enabled` })
    .from(sql`timescaledb_information.hypertables`)
    .where(sql`hypertable_schema = current_schema() and hypertable_name::text in ${TIME_SERIES_TABLES}`);
  // The Apache-2 build has hypertables but neither compression nor policies.
  const policies = installed.license !== 'apache';
  await db.transaction(async (tx) => {
    for (const { name: table, compressed } of hypertables) {
      await tx.execute(sql`select set_chunk_time_interval(${table}::regclass, ${windows.chunkInterval}::interval)`);
      if (!policies) continue;
      if (compressed) {
        await tx.execute(sql`select remove_compression_policy(${table}::regclass, if_exists => true)`);
        await tx.execute(sql`select add_compression_policy(${table}::regclass, compress_after => ${windows.compressAfter}::interval)`);
      }
      await tx.execute(sql`select remove_retention_policy(${table}::regclass, if_exists => true)`);
      await tx.execute(sql`select add_retention_policy(${table}::regclass, drop_after => ${windows.retention}::interval)`);
    }
  });
  return { timescale: true, version: installed.version, hypertables: hypertables.map((h) => h.name), policies };
}
