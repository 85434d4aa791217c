/**
 * Preparing a PostgreSQL database at open: choose TimescaleDB or plain
 * PostgreSQL (db/timescale.ts), run the pending migrations, then bring the
 * TimescaleDB policies to the configured windows, all under one session-level
 * advisory lock, so any number of processes (compose's `store` and `api`,
 * replicas) can start at once: the first prepares, the others wait, then find
 * nothing to do. Without the lock two first-time migrations both ran
 * `CREATE SCHEMA "drizzle"` and one failed, and two policy set-ups collided
 * on the same catalog rows ("tuple concurrently updated").
 *
 * A session-level advisory lock belongs to the connection that took it, so
 * everything runs on one connection reserved from the pool (postgres-js
 * `reserve()`), which takes, uses and releases the lock; a pool would hand
 * the unlock to another connection, where it does nothing. If the connection
 * dies mid-way, the server releases the lock with it and rolls back the
 * migration transaction, so the next process starts over cleanly.
 *
 * The migrations are drizzle-kit's, applied as drizzle-orm's migrator does
 * (db/migrations/meta/_journal.json; drizzle.__drizzle_migrations records
 * each by its journal timestamp, and a migration runs when its timestamp is
 * newer than the last recorded one; all pending ones in one transaction).
 * Drizzle's own migrator cannot run on a reserved connection: it needs the
 * pool's `begin`.
 */
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type postgres from 'postgres';
import { applyTimescalePolicies, chooseTimescale, type RunSql, type TimescaleStatus, type TimescaleWindows } from './timescale.ts';

/** The advisory lock key of database preparation: any fixed bigint; 'opts' 'prep' in ASCII. */
export const PREPARE_LOCK_KEY = 0x6f707473_70726570n;

export async function prepareDatabase(client: postgres.Sql, migrationsFolder: string, windows: TimescaleWindows): Promise<TimescaleStatus> {
  const connection = await client.reserve();
  const run: RunSql = (text, params = []) => connection.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<Record<string, unknown>[]>;
  try {
    await run(`select pg_advisory_lock(${PREPARE_LOCK_KEY})`);
    try {
      const mode = await chooseTimescale(run);
      await migrate(run, migrationsFolder);
      if (!mode.use) return { timescale: false, reason: mode.reason };
      return await applyTimescalePolicies(run, windows, mode.reason);
    } finally {
      // On a connection that failed, the server has released the lock with its session: keep the first error.
      await run(`select pg_advisory_unlock(${PREPARE_LOCK_KEY})`).catch(() => {});
    }
  } finally {
    connection.release();
  }
}

/** The pending migrations, in one transaction; the same bookkeeping as drizzle-orm's migrator. */
async function migrate(run: RunSql, migrationsFolder: string): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder });
  await run(`create schema if not exists "drizzle"`);
  await run(`create table if not exists "drizzle"."__drizzle_migrations" (id serial primary key, hash text not null, created_at bigint)`);
  const [last] = await run(`select created_at from "drizzle"."__drizzle_migrations" order by created_at desc limit 1`);
  const pending = migrations.filter((m) => !last || Number(last.created_at) < m.folderMillis);
  if (pending.length === 0) return;
  await run('begin');
  try {
    for (const migration of pending) {
      for (const statement of migration.sql) await run(statement);
      await run(`insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values ($1, $2)`, [migration.hash, migration.folderMillis]);
    }
    await run('commit');
  } catch (error) {
    await run('rollback').catch(() => {});
    throw error;
  }
}
