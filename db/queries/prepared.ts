/**
 * Statements prepared once per database: Drizzle otherwise builds a query's
 * SQL anew on every call, which on the API's hot reads cost more than the
 * database took to answer them (bench: findSnapshot 0.27 -> 0.07 ms of node
 * CPU a call on PostgreSQL). Values go in as placeholders
 * (`sql.placeholder`), which skip a column's encoder: give a timestamp as
 * the ISO text its encoder would have made.
 */
import { and, eq, gte, lt, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';

export function preparedPerDatabase<T>(prepare: (db: Database) => T): (db: Database) => T {
  const byDatabase = new WeakMap<Database, T>();
  return (db) => {
    let statements = byDatabase.get(db);
    if (!statements) {
      statements = prepare(db);
      byDatabase.set(db, statements);
    }
    return statements;
  };
}

/** One stream's rows in a range, as placeholders: symbol, expiry, from (inclusive) and to (exclusive), the instants as ISO text. */
export function streamRangePlaceholders(columns: { symbol: AnyColumn; expiry: AnyColumn; ts: AnyColumn }): SQL | undefined {
  return and(
    eq(columns.symbol, sql.placeholder('symbol')),
    eq(columns.expiry, sql.placeholder('expiry')),
    gte(columns.ts, sql.placeholder('from')),
    lt(columns.ts, sql.placeholder('to')),
  );
}
