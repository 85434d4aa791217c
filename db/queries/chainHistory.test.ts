import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, refreshAggregate, serverHasTimescale } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { CHART_INTERVALS, ChainHistoryRangeError, MAX_BUCKETS, chainHistory, splitAtBuckets, type ChainHistoryPoint, type ChartInterval } from './chainHistory.ts';
import { advanceHorizons } from './retentionState.ts';
import { HISTORY_START as START, historySnapshots as enrichedSnapshots } from '../../test/historySnapshots.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';

/** The same buckets computed in JavaScript: epoch-aligned (the origin 2000-01-03 is a UTC midnight). */
function expected(snapshots: EnrichedSnapshot[], symbol: string, expiry: string, from: number, to: number, interval: ChartInterval) {
  const ms = CHART_INTERVALS[interval].ms;
  const groups = new Map<number, EnrichedSnapshot[]>();
  for (const s of snapshots) {
    if (s.symbol !== symbol || s.expiry !== expiry || s.timestamp < from || s.timestamp >= to) continue;
    const bucket = Math.floor(s.timestamp / ms) * ms;
    groups.set(bucket, [...(groups.get(bucket) ?? []), s]);
  }
  const mean = (values: (number | null)[]) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, group]) => {
      const last = group.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      const { totalCallOi, totalPutOi } = last.analytics;
      return {
        bucket: new Date(bucket),
        pcrOi: mean(group.map((s) => s.analytics.pcrOi)),
        maxPain: last.analytics.maxPain,
        atmIv: mean(group.map((s) => s.analytics.atmIv)),
        spot: last.spot,
        totalOi: totalCallOi === null || totalPutOi === null ? null : totalCallOi + totalPutOi,
        straddle: last.analytics.straddlePrice,
        atmStrike: last.analytics.atmStrike,
        count: group.length,
      };
    });
}

function expectPoints(actual: ChainHistoryPoint[], wanted: ReturnType<typeof expected>) {
  expect(actual.map((p) => p.bucket.toISOString())).toEqual(wanted.map((p) => p.bucket.toISOString()));
  actual.forEach((point, i) => {
    const want = wanted[i];
    expect(point.spot).toBe(want.spot);
    expect(point.maxPain).toBe(want.maxPain);
    expect(point.totalOi).toBe(want.totalOi);
    expect(point.straddle).toBe(want.straddle);
    expect(point.atmStrike).toBe(want.atmStrike);
    for (const key of ['pcrOi', 'atmIv'] as const) {
      if (want[key] === null) expect(point[key]).toBeNull();
      else expect(point[key]).toBeCloseTo(want[key], 10);
    }
  });
}

describe('chain history by time bucket', () => {
  let database: DatabaseHandle;
  let snapshots: EnrichedSnapshot[];
  let expiry: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    snapshots = enrichedSnapshots();
    expiry = snapshots.find((s) => s.symbol === 'NIFTY')!.expiry;
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(['1m', '5m', '15m', '1h', '1d'] as const)('matches a JavaScript computation over the same snapshots at %s', async (interval) => {
    const from = START + 30_000;
    const to = START + 35 * 60_000 + 10_000;
    const points = await chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(from), to: new Date(to), interval });
    const wanted = expected(snapshots, 'NIFTY', expiry, from, to, interval);
    expect(wanted.length).toBeGreaterThan(0);
    expectPoints(points, wanted);
  });

  it('averages PCR and ATM IV (nulls ignored) but takes spot, max pain and total OI from the latest snapshot, even a null max pain', async () => {
    const to = START + 3_600_000;
    const points = await chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(START), to: new Date(to), interval: '5m' });
    const series = snapshots.filter((s) => s.symbol === 'NIFTY' && s.expiry === expiry);
    const inBucket = (point: ChainHistoryPoint) => series.filter((s) => s.timestamp >= point.bucket.getTime() && s.timestamp < point.bucket.getTime() + 300_000);
    // The blanked snapshots (every 7th and 11th tick) land last in some bucket and inside others.
    const lastBlank = points.find((p) => inBucket(p).at(-1)!.analytics.maxPain === null)!;
    expect(lastBlank.maxPain).toBeNull();
    expect(lastBlank.atmIv).not.toBeNull();
    expect(lastBlank.spot).toBe(inBucket(lastBlank).at(-1)!.spot);
    const { totalCallOi, totalPutOi } = inBucket(lastBlank).at(-1)!.analytics;
    expect(lastBlank.totalOi).toBe(totalCallOi + totalPutOi);
    const mixed = points.find((p) => inBucket(p).some((s) => s.analytics.pcrOi === null))!;
    const pcrs = inBucket(mixed).flatMap((s) => (s.analytics.pcrOi === null ? [] : [s.analytics.pcrOi]));
    expect(mixed.pcrOi).toBeCloseTo(pcrs.reduce((a, b) => a + b, 0) / pcrs.length, 10);
  });

  it('starts the first bucket before `from` when `from` is inside it, and counts only snapshots from `from` on', async () => {
    const from = START + 4 * 60_000 + 30_000;
    const [first] = await chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(from), to: new Date(from + 600_000), interval: '5m' });
    expect(first.bucket.toISOString()).toBe(new Date(START).toISOString());
    const inside = snapshots.filter((s) => s.symbol === 'NIFTY' && s.expiry === expiry && s.timestamp >= from && s.timestamp < START + 300_000);
    expect(first.spot).toBe(inside.at(-1)!.spot);
  });

  it('keeps symbols and expiries apart, and answers an empty list where nothing is stored', async () => {
    const range = { from: new Date(START), to: new Date(START + 3_600_000), interval: '1h' as const };
    const sensexExpiry = snapshots.find((s) => s.symbol === 'SENSEX')!.expiry;
    const sensex = await chainHistory(database.db, { symbol: 'SENSEX', expiry: sensexExpiry, ...range });
    expectPoints(sensex, expected(snapshots, 'SENSEX', sensexExpiry, START, START + 3_600_000, '1h'));
    expect(await chainHistory(database.db, { symbol: 'NIFTY', expiry: '2031-01-01', ...range })).toEqual([]);
    expect(await chainHistory(database.db, { symbol: 'NIFTY', expiry, ...range, from: new Date(START - 7_200_000), to: new Date(START) })).toEqual([]);
  });

  it('refuses an empty or inverted range, naming `to`', async () => {
    const at = new Date(START);
    await expect(chainHistory(database.db, { symbol: 'NIFTY', expiry, from: at, to: at, interval: '1m' })).rejects.toMatchObject({
      name: 'ChainHistoryRangeError',
      argument: 'to',
    });
  });

  it(`refuses more than ${MAX_BUCKETS} buckets, naming \`interval\`, and accepts exactly ${MAX_BUCKETS}`, async () => {
    const from = new Date(START);
    const tooMany = chainHistory(database.db, { symbol: 'NIFTY', expiry, from, to: new Date(START + (MAX_BUCKETS + 1) * 60_000), interval: '1m' });
    await expect(tooMany).rejects.toBeInstanceOf(ChainHistoryRangeError);
    await expect(tooMany).rejects.toMatchObject({ argument: 'interval', message: expect.stringContaining(`${MAX_BUCKETS + 1} buckets`) });
    const exactly = await chainHistory(database.db, { symbol: 'NIFTY', expiry, from, to: new Date(START + MAX_BUCKETS * 60_000), interval: '1m' });
    expect(exactly.length).toBeGreaterThan(0);
    // Unaligned bounds touch one more bucket than their length suggests.
    const unaligned = chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(START + 1), to: new Date(START + MAX_BUCKETS * 60_000 + 1), interval: '1m' });
    await expect(unaligned).rejects.toMatchObject({ argument: 'interval' });
  });
});

/** Whether DATABASE_URL's server gives the test databases TimescaleDB. */
const timescale = await serverHasTimescale();

// TimescaleDB's own policies replace the retention job there, and its aggregates the rollups.
describe.skipIf(timescale)('chain history once retention folded the older snapshots into the rollup (PGlite, plain PostgreSQL)', () => {
  let database: DatabaseHandle;
  let snapshots: EnrichedSnapshot[];
  let expiry: string;
  /** Raw snapshots before it are folded into chain_rollup_1m and deleted. */
  const HORIZON = START + 20 * 60_000;
  const ranges = [
    { name: 'from the horizon on', from: HORIZON, to: START + 40 * 60_000 },
    { name: 'from the horizon on, unaligned', from: HORIZON + 25_000, to: START + 37 * 60_000 + 5_000 },
    { name: 'before the horizon', from: START, to: HORIZON },
    { name: 'across the horizon', from: START + 3 * 60_000, to: START + 38 * 60_000 + 10_000 },
  ];
  const ask = (range: { from: number; to: number }, interval: ChartInterval) =>
    chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(range.from), to: new Date(range.to), interval });
  const before = new Map<string, ChainHistoryPoint[]>();
  beforeAll(async () => {
    database = await openTestDatabase();
    snapshots = enrichedSnapshots();
    expiry = snapshots.find((s) => s.symbol === 'NIFTY')!.expiry;
    await database.write(snapshots);
    for (const range of ranges) for (const interval of Object.keys(CHART_INTERVALS) as ChartInterval[]) before.set(`${range.name} ${interval}`, await ask(range, interval));
    await advanceHorizons(database.db, { rawHorizon: new Date(HORIZON), historyHorizon: new Date(START - 86_400_000) });
    let folded = 0;
    for (let batch = await database.expireRaw(new Date(HORIZON), 100); batch.snapshots > 0; batch = await database.expireRaw(new Date(HORIZON), 100)) {
      folded += batch.snapshots;
    }
    expect(folded).toBe(snapshots.filter((s) => s.timestamp < HORIZON).length);
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(['1m', '5m', '15m', '1h', '1d'] as const)('answers a range from the horizon on exactly as before, from the raw snapshots, at %s', async (interval) => {
    for (const range of ranges.slice(0, 2)) expect(await ask(range, interval)).toEqual(before.get(`${range.name} ${interval}`));
  });

  it.each(['1m', '5m', '15m', '1h', '1d'] as const)('answers ranges before and across the horizon as before, to rounding, at %s', async (interval) => {
    for (const range of ranges.slice(2)) {
      const wanted = expected(snapshots, 'NIFTY', expiry, range.from, range.to, interval);
      expect(wanted.length).toBeGreaterThan(0);
      expectPoints(await ask(range, interval), wanted);
      expectPoints(before.get(`${range.name} ${interval}`)!, wanted);
    }
  });

  it('counts a folded minute whole, when it starts inside the range', async () => {
    // 30 s into a folded minute: that minute starts before `from` and is left out; raw, its later snapshots were in.
    const from = START + 4 * 60_000 + 30_000;
    const [first] = await ask({ from, to: HORIZON }, '5m');
    const wanted = expected(snapshots, 'NIFTY', expiry, START + 5 * 60_000, HORIZON, '5m');
    expectPoints([first], [wanted[0]]);
  });

  it('keeps symbols and expiries apart in the rollup', async () => {
    const sensexExpiry = snapshots.find((s) => s.symbol === 'SENSEX')!.expiry;
    const range = { from: new Date(START), to: new Date(START + 3_600_000), interval: '15m' as const };
    expectPoints(await chainHistory(database.db, { symbol: 'SENSEX', expiry: sensexExpiry, ...range }), expected(snapshots, 'SENSEX', sensexExpiry, START, START + 3_600_000, '15m'));
    expect(await chainHistory(database.db, { symbol: 'NIFTY', expiry: '2031-01-01', ...range })).toEqual([]);
  });
});

describe('cutting a range at bucket boundaries (whole buckets from an aggregate, the ends from raw rows)', () => {
  const at = (minutes: number, seconds = 0) => new Date(START + minutes * 60_000 + seconds * 1000);
  it('keeps whole 5-minute buckets whole and leaves the partial ends apart', () => {
    expect(splitAtBuckets(at(2), at(23, 10), '5m')).toEqual({ whole: { from: at(5), to: at(20) }, partial: [{ from: at(2), to: at(5) }, { from: at(20), to: at(23, 10) }] });
    expect(splitAtBuckets(at(5), at(20), '5m')).toEqual({ whole: { from: at(5), to: at(20) }, partial: [] });
  });
  it('answers one partial piece for a range inside one bucket, or across one boundary without a whole bucket', () => {
    expect(splitAtBuckets(at(1), at(3), '5m')).toEqual({ whole: null, partial: [{ from: at(1), to: at(3) }] });
    expect(splitAtBuckets(at(4), at(6), '5m')).toEqual({ whole: null, partial: [{ from: at(4), to: at(6) }] });
  });
});

describe.skipIf(!timescale)('chain history from the continuous aggregates, where TimescaleDB has them', () => {
  let database: DatabaseHandle;
  let snapshots: EnrichedSnapshot[];
  let expiry: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    snapshots = enrichedSnapshots();
    expiry = snapshots.find((s) => s.symbol === 'NIFTY')!.expiry;
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers from the materialized buckets as from the raw snapshots, and still does once the raw snapshots are gone', async () => {
    const range = { from: START + 30_000, to: START + 35 * 60_000 + 10_000 };
    const ask = (interval: ChartInterval, from = range.from, to = range.to) =>
      chainHistory(database.db, { symbol: 'NIFTY', expiry, from: new Date(from), to: new Date(to), interval });
    const aggregated = ['5m', '15m', '1h'] as const;
    // As their policies do: chain_straddle_* (the ATM straddle and strike) beside chain_summary_*.
    for (const suffix of aggregated) {
      for (const aggregate of ['chain_summary', 'chain_straddle']) {
        await refreshAggregate(database, `${aggregate}_${suffix}`, START - 3_600_000, START + 7_200_000);
      }
    }
    for (const interval of aggregated) expectPoints(await ask(interval), expected(snapshots, 'NIFTY', expiry, range.from, range.to, interval));
    // Delete the raw snapshots of the whole 5-minute buckets 5 to 30 minutes in: the materialized buckets still answer,
    // the raw ones (1m) no longer can.
    const gone = { from: START + 5 * 60_000, to: START + 30 * 60_000 };
    await database.db.execute(sql`delete from chain_snapshots where ts >= ${new Date(gone.from).toISOString()}::timestamptz and ts < ${new Date(gone.to).toISOString()}::timestamptz`);
    expectPoints(await ask('5m', gone.from, gone.to), expected(snapshots, 'NIFTY', expiry, gone.from, gone.to, '5m'));
    expect(await ask('1m', gone.from, gone.to)).toEqual([]);
  });
});

describe('the time-series indexes', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('leaves option_quotes with its primary key as its only B-tree, plus a BRIN index on ts where TimescaleDB refreshes aggregates', async () => {
    // A secondary B-tree on option_quotes halves the storage role's write rate
    // (migration 0002): one coming back must be a decision, not an accident.
    expect(database.timescale.timescale).toBe(timescale);
    const indexes = await database.db
      .select({ name: sql<string>`indexname`, definition: sql<string>`indexdef` })
      .from(sql`pg_indexes`)
      .where(sql`tablename = 'option_quotes'`)
      .orderBy(sql`indexname`);
    expect(indexes.map((i) => i.definition)).toEqual([
      expect.stringMatching(/UNIQUE INDEX .*\(symbol, expiry, ts, strike, option_type\)/),
      ...(timescale ? [expect.stringMatching(/INDEX option_quotes_ts_brin ON public\.option_quotes USING brin \(ts\)/)] : []),
    ]);
  });
});
