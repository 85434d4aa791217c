/**
 * Storing and reading NSE's daily institutional data (tables in
 * db/schema.ts, rows parsed by core/participants.ts). A row already stored
 * with the same figures is left alone and counted unchanged, so importing a
 * file again changes nothing; a row with other figures (NSE revises the
 * provisional cash data) replaces the stored one and is counted changed.
 */
import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { cashFlows, participantPositions } from '../schema.ts';
import { PARTICIPANT_COLUMNS, type CashCategory, type CashFlow, type Participant, type ParticipantColumn, type ParticipantPosition } from '../../core/participants.ts';

export interface StoreCounts {
  added: number;
  changed: number;
  unchanged: number;
}

const FIGURES = Object.keys(PARTICIPANT_COLUMNS) as ParticipantColumn[];

export async function storeParticipantPositions(db: Database, rows: readonly ParticipantPosition[]): Promise<StoreCounts> {
  const counts: StoreCounts = { added: 0, changed: 0, unchanged: 0 };
  if (rows.length === 0) return counts;
  const stored = await db
    .select()
    .from(participantPositions)
    .where(inArray(participantPositions.date, [...new Set(rows.map((r) => r.date))]));
  const byKey = new Map(stored.map((r) => [`${r.date}|${r.participant}`, r]));
  const toWrite = rows.filter((row) => tally(counts, byKey.get(`${row.date}|${row.participant}`), (old) => FIGURES.every((f) => old[f] === row[f])));
  if (toWrite.length > 0) {
    const set = Object.fromEntries(FIGURES.map((f) => [f, sqlExcluded(participantPositions[f].name)]));
    await db.insert(participantPositions).values(toWrite).onConflictDoUpdate({ target: [participantPositions.date, participantPositions.participant], set });
  }
  return counts;
}

export async function storeCashFlows(db: Database, rows: readonly CashFlow[]): Promise<StoreCounts> {
  const counts: StoreCounts = { added: 0, changed: 0, unchanged: 0 };
  if (rows.length === 0) return counts;
  const stored = await db
    .select()
    .from(cashFlows)
    .where(inArray(cashFlows.date, [...new Set(rows.map((r) => r.date))]));
  const byKey = new Map(stored.map((r) => [`${r.date}|${r.category}`, r]));
  const toWrite = rows.filter((row) =>
    tally(counts, byKey.get(`${row.date}|${row.category}`), (old) => old.buyCrore === row.buyCrore && old.sellCrore === row.sellCrore && old.netCrore === row.netCrore),
  );
  if (toWrite.length > 0) {
    await db
      .insert(cashFlows)
      .values(toWrite)
      .onConflictDoUpdate({
        target: [cashFlows.date, cashFlows.category],
        set: { buyCrore: sqlExcluded('buy_crore'), sellCrore: sqlExcluded('sell_crore'), netCrore: sqlExcluded('net_crore') },
      });
  }
  return counts;
}

/** Whether any participant file was ever imported. */
export async function hasParticipantData(db: Database): Promise<boolean> {
  const [row] = await db.select({ date: participantPositions.date }).from(participantPositions).limit(1);
  return row !== undefined;
}

/** Participant rows with from ≤ date ≤ to, by date then participant. */
export async function readParticipantPositions(db: Database, from: string, to: string): Promise<ParticipantPosition[]> {
  const rows = await db
    .select()
    .from(participantPositions)
    .where(and(gte(participantPositions.date, from), lte(participantPositions.date, to)))
    .orderBy(asc(participantPositions.date), asc(participantPositions.participant));
  return rows.map((r) => ({ ...r, participant: r.participant as Participant }));
}

/** The rows of the last trading day before `from` with participant rows, empty when none (for the first day's change). */
export async function participantDayBefore(db: Database, from: string): Promise<ParticipantPosition[]> {
  const [last] = await db.select({ date: participantPositions.date }).from(participantPositions).where(lt(participantPositions.date, from)).orderBy(desc(participantPositions.date)).limit(1);
  if (!last) return [];
  return readParticipantPositions(db, last.date, last.date);
}

/** Cash rows with from ≤ date ≤ to, by date then category. */
export async function readCashFlows(db: Database, from: string, to: string): Promise<CashFlow[]> {
  const rows = await db
    .select()
    .from(cashFlows)
    .where(and(gte(cashFlows.date, from), lte(cashFlows.date, to)))
    .orderBy(asc(cashFlows.date), asc(cashFlows.category));
  return rows.map((r) => ({ ...r, category: r.category as CashCategory }));
}

/**
 * FII index-futures positions as known during a session: the latest file
 * dated before it (NSE publishes a day's file after the close), with its
 * date; null when none is stored.
 */
export async function fiiIndexFuturesBefore(db: Database, sessionDate: string): Promise<{ date: string; longContracts: number; shortContracts: number } | null> {
  const [row] = await db
    .select({ date: participantPositions.date, long: participantPositions.futureIndexLong, short: participantPositions.futureIndexShort })
    .from(participantPositions)
    .where(and(eq(participantPositions.participant, 'FII'), lt(participantPositions.date, sessionDate)))
    .orderBy(desc(participantPositions.date))
    .limit(1);
  return row ? { date: row.date, longContracts: row.long, shortContracts: row.short } : null;
}

/** Counts a row as added, changed or unchanged against what is stored; whether it needs writing. */
function tally<T>(counts: StoreCounts, stored: T | undefined, same: (stored: T) => boolean): boolean {
  if (stored === undefined) counts.added++;
  else if (same(stored)) counts.unchanged++;
  else counts.changed++;
  return stored === undefined || !same(stored);
}

function sqlExcluded(column: string) {
  return sql`excluded.${sql.identifier(column)}`;
}
