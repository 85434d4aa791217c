import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, refreshAggregate, serverHasTimescale } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { analyticsMood } from '../schema.ts';
import { CHART_INTERVALS, type ChartInterval } from './chainHistory.ts';
import { moodHistory, type MoodHistoryPoint } from './moodHistory.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Two days back, inside every refresh window and far from any retention. */
const START = Math.floor(Date.now() / DAY) * DAY - 2 * DAY + 4 * HOUR;

interface MoodRow {
  ts: number;
  symbol: string;
  spot: number;
  vix: number | null;
  moodIndex: number | null;
}

/**
 * NIFTY and BANKNIFTY every 15 s for 2 h 10 min from START: the mood index
 * null every 7th row (the last of some 5-minute buckets, inside others) and
 * for the whole 5-minute bucket 40 minutes in, VIX null every 11th row.
 */
function moodRows(): MoodRow[] {
  const rows: MoodRow[] = [];
  for (const [s, symbol] of ['NIFTY', 'BANKNIFTY'].entries()) {
    for (let i = 0; i < 520; i++) {
      const ts = START + i * 15_000;
      const quiet = ts >= START + 40 * MINUTE && ts < START + 45 * MINUTE;
      rows.push({
        ts,
        symbol,
        spot: (s === 0 ? 24_000 : 52_000) + Math.round(100 * Math.sin(i / 9)) / 4,
        vix: i % 11 === 0 ? null : 13 + ((i * 7) % 30) / 10,
        moodIndex: i % 7 === 0 || quiet ? null : 50 + 40 * Math.sin(i / 5 + s),
      });
    }
  }
  return rows;
}

/** The same buckets computed in JavaScript (the origin 2000-01-03 is a UTC midnight, so buckets are epoch-aligned). */
function expected(rows: MoodRow[], symbol: string, from: number, to: number, interval: ChartInterval): MoodHistoryPoint[] {
  const ms = CHART_INTERVALS[interval].ms;
  const groups = new Map<number, MoodRow[]>();
  for (const row of rows) {
    if (row.symbol !== symbol || row.ts < from || row.ts >= to) continue;
    const bucket = Math.floor(row.ts / ms) * ms;
    groups.set(bucket, [...(groups.get(bucket) ?? []), row]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, group]) => {
      const last = group.reduce((a, b) => (b.ts > a.ts ? b : a));
      const moods = group.flatMap((r) => (r.moodIndex === null ? [] : [r.moodIndex]));
      return {
        bucket: new Date(bucket),
        moodIndexAverage: moods.length === 0 ? null : moods.reduce((a, b) => a + b, 0) / moods.length,
        moodIndexLast: last.moodIndex,
        spotLast: last.spot,
        vixLast: last.vix,
        samples: group.length,
      };
    });
}

function expectPoints(actual: MoodHistoryPoint[], wanted: MoodHistoryPoint[]) {
  expect(actual.map((p) => p.bucket.toISOString())).toEqual(wanted.map((p) => p.bucket.toISOString()));
  actual.forEach((point, i) => {
    const { moodIndexAverage, ...exact } = wanted[i];
    expect(point).toMatchObject(exact);
    if (moodIndexAverage === null) expect(point.moodIndexAverage).toBeNull();
    else expect(point.moodIndexAverage).toBeCloseTo(moodIndexAverage, 10);
  });
}

async function store(database: DatabaseHandle, rows: MoodRow[]) {
  await database.db.insert(analyticsMood).values(
    rows.map((r) => ({ ...r, ts: new Date(r.ts), sessionDate: new Date(r.ts).toISOString().slice(0, 10), vpin: null, intelligence: {} })),
  );
}

/** Refreshes the mood aggregates over every stored row (TimescaleDB). */
async function refreshMoodAggregates(database: DatabaseHandle) {
  for (const suffix of ['5m', '15m', '1h']) {
    await refreshAggregate(database, `analytics_mood_${suffix}`, START - HOUR, START + 4 * HOUR);
  }
}

/** Whether DATABASE_URL's server gives the test databases TimescaleDB. */
const timescale = await serverHasTimescale();

/** Unaligned at every interval: partial buckets at both ends, whole ones between. */
const RANGE = { from: START + 40_000, to: START + 2 * HOUR + 7 * MINUTE + 10_000 };

describe(`mood history by time bucket (${timescale ? 'whole buckets from the continuous aggregates, the ends from the raw rows' : 'the raw rows'})`, () => {
  let database: DatabaseHandle;
  const rows = moodRows();
  const ask = (interval: ChartInterval, symbol = 'NIFTY', range = RANGE) => moodHistory(database.db, { symbol, from: new Date(range.from), to: new Date(range.to), interval });
  beforeAll(async () => {
    database = await openTestDatabase();
    await store(database, rows);
    if (timescale) await refreshMoodAggregates(database);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it.each(['1m', '5m', '15m', '1h', '1d'] as const)('matches a JavaScript computation over the stored rows at %s', async (interval) => {
    const wanted = expected(rows, 'NIFTY', RANGE.from, RANGE.to, interval);
    expect(wanted.length).toBeGreaterThan(0);
    expectPoints(await ask(interval), wanted);
  });

  it('averages the mood index without its nulls (null when all are null) and takes the last values as they are, even null', async () => {
    const points = await ask('5m');
    const quiet = points.find((p) => p.bucket.getTime() === START + 40 * MINUTE)!;
    expect(quiet).toMatchObject({ moodIndexAverage: null, samples: 20 });
    const nullLast = points.filter((p) => p.moodIndexLast === null && p.moodIndexAverage !== null);
    expect(nullLast.length).toBeGreaterThan(0);
    expect(points.some((p) => p.vixLast === null)).toBe(true);
  });

  it('keeps symbols apart, and answers an empty list where nothing is stored', async () => {
    expectPoints(await ask('15m', 'BANKNIFTY'), expected(rows, 'BANKNIFTY', RANGE.from, RANGE.to, '15m'));
    expect(await ask('1h', 'SENSEX')).toEqual([]);
    expect(await ask('5m', 'NIFTY', { from: START - 2 * HOUR, to: START })).toEqual([]);
  });

  it('refuses an empty range and too many buckets, as chainHistory does', async () => {
    await expect(ask('5m', 'NIFTY', { from: START, to: START })).rejects.toMatchObject({ name: 'ChainHistoryRangeError', argument: 'to' });
    await expect(ask('1m', 'NIFTY', { from: START, to: START + 6 * DAY })).rejects.toMatchObject({ argument: 'interval' });
  });
});

describe.skipIf(!timescale)('mood history from the continuous aggregates, where TimescaleDB has them', () => {
  let database: DatabaseHandle;
  const rows = moodRows();
  const ask = (interval: ChartInterval, range = RANGE) => moodHistory(database.db, { symbol: 'NIFTY', from: new Date(range.from), to: new Date(range.to), interval });
  beforeAll(async () => {
    database = await openTestDatabase();
    await store(database, rows);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('answers as the raw rows before and after materializing, and from the materialized buckets once the raw rows are gone', async () => {
    const aggregated = ['5m', '15m', '1h'] as const;
    // Not yet materialized: the real-time part of the aggregates reads the raw rows.
    for (const interval of aggregated) expectPoints(await ask(interval), expected(rows, 'NIFTY', RANGE.from, RANGE.to, interval));
    await refreshMoodAggregates(database);
    for (const interval of aggregated) expectPoints(await ask(interval), expected(rows, 'NIFTY', RANGE.from, RANGE.to, interval));
    // Delete the raw rows of the whole 5-minute buckets 10 to 60 minutes in: the materialized buckets still answer
    // them, the partial ends still come from the raw rows, and the raw-only interval (1m) has only the ends.
    const gone = { from: START + 10 * MINUTE, to: START + 60 * MINUTE };
    await database.db.execute(sql`delete from analytics_mood where ts >= ${new Date(gone.from).toISOString()}::timestamptz and ts < ${new Date(gone.to).toISOString()}::timestamptz`);
    const range = { from: START + 7 * MINUTE + 30_000, to: START + 62 * MINUTE + 15_000 };
    expectPoints(await ask('5m', range), expected(rows, 'NIFTY', range.from, range.to, '5m'));
    const remaining = rows.filter((r) => r.ts < gone.from || r.ts >= gone.to);
    expectPoints(await ask('1m', range), expected(remaining, 'NIFTY', range.from, range.to, '1m'));
    expect((await ask('1m', range)).map((p) => p.bucket.getTime())).toEqual([7, 8, 9, 60, 61, 62].map((m) => START + m * MINUTE));
  });
});
