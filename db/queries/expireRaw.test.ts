import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asc, sql } from 'drizzle-orm';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';
import type { DatabaseHandle } from '../client.ts';
import { chainRollup1m, chainSnapshots, strikeRollup5m } from '../schema.ts';
import { countRows } from './readChain.ts';

/** Two symbols, three expiries, a snapshot each every 20 s for 16 minutes; some analytics blanked to exercise nulls. */
function snapshots(): EnrichedSnapshot[] {
  const out = simulatedEnrichedSnapshots(48, { symbols: ['NIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 3, seed: 21, secondsPerTick: 20 });
  out.forEach((s, i) => {
    if (i % 7 === 3) s.analytics = { ...s.analytics, maxPain: null, atmIv: null };
    if (i % 11 === 5) s.analytics = { ...s.analytics, pcrOi: null };
    if (i % 13 === 2 && s.rows[0].call) s.rows[0].call = { ...s.rows[0].call, iv: null, oi: null };
  });
  return out;
}

const floor = (ms: number, width: number) => Math.floor(ms / width) * width;

/** What chain_rollup_1m must hold for these snapshots, computed here. */
function expectedChainRollup(folded: EnrichedSnapshot[]) {
  const groups = new Map<string, EnrichedSnapshot[]>();
  for (const s of folded) {
    const key = `${s.symbol}|${s.expiry}|${floor(s.timestamp, 60_000)}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const sum = (values: (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
  const count = (values: (number | null)[]) => values.filter((v) => v !== null).length;
  return [...groups.entries()]
    .map(([key, group]) => {
      const last = group.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      const [symbol, expiry, bucket] = key.split('|');
      return {
        symbol,
        expiry,
        bucket: Number(bucket),
        snapshots: group.length,
        pcrOiSum: sum(group.map((s) => s.analytics.pcrOi)),
        pcrOiCount: count(group.map((s) => s.analytics.pcrOi)),
        atmIvSum: sum(group.map((s) => s.analytics.atmIv)),
        atmIvCount: count(group.map((s) => s.analytics.atmIv)),
        lastTs: last.timestamp,
        spotLast: last.spot,
        maxPainLast: last.analytics.maxPain,
        totalOiLast: last.analytics.totalCallOi + last.analytics.totalPutOi,
      };
    })
    .sort((a, b) => a.symbol.localeCompare(b.symbol) || a.expiry.localeCompare(b.expiry) || a.bucket - b.bucket);
}

/** What strike_rollup_5m must hold for these snapshots' quotes. */
function expectedStrikeRollup(folded: EnrichedSnapshot[]) {
  type Quote = { ts: number; oi: number | null; iv: number | null; volume: number | null };
  const groups = new Map<string, Quote[]>();
  for (const s of folded) {
    for (const row of s.rows) {
      for (const [type, quote] of [['CE', row.call], ['PE', row.put]] as const) {
        if (!quote) continue;
        const key = `${s.symbol}|${s.expiry}|${row.strike}|${type}|${floor(s.timestamp, 300_000)}`;
        groups.set(key, [...(groups.get(key) ?? []), { ts: s.timestamp, oi: quote.oi, iv: quote.iv, volume: quote.volume }]);
      }
    }
  }
  return new Map(
    [...groups.entries()].map(([key, group]) => {
      const last = group.reduce((a, b) => (b.ts > a.ts ? b : a));
      const present = (pick: (q: Quote) => number | null) => group.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
      const stats = (pick: (q: Quote) => number | null) => ({ sum: present(pick).reduce((a, b) => a + b, 0), count: present(pick).length });
      return [key, { samples: group.length, oi: stats((q) => q.oi), iv: stats((q) => q.iv), volume: stats((q) => q.volume), last }];
    }),
  );
}

/** expireRaw called until nothing is left before the horizon; the sizes of its batches. */
async function expireAll(database: DatabaseHandle, before: Date, limit: number): Promise<{ snapshots: number; quotes: number; batches: number[] }> {
  const total = { snapshots: 0, quotes: 0, batches: [] as number[] };
  for (;;) {
    const { snapshots, quotes } = await database.expireRaw(before, limit);
    if (snapshots === 0) return total;
    total.snapshots += snapshots;
    total.quotes += quotes;
    total.batches.push(snapshots);
  }
}

async function chainRollupRows(database: DatabaseHandle) {
  const rows = await database.db.select().from(chainRollup1m).orderBy(asc(chainRollup1m.symbol), asc(chainRollup1m.expiry), asc(chainRollup1m.bucket));
  return rows.map((r) => ({ ...r, bucket: r.bucket.getTime(), lastTs: r.lastTs.getTime() }));
}

function expectChainRollup(actual: Awaited<ReturnType<typeof chainRollupRows>>, wanted: ReturnType<typeof expectedChainRollup>) {
  expect(actual.map(({ symbol, expiry, bucket, snapshots, pcrOiCount, atmIvCount, lastTs, spotLast, maxPainLast, totalOiLast }) =>
    ({ symbol, expiry, bucket, snapshots, pcrOiCount, atmIvCount, lastTs, spotLast, maxPainLast, totalOiLast }),
  )).toEqual(wanted.map(({ pcrOiSum: _p, atmIvSum: _a, ...rest }) => rest));
  actual.forEach((row, i) => {
    expect(row.pcrOiSum).toBeCloseTo(wanted[i].pcrOiSum, 9);
    expect(row.atmIvSum).toBeCloseTo(wanted[i].atmIvSum, 12);
  });
}

describe('expiring raw snapshots into the rollups', () => {
  let database: DatabaseHandle;
  let written: EnrichedSnapshot[];
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  // Every case starts from the same stored snapshots and empty rollups.
  beforeEach(async () => {
    await database.db.execute(sql`truncate chain_snapshots, option_quotes, chain_rollup_1m, strike_rollup_5m`);
    written = snapshots();
    await database.write(written);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('deletes the snapshots before the horizon with their quotes, and folds them into per-minute chain analytics', async () => {
    const before = new Date(written[0].timestamp + 9 * 60_000 + 10_000);
    const folded = written.filter((s) => s.timestamp < before.getTime());
    const quotes = folded.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);
    const total = await countRows(database.db);
    expect(await expireAll(database, before, 10_000)).toMatchObject({ snapshots: folded.length, quotes });
    expect(await countRows(database.db)).toEqual({ snapshots: total.snapshots - folded.length, quotes: total.quotes - quotes });
    const [{ oldest }] = await database.db.select({ oldest: sql<Date>`min(${chainSnapshots.ts})`.mapWith(chainSnapshots.ts) }).from(chainSnapshots);
    expect(oldest.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expectChainRollup(await chainRollupRows(database), expectedChainRollup(folded));
    // Nothing left before the horizon: a second call deletes and folds nothing.
    expect(await database.expireRaw(before, 10_000)).toEqual({ snapshots: 0, quotes: 0 });
    expectChainRollup(await chainRollupRows(database), expectedChainRollup(folded));
  });

  it('folds the quotes into per-strike OI, IV and volume in 5-minute buckets, nulls left out of sums and counts', async () => {
    await expireAll(database, new Date(written.at(-1)!.timestamp + 1), 10_000);
    const wanted = expectedStrikeRollup(written);
    const rows = await database.db.select().from(strikeRollup5m);
    expect(rows).toHaveLength(wanted.size);
    expect(rows.some((r) => r.ivCount < r.samples)).toBe(true);
    for (const row of rows) {
      const want = wanted.get(`${row.symbol}|${row.expiry}|${row.strike}|${row.optionType}|${row.bucket.getTime()}`)!;
      expect(row.samples).toBe(want.samples);
      expect([row.oiCount, row.ivCount, row.volumeCount]).toEqual([want.oi.count, want.iv.count, want.volume.count]);
      expect(row.oiSum).toBeCloseTo(want.oi.sum, 6);
      expect(row.ivSum).toBeCloseTo(want.iv.sum, 12);
      expect(row.volumeSum).toBeCloseTo(want.volume.sum, 6);
      expect([row.lastTs.getTime(), row.oiLast, row.ivLast, row.volumeLast]).toEqual([want.last.ts, want.last.oi, want.last.iv, want.last.volume]);
    }
  });

  it('takes one 5-minute bucket at a time, oldest first, in batches of at most `limit`, into the same rollups as in one go', async () => {
    const before = new Date(written.at(-1)!.timestamp + 1);
    const firstBucketEnd = floor(written[0].timestamp, 300_000) + 300_000;
    const { snapshots: firstBatch } = await database.expireRaw(before, 1_000);
    expect(firstBatch).toBe(written.filter((s) => s.timestamp < firstBucketEnd).length);
    const { batches } = await expireAll(database, before, 7);
    expect(Math.max(...batches)).toBe(7);
    expect(firstBatch + batches.reduce((a, b) => a + b, 0)).toBe(written.length);
    expect(await countRows(database.db)).toEqual({ snapshots: 0, quotes: 0 });
    expectChainRollup(await chainRollupRows(database), expectedChainRollup(written));
  });

  it('merges a snapshot that arrives after its minute was folded, keeping the later last values', async () => {
    const nifty = written.filter((s) => s.symbol === 'NIFTY' && s.expiry === written[0].expiry);
    const minute = floor(nifty[0].timestamp, 60_000);
    const inMinute = nifty.filter((s) => floor(s.timestamp, 60_000) === minute);
    expect(inMinute.length).toBeGreaterThan(1);
    // Fold the whole first minute, then write its first snapshot again as a late arrival, with an earlier timestamp.
    await expireAll(database, new Date(minute + 60_000), 10_000);
    const late = { ...inMinute[0], id: 'late', timestamp: minute + 1, spot: 1 };
    await database.write([late]);
    await expireAll(database, new Date(minute + 60_000), 10_000);
    const [row] = (await chainRollupRows(database)).filter((r) => r.symbol === 'NIFTY' && r.expiry === late.expiry && r.bucket === minute);
    expect(row.snapshots).toBe(inMinute.length + 1);
    expect(row.lastTs).toBe(inMinute.at(-1)!.timestamp);
    expect(row.spotLast).toBe(inMinute.at(-1)!.spot);
  });

});
