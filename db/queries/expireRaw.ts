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
 *
 * Option rows come in two shapes (writeSnapshots.ts): rows of option_quotes,
 * which the statement deletes and folds itself, and blocks packed beside the
 * snapshot (the embedded store), which SQL cannot read: the victims are
 * selected first (FOR UPDATE), their blocks unpacked here, and their OI, IV
 * and volume sent with the statement as arrays, folded only for the
 * snapshots that statement deleted. Both run in one transaction, so the fold
 * stays all or nothing. On PGlite this runs inside its worker
 * (DatabaseHandle.expireRaw): a transaction cannot span the worker's
 * messages.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dateBin } from './chainHistory.ts';
import { floats, texts } from './writeSnapshots.ts';
import { unpackQuotes } from '../../core/packedQuotes.ts';

export interface ExpiredRaw {
  /** Snapshots deleted (0: nothing left before the horizon). */
  snapshots: number;
  /** Option rows deleted with them. */
  quotes: number;
}

interface Victim {
  symbol: string;
  expiry: string;
  /** The stored ts as PostgreSQL prints it, so it matches again exactly (microseconds included). */
  ts: string;
  spot: number;
  tYears: number;
  rate: number;
  forward: number | null;
  packed: Uint8Array | string | null;
}

/** Needs a Database that can open a transaction: postgres-js, or PGlite inside its worker (not the proxy). */
export async function expireRaw(db: Database, before: Date, limit: number): Promise<ExpiredRaw> {
  return db.transaction(async (tx) => {
    const horizon = sql`${before.toISOString()}::timestamptz`;
    const victims = rowsOf<Victim>(
      await tx.execute(sql`
        with oldest_bucket as (
          select ${dateBin('5 minutes', sql`min(ts)`)} + interval '5 minutes' as bucket_end
          from chain_snapshots where ts < ${horizon}
        )
        select symbol, expiry::text as expiry, ts::text as ts, spot, t_years as "tYears", rate, forward, packed_quotes as packed
        from chain_snapshots
        where ts < least(${horizon}, (select bucket_end from oldest_bucket))
        order by symbol, expiry, ts
        limit ${limit}
        for update`),
    );
    if (victims.length === 0) return { snapshots: 0, quotes: 0 };
    const packed = { symbol: [] as string[], expiry: [] as string[], ts: [] as string[], strike: [] as number[], type: [] as string[], oi: [] as (number | null)[], iv: [] as (number | null)[], volume: [] as (number | null)[], ...emptyPriceColumns() };
    for (const v of victims) {
      if (v.packed === null) continue;
      for (const row of unpackQuotes(v, bytesOf(v.packed))) {
        for (const [type, quote] of [['CE', row.call], ['PE', row.put]] as const) {
          if (!quote) continue;
          packed.symbol.push(v.symbol);
          packed.expiry.push(v.expiry);
          packed.ts.push(v.ts);
          packed.strike.push(row.strike);
          packed.type.push(type);
          packed.oi.push(quote.oi);
          packed.iv.push(quote.iv);
          packed.volume.push(quote.volume);
          for (const column of PRICE_COLUMNS) packed[column].push(quote[column]);
        }
      }
    }
    const chainBucket = dateBin('1 minute', sql`ts`);
    const strikeBucket = dateBin('5 minutes', sql`ts`);
    const latest = (value: string) => sql.raw(`(array_agg(${value} order by ts desc))[1]`);
    const earliest = (value: string) => sql.raw(`(array_agg(${value} order by ts))[1]`);
    const [row] = rowsOf<ExpiredRaw>(
      await tx.execute(sql`
        with victims as (
          select symbol, expiry::date as expiry, ts::timestamptz as ts
          from unnest(${texts(victims.map((v) => v.symbol))}::text[], ${texts(victims.map((v) => v.expiry))}::text[], ${texts(victims.map((v) => v.ts))}::text[])
            as v(symbol, expiry, ts)
        ),
        gone_snapshots as (
          delete from chain_snapshots s using victims v
          where s.symbol = v.symbol and s.expiry = v.expiry and s.ts = v.ts
          returning s.ts, s.symbol, s.expiry, s.pcr_oi, s.atm_iv, s.spot, s.max_pain, s.total_call_oi + s.total_put_oi as total_oi,
            (s.analytics->>'straddlePrice')::float8 as straddle, s.atm_strike
        ),
        gone_quotes as (
          delete from option_quotes q using victims v
          where q.symbol = v.symbol and q.expiry = v.expiry and q.ts = v.ts
          returning q.ts, q.symbol, q.expiry, q.strike, q.option_type, q.oi, q.iv, q.volume, q.ltp, q.delta, q.gamma, q.theta, q.vega
        ),
        packed_quotes as (
          select g.ts, g.symbol, g.expiry, p.strike, p.option_type, p.oi, p.iv, p.volume, p.ltp, p.delta, p.gamma, p.theta, p.vega
          from unnest(${texts(packed.symbol)}::text[], ${texts(packed.expiry)}::text[], ${texts(packed.ts)}::text[], ${floats(packed.strike)}::float8[],
            ${texts(packed.type)}::text[], ${floats(packed.oi)}::float8[], ${floats(packed.iv)}::float8[], ${floats(packed.volume)}::float8[],
            ${floats(packed.ltp)}::float8[], ${floats(packed.delta)}::float8[], ${floats(packed.gamma)}::float8[], ${floats(packed.theta)}::float8[],
            ${floats(packed.vega)}::float8[])
            as p(symbol, expiry, ts, strike, option_type, oi, iv, volume, ltp, delta, gamma, theta, vega)
          join gone_snapshots g on g.symbol = p.symbol and g.expiry = p.expiry::date and g.ts = p.ts::timestamptz
        ),
        all_quotes as (
          select * from gone_quotes union all select * from packed_quotes
        ),
        chains as (
          insert into chain_rollup_1m as r (bucket, symbol, expiry, snapshots, pcr_oi_sum, pcr_oi_count, atm_iv_sum, atm_iv_count,
            last_ts, spot_last, max_pain_last, total_oi_last, straddle_last, atm_strike_last)
          select ${chainBucket}, symbol, expiry, count(*), coalesce(sum(pcr_oi), 0), count(pcr_oi), coalesce(sum(atm_iv), 0), count(atm_iv),
            max(ts), ${latest('spot')}, ${latest('max_pain')}, ${latest('total_oi')}, ${latest('straddle')}, ${latest('atm_strike')}
          from gone_snapshots
          group by 1, symbol, expiry
          on conflict (symbol, expiry, bucket) do update set
            ${merge(['snapshots', 'pcr_oi_sum', 'pcr_oi_count', 'atm_iv_sum', 'atm_iv_count'], ['spot_last', 'max_pain_last', 'total_oi_last', 'straddle_last', 'atm_strike_last'])}
          returning 1
        ),
        strikes as (
          insert into strike_rollup_5m as r (bucket, symbol, expiry, strike, option_type, samples, oi_sum, oi_count, iv_sum, iv_count,
            volume_sum, volume_count, last_ts, oi_last, iv_last, volume_last,
            first_ts, ltp_first, ltp_max, ltp_min, ltp_last, delta_last, gamma_last, theta_last, vega_last)
          select ${strikeBucket}, symbol, expiry, strike, option_type, count(*), coalesce(sum(oi), 0), count(oi), coalesce(sum(iv), 0), count(iv),
            coalesce(sum(volume), 0), count(volume), max(ts), ${latest('oi')}, ${latest('iv')}, ${latest('volume')},
            min(ts), ${earliest('ltp')}, max(ltp), min(ltp), ${latest('ltp')}, ${latest('delta')}, ${latest('gamma')}, ${latest('theta')}, ${latest('vega')}
          from all_quotes
          group by 1, symbol, expiry, strike, option_type
          on conflict (symbol, expiry, strike, option_type, bucket) do update set
            ${merge(['samples', 'oi_sum', 'oi_count', 'iv_sum', 'iv_count', 'volume_sum', 'volume_count'], ['oi_last', 'iv_last', 'volume_last', 'ltp_last', 'delta_last', 'gamma_last', 'theta_last', 'vega_last'])},
            ${mergePriceRange()}
          returning 1
        )
        select (select count(*) from gone_snapshots)::int as snapshots, (select count(*) from all_quotes)::int as quotes,
          (select count(*) from chains)::int + (select count(*) from strikes)::int as folded`),
    );
    return { snapshots: row.snapshots, quotes: row.quotes };
  });
}

/** bytea as the drivers return it: a Buffer (postgres-js), a Uint8Array (PGlite), or '\\x…' hex text. */
export function bytesOf(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? Uint8Array.from(Buffer.from(value.replace(/^\\x/, ''), 'hex')) : value;
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

/** The option figures folded per strike besides OI, IV and volume: price (LTP) OHLC and the latest Greeks. */
const PRICE_COLUMNS = ['ltp', 'delta', 'gamma', 'theta', 'vega'] as const;

function emptyPriceColumns(): Record<(typeof PRICE_COLUMNS)[number], (number | null)[]> {
  return { ltp: [], delta: [], gamma: [], theta: [], vega: [] };
}

/**
 * The SET list merging a folded bucket's first price and price range into
 * the stored row `r`: first_ts the earlier one (a row folded before 0012 has
 * none, and the fold's own is taken), ltp_first from its side, the higher
 * high and the lower low (nulls ignored, as greatest and least do).
 */
function mergePriceRange() {
  return sql.raw(
    [
      'first_ts = least(r.first_ts, excluded.first_ts)',
      'ltp_first = case when r.first_ts is null or excluded.first_ts < r.first_ts then excluded.ltp_first else r.ltp_first end',
      'ltp_max = greatest(r.ltp_max, excluded.ltp_max)',
      'ltp_min = least(r.ltp_min, excluded.ltp_min)',
    ].join(',\n            '),
  );
}

/** The rows of `db.execute`: an array on postgres-js and the PGlite proxy, `{ rows }` from PGlite's own driver (in its worker). */
export function rowsOf<T>(result: unknown): T[] {
  const rows = (result as { rows?: unknown }).rows;
  return Array.from((Array.isArray(rows) ? rows : result) as ArrayLike<T>);
}
