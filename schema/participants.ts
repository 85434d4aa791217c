/**
 * NSE's daily institutional data, as imported (core/participants.ts parses
 * the files; `npm run import` or the watched IMPORT_DIR brings them in):
 * participant-wise open interest in contracts, and FII/DII cash-market
 * trading in ₹ crore.
 */
import { builder, badArgument, dateArgument, readDatabase, DATABASE_READ_COST, type InvalidInput } from './builder.ts';
import { addDays } from '../core/calendar.ts';
import { istDate } from '../core/time/expiry.ts';
import { participantDayBefore, readCashFlows, readParticipantPositions } from '../db/queries/participants.ts';
import type { CashCategory, CashFlow, Participant, ParticipantColumn, ParticipantPosition } from '../core/participants.ts';

/** Longest range one request may ask for, days (a year of trading days and then some). */
export const MAX_PARTICIPANT_RANGE_DAYS = 400;

const ParticipantEnum = builder.enumType('Participant', {
  description: 'A participant category of NSE\'s participant-wise open interest file.',
  values: {
    CLIENT: { value: 'Client', description: 'Clients (retail and other non-institutional accounts).' },
    DII: { value: 'DII', description: 'Domestic institutional investors.' },
    FII: { value: 'FII', description: 'Foreign institutional (portfolio) investors.' },
    PRO: { value: 'Pro', description: 'Proprietary trading of trading members.' },
    TOTAL: { value: 'Total', description: 'The whole market (the file\'s TOTAL row: longs equal shorts per instrument class).' },
  } as const,
});

const InstrumentClassEnum = builder.enumType('InstrumentClass', {
  description: 'An instrument class of the participant-wise open interest file.',
  values: {
    INDEX_FUTURES: { value: 'indexFutures', description: 'Index futures.' },
    STOCK_FUTURES: { value: 'stockFutures', description: 'Stock futures.' },
    INDEX_CALLS: { value: 'indexCalls', description: 'Index call options.' },
    INDEX_PUTS: { value: 'indexPuts', description: 'Index put options.' },
    STOCK_CALLS: { value: 'stockCalls', description: 'Stock call options.' },
    STOCK_PUTS: { value: 'stockPuts', description: 'Stock put options.' },
    ALL: { value: 'all', description: 'Every class together (the file\'s total long and short contracts).' },
  } as const,
});
type InstrumentClass = 'indexFutures' | 'stockFutures' | 'indexCalls' | 'indexPuts' | 'stockCalls' | 'stockPuts' | 'all';

const CLASS_COLUMNS: [InstrumentClass, ParticipantColumn, ParticipantColumn][] = [
  ['indexFutures', 'futureIndexLong', 'futureIndexShort'],
  ['stockFutures', 'futureStockLong', 'futureStockShort'],
  ['indexCalls', 'optionIndexCallLong', 'optionIndexCallShort'],
  ['indexPuts', 'optionIndexPutLong', 'optionIndexPutShort'],
  ['stockCalls', 'optionStockCallLong', 'optionStockCallShort'],
  ['stockPuts', 'optionStockPutLong', 'optionStockPutShort'],
  ['all', 'totalLong', 'totalShort'],
];

interface ClassPosition {
  instrument: InstrumentClass;
  longContracts: number;
  shortContracts: number;
  netChangeContracts: number | null;
}

interface ParticipantRow {
  participant: Participant;
  classes: ClassPosition[];
}

interface ParticipantDay {
  date: string;
  participants: ParticipantRow[];
}

const ClassPositionType = builder.objectRef<ClassPosition>('ParticipantClassPosition').implement({
  description: 'One participant\'s open interest in one instrument class at the end of a trading day, contracts (lots).',
  fields: (t) => ({
    instrument: t.field({ type: InstrumentClassEnum, description: 'Instrument class.', resolve: (p) => p.instrument }),
    longContracts: t.exposeFloat('longContracts', { description: 'Long open interest, contracts.' }),
    shortContracts: t.exposeFloat('shortContracts', { description: 'Short open interest, contracts.' }),
    netContracts: t.float({ description: 'Long − short, contracts.', resolve: (p) => p.longContracts - p.shortContracts }),
    netChangeContracts: t.exposeFloat('netChangeContracts', {
      nullable: true,
      description: 'Change of the net since the previous stored trading day, contracts; null when no earlier day is stored.',
    }),
  }),
});

const ParticipantRowType = builder.objectRef<ParticipantRow>('ParticipantPositions').implement({
  description: 'One participant\'s open interest at the end of a trading day, per instrument class.',
  fields: (t) => ({
    participant: t.field({ type: ParticipantEnum, description: 'Participant category.', resolve: (r) => r.participant }),
    classes: t.field({ type: [ClassPositionType], description: 'Per instrument class, in the file\'s order, then ALL.', resolve: (r) => r.classes }),
  }),
});

const ParticipantDayType = builder.objectRef<ParticipantDay>('ParticipantDay').implement({
  description: 'NSE\'s participant-wise open interest of one trading day (its file fao_participant_oi_DDMMYYYY.csv).',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'Trading day, YYYY-MM-DD.', resolve: (d) => d.date }),
    participants: t.field({ type: [ParticipantRowType], description: 'Client, DII, FII, Pro and Total.', resolve: (d) => d.participants }),
  }),
});

const CashCategoryEnum = builder.enumType('CashCategory', {
  description: 'A category of NSE\'s FII/DII cash-market provisional figures.',
  values: {
    FII: { value: 'FII', description: 'Foreign institutional / portfolio investors (FII/FPI).' },
    DII: { value: 'DII', description: 'Domestic institutional investors.' },
  } as const,
});

interface CashFlowPoint extends CashFlow {
  cumulativeNetCrore: number;
}

const CashFlowType = builder.objectRef<CashFlowPoint>('CashFlow').implement({
  description: 'One category\'s cash-market trading on one trading day (NSE provisional figures), ₹ crore.',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'Trading day, YYYY-MM-DD.', resolve: (f) => f.date }),
    category: t.field({ type: CashCategoryEnum, description: 'FII or DII.', resolve: (f) => f.category }),
    buyCrore: t.exposeFloat('buyCrore', { description: 'Gross purchases, ₹ crore.' }),
    sellCrore: t.exposeFloat('sellCrore', { description: 'Gross sales, ₹ crore.' }),
    netCrore: t.exposeFloat('netCrore', { description: 'Purchases − sales, ₹ crore (positive: net buying).' }),
    cumulativeNetCrore: t.exposeFloat('cumulativeNetCrore', { description: 'Sum of `netCrore` of this category over the requested range up to this day, ₹ crore.' }),
  }),
});

/** Days a range reaches back from `to` when `from` is not given. */
const DEFAULT_RANGE_DAYS = 30;

/** from ≤ to, at most MAX_PARTICIPANT_RANGE_DAYS apart; `to` defaults to today (IST), `from` to DEFAULT_RANGE_DAYS before `to`. */
function dateRange(args: { from?: string | InvalidInput | null; to?: string | InvalidInput | null }): { from: string; to: string } {
  const to = dateArgument(args.to, 'to') ?? istDate(Date.now());
  const from = dateArgument(args.from, 'from') ?? addDays(to, -DEFAULT_RANGE_DAYS);
  if (from > to) throw badArgument('to', `Argument "to" (${to}) is before "from" (${from})`);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (days > MAX_PARTICIPANT_RANGE_DAYS) throw badArgument('to', `The range ${from} … ${to} spans ${days} days; ask for at most ${MAX_PARTICIPANT_RANGE_DAYS} at a time`);
  return { from, to };
}

/** Days of rows, each participant's classes with the change of net against the day before (the stored day before `from` for the first). */
export function participantDays(rows: readonly ParticipantPosition[], before: readonly ParticipantPosition[]): ParticipantDay[] {
  const byDate = new Map<string, ParticipantPosition[]>();
  for (const row of rows) byDate.set(row.date, [...(byDate.get(row.date) ?? []), row]);
  let previous = new Map(before.map((r) => [r.participant, r]));
  const days: ParticipantDay[] = [];
  for (const [date, dayRows] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) {
    days.push({
      date,
      participants: dayRows.map((row) => ({
        participant: row.participant,
        classes: CLASS_COLUMNS.map(([instrument, long, short]) => {
          const last = previous.get(row.participant);
          return {
            instrument,
            longContracts: row[long],
            shortContracts: row[short],
            netChangeContracts: last ? row[long] - row[short] - (last[long] - last[short]) : null,
          };
        }),
      })),
    });
    previous = new Map(dayRows.map((r) => [r.participant, r]));
  }
  return days;
}

builder.queryFields((t) => ({
  participantPositions: t.field({
    type: [ParticipantDayType],
    description:
      'NSE participant-wise open interest per trading day in [from, to], oldest first: long, short and net contracts per participant and instrument class, ' +
      'and the change of net from the previous stored day. Empty when no file of the range was imported (`npm run import`, or IMPORT_DIR).',
    args: {
      from: t.arg({ type: 'Date', description: `First trading day, YYYY-MM-DD (inclusive); default ${DEFAULT_RANGE_DAYS} days before \`to\`.` }),
      to: t.arg({ type: 'Date', description: `Last trading day, YYYY-MM-DD (inclusive), at most ${MAX_PARTICIPANT_RANGE_DAYS} days after \`from\`; default today (IST).` }),
    },
    complexity: 2 * DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const { from, to } = dateRange(args);
      const [rows, before] = await readDatabase(context, (db) => Promise.all([readParticipantPositions(db, from, to), participantDayBefore(db, from)]));
      return participantDays(rows, before);
    },
  }),
  fiiDiiFlows: t.field({
    type: [CashFlowType],
    description:
      'FII/FPI and DII cash-market trading per trading day in [from, to] (NSE provisional figures), oldest first, ₹ crore, with the cumulative net per category ' +
      'over the range. Empty when none was imported.',
    args: {
      from: t.arg({ type: 'Date', description: `First trading day, YYYY-MM-DD (inclusive); default ${DEFAULT_RANGE_DAYS} days before \`to\`.` }),
      to: t.arg({ type: 'Date', description: `Last trading day, YYYY-MM-DD (inclusive), at most ${MAX_PARTICIPANT_RANGE_DAYS} days after \`from\`; default today (IST).` }),
    },
    complexity: DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const { from, to } = dateRange(args);
      const rows = await readDatabase(context, (db) => readCashFlows(db, from, to));
      const running = new Map<CashCategory, number>();
      return rows.map((row) => {
        const cumulative = Math.round(((running.get(row.category) ?? 0) + row.netCrore) * 100) / 100;
        running.set(row.category, cumulative);
        return { ...row, cumulativeNetCrore: cumulative };
      });
    },
  }),
}));
