/**
 * One batch of the retention job's second cut: rollup rows (the downsampled
 * history) whose bucket starts before a horizon, up to `limit` from each
 * rollup table, deleted. Found by each table's bucket index, deleted by key.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { rowsOf } from './expireRaw.ts';

export interface ExpiredHistory {
  /** chain_rollup_1m rows deleted. */
  chainRows: number;
  /** strike_rollup_5m rows deleted. */
  strikeRows: number;
}

export async function expireHistory(db: Database, before: Date, limit: number): Promise<ExpiredHistory> {
  const cut = sql`${before.toISOString()}::timestamptz`;
  const [row] = rowsOf<ExpiredHistory>(
    await db.execute(sql`
      with chains as (
        delete from chain_rollup_1m where (symbol, expiry, bucket) in (
          select symbol, expiry, bucket from chain_rollup_1m where bucket < ${cut} limit ${limit})
        returning 1
      ),
      strikes as (
        delete from strike_rollup_5m where (symbol, expiry, strike, option_type, bucket) in (
          select symbol, expiry, strike, option_type, bucket from strike_rollup_5m where bucket < ${cut} limit ${limit})
        returning 1
      )
      select (select count(*) from chains)::int as "chainRows", (select count(*) from strikes)::int as "strikeRows"`),
  );
  return row;
}
