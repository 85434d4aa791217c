/**
 * One batch of the retention job on PGlite and plain PostgreSQL: up to
 * `limit` of the oldest raw snapshots before a horizon, with their option
 * rows, deleted and folded into the rollups (chain_rollup_1m,
 * strike_rollup_5m) by one statement, so one transaction. Call it until it
 * deletes nothing to clear everything before the horizon. A row leaves the raw tables exactly when it enters a
 * rollup: a reader of both (chainHistory) sees every snapshot once, whenever
 * it reads, and two jobs racing over the same rows cannot count one twice
 * (the loser's DELETE returns nothing, so it folds nothing).
 *
 * The victims are taken from the oldest 5-minute bucket before the horizon
 * (found by chain_snapshots' ts index), series by series, so consecutive
 * batches fold into the same few rollup rows rather than each batch into
 * every strike of every series: a rollup row is rewritten a few times, not
 * once per batch, and the dead versions VACUUM has to reclaim stay few.
 * Their quotes are found by option_quotes' primary key prefix (symbol,
 * expiry, ts), so a batch touches only its own rows however large the tables
 * are. A bucket already in a rollup (an earlier batch, a late row) is merged:
 * sums and counts add up, "last" values are those of the later last_ts.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dateBin } from './chainHistory.ts';

export interface ExpiredRaw {
  /** Snapshots deleted (0: nothing left before the horizon). */
  snapshots: number;
  /** Option rows deleted with them. */
  quotes: number;
}

export async function expireRaw(db: Database, before: Date, limit: number): Promise<ExpiredRaw> {
  const horizon = sql`${before.toISOString()}::timestamptz`;
  const chainBucket = dateBin('1 minute', sql`ts`);
  const strikeBucket = dateBin('5 minutes', sql`ts`);
  const latest = (value: string) => sql.raw(`(array_agg(${value} order by ts desc))[1]`);
  const [row] = rowsOf<ExpiredRaw>(
    await db.execute(sql`
      with oldest_bucket as (
        select ${dateBin('5 minutes', sql`min(ts)`)} + interval '5 minutes' as bucket_end
        from chain_snapshots where ts < ${horizon}
      ),
      victims as (
        select symbol, expiry, ts from chain_snapshots
        where ts < least(${horizon}, (select bucket_end from oldest_bucket))
        order by symbol, expiry, ts
        limit ${limit}
      ),
      gone_snapshots as (
        delete from chain_snapshots s using victims v
        where s.symbol = v.symbol and s.expiry = v.expiry and s.ts = v.ts
        returning s.ts, s.symbol, s.expiry, s.pcr_oi, s.atm_iv, s.spot, s.max_pain, s.total_call_oi + s.total_put_oi as total_oi
      ),
      gone_quotes as (
        delete from option_quotes q using victims v
        where q.symbol = v.symbol and q.expiry = v.expiry and q.ts = v.ts
        returning q.ts, q.symbol, q.expiry, q.strike, q.option_type, q.oi, q.iv, q.volume
      ),
      chains as (
        insert into chain_rollup_1m as r (bucket, symbol, expiry, snapshots, pcr_oi_sum, pcr_oi_count, atm_iv_sum, atm_iv_count,
          last_ts, spot_last, max_pain_last, total_oi_last)
        select ${chainBucket}, symbol, expiry, count(*), coalesce(sum(pcr_oi), 0), count(pcr_oi), coalesce(sum(atm_iv), 0), count(atm_iv),
          max(ts), ${latest('spot')}, ${latest('max_pain')}, ${latest('total_oi')}
        from gone_snapshots
        group by 1, symbol, expiry
        on conflict (symbol, expiry, bucket) do update set
          ${merge(['snapshots', 'pcr_oi_sum', 'pcr_oi_count', 'atm_iv_sum', 'atm_iv_count'], ['spot_last', 'max_pain_last', 'total_oi_last'])}
        returning 1
      ),
      strikes as (
        insert into strike_rollup_5m as r (bucket, symbol, expiry, strike, option_type, samples, oi_sum, oi_count, iv_sum, iv_count,
          volume_sum, volume_count, last_ts, oi_last, iv_last, volume_last)
        select ${strikeBucket}, symbol, expiry, strike, option_type, count(*), coalesce(sum(oi), 0), count(oi), coalesce(sum(iv), 0), count(iv),
          coalesce(sum(volume), 0), count(volume), max(ts), ${latest('oi')}, ${latest('iv')}, ${latest('volume')}
        from gone_quotes
        group by 1, symbol, expiry, strike, option_type
        on conflict (symbol, expiry, strike, option_type, bucket) do update set
          ${merge(['samples', 'oi_sum', 'oi_count', 'iv_sum', 'iv_count', 'volume_sum', 'volume_count'], ['oi_last', 'iv_last', 'volume_last'])}
        returning 1
      )
      select (select count(*) from gone_snapshots)::int as snapshots, (select count(*) from gone_quotes)::int as quotes,
        (select count(*) from chains)::int + (select count(*) from strikes)::int as folded`),
  );
  return { snapshots: row.snapshots, quotes: row.quotes };
}

/**
 * The SET list merging a folded bucket (`excluded`) into the stored rollup
 * row `r`: counts and sums add up; last_ts is the later one, and each "last"
 * column comes from the side whose last_ts that is. Column names are
 * literals from this file.
 */
function merge(added: readonly string[], lasts: readonly string[]) {
  return sql.raw(
    [
      ...added.map((c) => `${c} = r.${c} + excluded.${c}`),
      'last_ts = greatest(r.last_ts, excluded.last_ts)',
      ...lasts.map((c) => `${c} = case when excluded.last_ts > r.last_ts then excluded.${c} else r.${c} end`),
    ].join(',\n          '),
  );
}

/** The rows of `db.execute`: an array on postgres-js and on the PGlite proxy alike. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as ArrayLike<T>);
}
