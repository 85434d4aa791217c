/**
 * The contract of the two option-row stores: PGlite packs a snapshot's rows
 * into one block (db/queries/writeSnapshots.ts), PostgreSQL keeps a row per
 * option (db/queries/copySnapshots.ts). The same assertions run against
 * each (PostgreSQL when DATABASE_URL is set): what is written reads back bit
 * for bit through findChain/findQuotes/toEnrichedSnapshot, counts agree, a
 * replay adds nothing, and the retention job folds the same rollups. An
 * embedded database written before the packed format (rows in option_quotes)
 * keeps answering the same after the upgrade.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asc, sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { countRows, findChain, findEnrichedChain, findQuotes, toEnrichedSnapshot } from '../db/queries/readChain.ts';
import { chainSnapshots, optionQuotes, strikeRollup5m } from '../db/schema.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openTestDatabase } from './database.ts';
import { simulatedEnrichedSnapshots } from './fixtures.ts';

const quoteCount = (snapshots: readonly EnrichedSnapshot[]) => snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);

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

/** Simulated chains with awkward values: doubles at the edges, prices off the tick grid, a source IV, text needing escapes. */
function awkwardSnapshots(): EnrichedSnapshot[] {
  const snapshots = simulatedEnrichedSnapshots(4, { symbols: ['NIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 6, seed: 11 });
  const call = snapshots[0].rows[0].call!;
  call.quality = 'tab\there ✓ "quoted"';
  call.delta = -0;
  call.gamma = 5e-324;
  call.vega = Number.MAX_VALUE;
  call.ltp = 0.1 + 0.2;
  call.oi = 2 ** 53 - 1;
  call.bidQty = 12.5;
  snapshots[0].rows[1].put!.sourceIv = 0.1234567890123;
  snapshots[1].rows[2].call = null;
  return snapshots;
}

const backends: [string, () => Promise<DatabaseHandle>][] = [['PGlite (packed blocks)', () => openDatabase()]];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL (a row per option)', openTestDatabase]);

describe.each(backends)('the option-row store on %s', (_name, open) => {
  let database: DatabaseHandle;
  beforeEach(async () => {
    database = await open();
  }, 120_000);
  afterEach(async () => {
    await database?.close();
  });

  it('reads every snapshot back bit for bit, latest and at an instant, and counts its rows', async () => {
    const snapshots = awkwardSnapshots();
    expect(await database.write(snapshots)).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
    expect(await countRows(database.db)).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
    for (const snapshot of snapshots) {
      const stored = (await findChain(database.db, snapshot.symbol, snapshot.expiry, new Date(snapshot.timestamp)))!;
      expect(bits(toEnrichedSnapshot(stored))).toEqual(bits(snapshot));
      expect(bits(await findEnrichedChain(database.db, snapshot.symbol, snapshot.expiry, new Date(snapshot.timestamp)))).toEqual(bits(snapshot));
      expect(bits(await findQuotes(database.db, snapshot.symbol, snapshot.expiry, stored.snapshot.ts))).toEqual(bits(stored.quotes));
    }
    const latest = snapshots.at(-1)!;
    expect(bits(toEnrichedSnapshot((await findChain(database.db, latest.symbol, latest.expiry))!))).toEqual(bits(latest));
    expect(bits(await findEnrichedChain(database.db, latest.symbol, latest.expiry))).toEqual(bits(latest));
  });

  it("keeps each side's previous close, and reads the rows of a database written before it was kept (migration 0014) with none", async () => {
    const snapshots = simulatedEnrichedSnapshots(2, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 4, seed: 3 });
    const closes = (s: EnrichedSnapshot) => s.rows.flatMap((r) => [r.call?.previousClose, r.put?.previousClose]);
    expect(closes(snapshots[0]).every((c) => typeof c === 'number' && c > 0)).toBe(true);
    await database.write(snapshots.slice(0, 1));
    const [first, second] = snapshots;
    expect(closes((await findEnrichedChain(database.db, first.symbol, first.expiry))!)).toEqual(closes(first));
    // Rows written before the column existed have it null (the packed blocks of that time: core/packedQuotes.test.ts).
    await writeAsRows(database, [second]);
    await database.db.execute(sql`update option_quotes set previous_close = null`);
    const old = (await findEnrichedChain(database.db, second.symbol, second.expiry, new Date(second.timestamp)))!;
    expect(closes(old).every((c) => c === null)).toBe(true);
    const withoutCloses = (s: EnrichedSnapshot) => s.rows.map((r) => ({ ...r, call: r.call && { ...r.call, previousClose: null }, put: r.put && { ...r.put, previousClose: null } }));
    expect(bits(old.rows)).toEqual(bits(withoutCloses(second)));
  });

  it('stores non-finite numbers as null', async () => {
    const [snapshot] = simulatedEnrichedSnapshots(1, { strikesEachSide: 2, seed: 5 });
    snapshot.rows[0].call!.iv = Number.NaN;
    snapshot.rows[0].call!.vega = Number.POSITIVE_INFINITY;
    snapshot.rows[1].put!.oi = Number.NEGATIVE_INFINITY;
    await database.write([snapshot]);
    const read = toEnrichedSnapshot((await findChain(database.db, snapshot.symbol, snapshot.expiry))!);
    expect([read.rows[0].call!.iv, read.rows[0].call!.vega, read.rows[1].put!.oi]).toEqual([null, null, null]);
    expect(read.rows[0].call!.delta).toBe(snapshot.rows[0].call!.delta);
  });

  it('adds nothing when a batch is written again, whole or in part', async () => {
    const snapshots = awkwardSnapshots();
    await database.write(snapshots);
    await database.write(snapshots.slice(2));
    await database.write(snapshots);
    expect(await countRows(database.db)).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
  });

  it('folds expired snapshots into the per-strike rollup: every quote once, its OI, IV and volume', async () => {
    const snapshots = simulatedEnrichedSnapshots(12, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 3, seed: 4, secondsPerTick: 30 });
    await database.write(snapshots);
    let expired = { snapshots: 0, quotes: 0 };
    for (let more = true; more; ) {
      const batch = await database.expireRaw(new Date(snapshots.at(-1)!.timestamp + 1), 5);
      expired = { snapshots: expired.snapshots + batch.snapshots, quotes: expired.quotes + batch.quotes };
      more = batch.snapshots > 0;
    }
    expect(expired).toEqual({ snapshots: snapshots.length, quotes: quoteCount(snapshots) });
    expect(await countRows(database.db)).toEqual({ snapshots: 0, quotes: 0 });
    const [folded] = await database.db
      .select({ samples: sql<number>`sum(${strikeRollup5m.samples})::int`, oi: sql<number>`sum(${strikeRollup5m.oiSum})::float8` })
      .from(strikeRollup5m);
    const sides = snapshots.flatMap((s) => s.rows.flatMap((r) => [r.call, r.put]).filter((q) => q !== null));
    expect(folded.samples).toBe(quoteCount(snapshots));
    expect(folded.oi).toBeCloseTo(sides.reduce((n, q) => n + (q!.oi ?? 0), 0), 6);
  });

  it('answers the same for snapshots whose rows are in option_quotes (a database written before the packed format)', async () => {
    const snapshots = simulatedEnrichedSnapshots(3, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 4, seed: 8, secondsPerTick: 30 });
    await writeAsRows(database, snapshots.slice(0, 2));
    await database.write(snapshots.slice(2));
    expect(await countRows(database.db)).toEqual({ snapshots: 3, quotes: quoteCount(snapshots) });
    for (const snapshot of snapshots) {
      const stored = (await findChain(database.db, snapshot.symbol, snapshot.expiry, new Date(snapshot.timestamp)))!;
      expect(bits(toEnrichedSnapshot(stored))).toEqual(bits(snapshot));
    }
    const expired = await database.expireRaw(new Date(snapshots.at(-1)!.timestamp + 1), 100);
    expect(expired).toEqual({ snapshots: 3, quotes: quoteCount(snapshots) });
    const rollup = await database.db.select().from(strikeRollup5m).orderBy(asc(strikeRollup5m.strike), asc(strikeRollup5m.optionType));
    expect(rollup.reduce((n, r) => n + r.samples, 0)).toBe(quoteCount(snapshots));
  });
});

/** The shape embedded databases had before the packed format: the snapshot row without a block, a row per option in option_quotes. */
async function writeAsRows(database: DatabaseHandle, snapshots: EnrichedSnapshot[]): Promise<void> {
  await database.write(snapshots);
  if (database.kind === 'postgres') return;
  await database.db.update(chainSnapshots).set({ packedQuotes: null, packedQuoteCount: null });
  for (const s of snapshots) {
    const ts = new Date(s.timestamp);
    const rows = s.rows.flatMap((r) => [
      ...(r.call ? [{ ts, symbol: s.symbol, expiry: s.expiry, strike: r.strike, optionType: 'CE', ...r.call }] : []),
      ...(r.put ? [{ ts, symbol: s.symbol, expiry: s.expiry, strike: r.strike, optionType: 'PE', ...r.put }] : []),
    ]);
    await database.db.insert(optionQuotes).values(rows);
  }
}
