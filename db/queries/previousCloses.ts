/**
 * The close of the index before an instant, for many symbols in one
 * statement: the spot of each symbol's latest stored snapshot (any expiry)
 * taken before `before`, or, once the retention job has folded the raw
 * snapshots away (PGlite, plain PostgreSQL), the last spot of the latest
 * one-minute rollup bucket before it (chain_rollup_1m keeps spot_last and its
 * instant last_ts). marketOverview asks with `before` at the start of the
 * IST day of the latest chain, so the answer is the previous session's close
 * when the feed ran until it, else the last spot stored before the day.
 *
 * Each symbol's lookup reads one end of an index (chain_snapshots by ts,
 * chain_rollup_1m by bucket), not the symbol's history.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { texts } from './writeSnapshots.ts';
import { rowsOf } from './expireRaw.ts';
import { epochMs } from './chainHistory.ts';

export interface StoredClose {
  /** Spot, index points. */
  spot: number;
  /** Instant of the snapshot it is the spot of, epoch ms. */
  timestamp: number;
}

/** Each symbol's latest stored spot before `before`; symbols with none stored before it are absent. */
export async function previousCloses(db: Database, symbols: readonly string[], before: Date): Promise<Map<string, StoredClose>> {
  if (symbols.length === 0) return new Map();
  const until = before.toISOString();
  const rows = rowsOf<{ symbol: string; spot: number | string; ts_ms: number | string }>(
    await db.execute(sql`
      select s.symbol, c.spot, ${epochMs(sql`c.ts`)} as ts_ms
      from unnest(${texts(symbols)}::text[]) as s(symbol)
      cross join lateral (
        select spot, ts from (
          (select spot, ts from chain_snapshots where symbol = s.symbol and ts < ${until}::timestamptz order by ts desc limit 1)
          union all
          (select spot_last, last_ts from chain_rollup_1m where symbol = s.symbol and bucket < ${until}::timestamptz and last_ts < ${until}::timestamptz order by bucket desc limit 1)
        ) as closes(spot, ts)
        order by ts desc limit 1
      ) as c`),
  );
  return new Map(rows.map((row) => [row.symbol, { spot: Number(row.spot), timestamp: Number(row.ts_ms) }]));
}
