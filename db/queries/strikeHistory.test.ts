import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, refreshAggregate, serverHasTimescale } from '../../test/database.ts';
import { HISTORY_START as START, historySnapshots } from '../../test/historySnapshots.ts';
import type { DatabaseHandle } from '../client.ts';
import type { EnrichedQuote, EnrichedSnapshot } from '../../core/models.ts';
import { CHART_INTERVALS } from './chainHistory.ts';
import { advanceHorizons } from './retentionState.ts';
import { STRIKE_INTERVALS, strikeHistory, type StrikeHistoryPoint, type StrikeInterval } from './strikeHistory.ts';

interface Series {
  symbol: string;
  expiry: string;
  strike: number;
  optionType: 'CE' | 'PE';
}

/** The same buckets computed in JavaScript from the snapshots (epoch-aligned buckets, as the origin 2000-01-03 is a UTC midnight). */
function expected(snapshots: EnrichedSnapshot[], series: Series, from: number, to: number, interval: StrikeInterval) {
  const ms = CHART_INTERVALS[interval].ms;
  const groups = new Map<number, (Pick<EnrichedQuote, 'oi' | 'iv' | 'volume' | 'ltp' | 'delta' | 'gamma' | 'theta' | 'vega'> & { ts: number })[]>();
  for (const s of snapshots) {
    if (s.symbol !== series.symbol || s.expiry !== series.expiry || s.timestamp < from || s.timestamp >= to) continue;
    const row = s.rows.find((r) => r.strike === series.strike);
    const quote = series.optionType === 'CE' ? row?.call : row?.put;
    if (!quote) continue;
    const bucket = Math.floor(s.timestamp / ms) * ms;
    groups.set(bucket, [...(groups.get(bucket) ?? []), { ...quote, ts: s.timestamp }]);
  }
  const mean = (values: (number | null)[]) => {
    const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
    return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, group]) => {
      const last = group.reduce((a, b) => (b.ts > a.ts ? b : a));
      const first = group.reduce((a, b) => (b.ts < a.ts ? b : a));
      const prices = group.map((q) => q.ltp).filter((v): v is number => v !== null);
      return {
        bucket: new Date(bucket),
        oiLast: last.oi,
        oiAvg: mean(group.map((q) => q.oi)),
        ivLast: last.iv,
        ivAvg: mean(group.map((q) => q.iv)),
        volumeLast: last.volume,
        volumeAvg: mean(group.map((q) => q.volume)),
        priceOpen: first.ltp,
        priceHigh: prices.length === 0 ? null : Math.max(...prices),
        priceLow: prices.length === 0 ? null : Math.min(...prices),
        priceClose: last.ltp,
        deltaLast: last.delta,
        gammaLast: last.gamma,
        thetaLast: last.theta,
        vegaLast: last.vega,
      };
    });
}

function expectPoints(actual: StrikeHistoryPoint[], wanted: ReturnType<typeof expected>) {
  expect(wanted.length).toBeGreaterThan(0);
  expect(actual.map((p) => p.bucket.toISOString())).toEqual(wanted.map((p) => p.bucket.toISOString()));
  actual.forEach((point, i) => {
    const want = wanted[i];
    for (const key of ['oiLast', 'ivLast', 'volumeLast', 'priceOpen', 'priceHigh', 'priceLow', 'priceClose', 'deltaLast', 'gammaLast', 'thetaLast', 'vegaLast'] as const) {
      expect(point[key], key).toBe(want[key]);
    }
    for (const key of ['oiAvg', 'ivAvg', 'volumeAvg'] as const) {
      if (want[key] === null) expect(point[key], key).toBeNull();
      else expect(point[key], key).toBeCloseTo(want[key], 6);
    }
  });
}

/**
 * historySnapshots with the puts' LTP blanked every 7th tick (20 s apart, so
 * the last of some 5-minute buckets, inside others): a bucket's first or last
 * price is sometimes null, and its high and low skip it.
 */
function strikeSnapshots(): EnrichedSnapshot[] {
  return historySnapshots().map((s) =>
    Math.round((s.timestamp - START) / 20_000) % 7 === 0 ? { ...s, rows: s.rows.map((row) => (row.put ? { ...row, put: { ...row.put, ltp: null } } : row)) } : s,
  );
}

/** A NIFTY strike present in every snapshot, with some blanked call IVs. */
function seriesOf(snapshots: EnrichedSnapshot[], optionType: 'CE' | 'PE'): Series {
  const nifty = snapshots.filter((s) => s.symbol === 'NIFTY');
  const expiry = nifty[0].expiry;
  const strikes = nifty.filter((s) => s.expiry === expiry).map((s) => new Set(s.rows.map((r) => r.strike)));
  const strike = [...strikes[0]].find((k) => strikes.every((set) => set.has(k)))!;
  return { symbol: 'NIFTY', expiry, strike, optionType };
}

const RANGES = [
  { name: 'aligned', from: START, to: START + 40 * 60_000 },
  { name: 'unaligned', from: START + 2 * 60_000 + 30_000, to: START + 37 * 60_000 + 10_000 },
];

describe('one strike and side over time', () => {
  let database: DatabaseHandle;
  let snapshots: EnrichedSnapshot[];
  let call: Series;
  beforeAll(async () => {
    database = await openTestDatabase();
    snapshots = strikeSnapshots();
    call = seriesOf(snapshots, 'CE');
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(STRIKE_INTERVALS)('matches a JavaScript computation over the same option rows at %s, calls and puts, aligned or not', async (interval) => {
    for (const series of [call, { ...call, optionType: 'PE' as const }]) {
      for (const range of RANGES) {
        const points = await strikeHistory(database.db, { ...series, from: new Date(range.from), to: new Date(range.to), interval });
        expectPoints(points, expected(snapshots, series, range.from, range.to, interval));
      }
    }
  });

  it('takes the latest row\'s IV even when it is null, and averages the others', async () => {
    const points = await strikeHistory(database.db, { ...call, from: new Date(START), to: new Date(START + 40 * 60_000), interval: '5m' });
    expect(points.some((p) => p.ivLast === null)).toBe(true);
    expect(points.every((p) => p.ivAvg !== null)).toBe(true);
  });

  it('gives each bucket the price OHLC, high ≥ open, close ≥ low, and the latest Greeks, skipping a missing price in the high and low', async () => {
    const points = await strikeHistory(database.db, { ...call, optionType: 'PE', from: new Date(START), to: new Date(START + 40 * 60_000), interval: '5m' });
    expect(points.some((p) => p.priceOpen === null || p.priceClose === null)).toBe(true);
    for (const p of points) {
      expect(p.priceHigh).not.toBeNull();
      for (const price of [p.priceOpen, p.priceClose]) if (price !== null) expect(p.priceLow! <= price && price <= p.priceHigh!).toBe(true);
      expect(p.deltaLast! < 0 && p.gammaLast! > 0 && p.vegaLast! > 0).toBe(true);
    }
  });

  it('answers an empty list for a strike that is not stored, and refuses a bad request', async () => {
    const range = { from: new Date(START), to: new Date(START + 3_600_000) };
    expect(await strikeHistory(database.db, { ...call, strike: call.strike + 0.5, ...range, interval: '15m' })).toEqual([]);
    await expect(strikeHistory(database.db, { ...call, ...range, interval: '1m' as StrikeInterval })).rejects.toMatchObject({ argument: 'interval' });
    await expect(strikeHistory(database.db, { ...call, from: range.to, to: range.from, interval: '5m' })).rejects.toMatchObject({ argument: 'to' });
    await expect(strikeHistory(database.db, { ...call, optionType: 'XX' as 'CE', ...range, interval: '5m' })).rejects.toThrow(/CE or PE/);
  });
});

/** Whether DATABASE_URL's server gives the test databases TimescaleDB. */
const timescale = await serverHasTimescale();

// TimescaleDB's own policies replace the retention job there.
describe.skipIf(timescale)('one strike over time once retention folded the older rows into strike_rollup_5m (PGlite, plain PostgreSQL)', () => {
  let database: DatabaseHandle;
  let snapshots: EnrichedSnapshot[];
  let call: Series;
  const HORIZON = START + 20 * 60_000;
  beforeAll(async () => {
    database = await openTestDatabase();
    snapshots = strikeSnapshots();
    call = seriesOf(snapshots, 'CE');
    await database.write(snapshots);
    await advanceHorizons(database.db, { rawHorizon: new Date(HORIZON), historyHorizon: new Date(START - 86_400_000) });
    while ((await database.expireRaw(new Date(HORIZON), 100)).snapshots > 0);
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(STRIKE_INTERVALS)('answers ranges before and across the horizon as the raw rows did, at %s', async (interval) => {
    for (const range of [{ from: START, to: HORIZON }, { from: START + 5 * 60_000, to: START + 38 * 60_000 + 10_000 }]) {
      const points = await strikeHistory(database.db, { ...call, from: new Date(range.from), to: new Date(range.to), interval });
      expectPoints(points, expected(snapshots, call, range.from, range.to, interval));
    }
  });
});

describe.skipIf(!timescale)('one strike over time from strike_stats, where TimescaleDB has it', () => {
  let database: DatabaseHandle;
  let snapshots: EnrichedSnapshot[];
  let call: Series;
  beforeAll(async () => {
    database = await openTestDatabase();
    snapshots = strikeSnapshots();
    call = seriesOf(snapshots, 'CE');
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers from the materialized buckets as from the raw rows, and still does once the raw rows are gone', async () => {
    for (const suffix of ['stats_5m', 'stats_15m', 'stats_1h', 'prices_5m', 'prices_15m', 'prices_1h']) {
      await refreshAggregate(database, `strike_${suffix}`, START - 3_600_000, START + 7_200_000);
    }
    const range = RANGES[1];
    for (const interval of ['5m', '15m', '1h'] as const) {
      expectPoints(await strikeHistory(database.db, { ...call, from: new Date(range.from), to: new Date(range.to), interval }), expected(snapshots, call, range.from, range.to, interval));
    }
    const gone = { from: START + 5 * 60_000, to: START + 30 * 60_000 };
    await database.db.execute(sql`delete from option_quotes where ts >= ${new Date(gone.from).toISOString()}::timestamptz and ts < ${new Date(gone.to).toISOString()}::timestamptz`);
    const ask = (interval: StrikeInterval) => strikeHistory(database.db, { ...call, from: new Date(gone.from), to: new Date(gone.to), interval });
    expectPoints(await ask('5m'), expected(snapshots, call, gone.from, gone.to, '5m'));
    // 1d reads the raw rows, which are gone.
    expect(await ask('1d')).toEqual([]);
  });
});
