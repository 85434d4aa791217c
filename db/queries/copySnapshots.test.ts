/**
 * The binary COPY path (PostgreSQL only): what is written reads back bit for
 * bit, and a replayed batch adds nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';
import type { DatabaseHandle } from '../client.ts';
import { countRows, findChain, toEnrichedSnapshot } from './readChain.ts';
import { splitByExpiry } from './copySnapshots.ts';

const quoteCount = (snapshots: readonly EnrichedSnapshot[]) =>
  snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);

/** Bit patterns, so -0 and 0 (or any two doubles) never compare equal by accident. */
function bits(value: unknown): unknown {
  if (typeof value === 'number') {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    return `f64:${view.getBigUint64(0).toString(16)}`;
  }
  if (Array.isArray(value)) return value.map(bits);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bits(v)]));
  return value;
}

/** Simulated chains, with awkward values injected: text needing escapes, extreme and negative-zero doubles, dates around 2000. */
function awkwardSnapshots(): EnrichedSnapshot[] {
  const snapshots = simulatedEnrichedSnapshots(3, { symbols: ['NIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 6, seed: 11 });
  const [first, second, third] = snapshots;
  const call = first.rows[0].call!;
  call.quality = 'tab\there\nnewline\\backslash\r\\N "quoted" ünïcödé ✓ 😀';
  call.delta = -0;
  call.gamma = 5e-324;
  call.vega = Number.MAX_VALUE;
  call.theta = 0.1 + 0.2;
  call.rho = null;
  first.rows[1].put!.quality = '\\N';
  first.rows[2].put!.quality = '';
  first.id = `id\t\n\\ ✓ ${first.id}`;
  first.forwardSource = 'future';
  first.rejects = { 'odd\tkey ✓': 2, 'back\\slash': 1 };
  // Before PostgreSQL's epoch (negative microseconds and days), and a far expiry.
  second.timestamp = Date.UTC(1999, 11, 31, 23, 59, 59, 999);
  second.processedAt = second.timestamp + 5;
  second.expiry = '1999-12-31';
  third.expiry = '2100-03-01';
  third.timestamp = Date.UTC(2100, 1, 28, 4, 3, 2, 1);
  third.processedAt = third.timestamp + 1;
  return snapshots;
}

describe('splitting a batch by expiry', () => {
  const seriesOf = (group: EnrichedSnapshot[]) => new Set(group.map((s) => `${s.symbol}|${s.expiry}`));

  it('keeps a small batch whole', () => {
    const snapshots = simulatedEnrichedSnapshots(3, { symbols: ['NIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 6, seed: 1 });
    expect(splitByExpiry(snapshots, 4)).toEqual([snapshots]);
  });

  it('splits a large batch into groups of whole series, balanced, each in batch order, nothing lost', () => {
    const snapshots = simulatedEnrichedSnapshots(40, { symbols: ['NIFTY', 'BANKNIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 20, seed: 3 });
    const groups = splitByExpiry(snapshots, 2);
    expect(groups).toHaveLength(2);
    const [a, b] = groups.map(seriesOf);
    for (const series of a) expect(b.has(series)).toBe(false);
    expect(groups.flat().sort((x, y) => snapshots.indexOf(x) - snapshots.indexOf(y))).toEqual(snapshots);
    for (const group of groups) {
      const positions = group.map((s) => snapshots.indexOf(s));
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    }
    // Six series of (nearly) equal size: three each, within one series' rows of even.
    expect(groups.map((g) => seriesOf(g).size)).toEqual([3, 3]);
    const [rowsA, rowsB] = groups.map(quoteCount);
    expect(Math.abs(rowsA - rowsB)).toBeLessThan(quoteCount(snapshots) / 6);
  });

  it('never makes more groups than series', () => {
    const snapshots = simulatedEnrichedSnapshots(200, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 20, seed: 4 });
    expect(splitByExpiry(snapshots, 8)).toHaveLength(1);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('binary COPY into PostgreSQL', () => {
  let database: DatabaseHandle;
  beforeEach(async () => {
    database = await openTestDatabase();
  });
  afterEach(async () => {
    await database.close();
  });

  it('reads every snapshot back exactly as written', async () => {
    const snapshots = awkwardSnapshots();
    const written = await database.write(snapshots);
    expect(written).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
    expect(await countRows(database.db)).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
    for (const snapshot of snapshots) {
      const stored = await findChain(database.db, snapshot.symbol, snapshot.expiry, new Date(snapshot.timestamp));
      expect(stored, `${snapshot.symbol} ${snapshot.expiry} ${snapshot.timestamp}`).not.toBeNull();
      const read = toEnrichedSnapshot(stored!);
      expect(read.timestamp).toBe(snapshot.timestamp);
      expect(bits(read)).toEqual(bits(snapshot));
    }
  });

  it('stores non-finite numbers as NULL', async () => {
    const [snapshot] = simulatedEnrichedSnapshots(1, { strikesEachSide: 2, seed: 5 });
    const call = snapshot.rows[0].call!;
    call.iv = Number.NaN;
    call.vega = Number.POSITIVE_INFINITY;
    snapshot.vix = Number.NEGATIVE_INFINITY;
    await database.write([snapshot]);
    const read = toEnrichedSnapshot((await findChain(database.db, snapshot.symbol, snapshot.expiry))!);
    expect(read.rows[0].call!.iv).toBeNull();
    expect(read.rows[0].call!.vega).toBeNull();
    expect(read.vix).toBeNull();
  });

  it('adds no row when the same batch is written again, whole or in part', async () => {
    const snapshots = awkwardSnapshots();
    await database.write(snapshots);
    const before = await countRows(database.db);
    expect(await database.write(snapshots)).toEqual({ snapshots: snapshots.length, quotes: 0 });
    await database.write(snapshots.slice(2));
    expect(await countRows(database.db)).toEqual(before);
  });

  it('streams a batch larger than one chunk', async () => {
    const snapshots = simulatedEnrichedSnapshots(60, { symbols: ['NIFTY', 'BANKNIFTY', 'SENSEX'], strikesEachSide: 20, seed: 2 });
    const written = await database.write(snapshots);
    expect(written.quotes).toBe(quoteCount(snapshots));
    expect(await countRows(database.db)).toEqual({ snapshots: snapshots.length, quotes: written.quotes });
    const last = snapshots.at(-1)!;
    expect(bits(toEnrichedSnapshot((await findChain(database.db, last.symbol, last.expiry))!))).toEqual(bits(last));
  });

  it('writes a batch split across transactions, and a retry after one of them failed adds exactly what was missing', async () => {
    const snapshots = simulatedEnrichedSnapshots(60, { symbols: ['NIFTY', 'BANKNIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 20, seed: 9 });
    const groups = splitByExpiry(snapshots, 2);
    expect(groups).toHaveLength(2);
    // The encoder refuses a fractional lot size: one group's transaction fails, the other commits.
    const broken = groups[1][0];
    const lotSize = broken.lotSize;
    broken.lotSize = 1.5;
    await expect(database.write(snapshots)).rejects.toThrow(/not an int4: 1.5/);
    const committed = await countRows(database.db);
    expect(committed).toEqual({ snapshots: groups[0].length, quotes: quoteCount(groups[0]) });
    broken.lotSize = lotSize;
    expect(await database.write(snapshots)).toEqual({ snapshots: snapshots.length, quotes: quoteCount(groups[1]) });
    expect(await countRows(database.db)).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
  });
});
