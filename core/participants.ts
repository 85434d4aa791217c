/**
 * NSE's daily institutional files, parsed (pure: text in, typed rows out;
 * reading files and storing rows is pipeline/participantImport.ts):
 *
 * - Participant-wise open interest, `fao_participant_oi_DDMMYYYY.csv`: a
 *   title line ("… as on Oct 07, 2026"), a header line, then one row per
 *   participant (Client, DII, FII, Pro) and a TOTAL row, every figure in
 *   contracts, long and short per instrument class (index and stock futures,
 *   index and stock call and put options).
 * - FII/DII cash-market provisional figures, NSE's JSON
 *   (`[{"category": "DII", "date": "07-Oct-2026", "buyValue": "18707.03",
 *   "sellValue": "14110.46", "netValue": "4596.57"}, …]`) or its CSV download
 *   (the same fields as columns), values in ₹ crore; old files name the
 *   categories "DII **" and "FII/FPI *", so categories match by prefix.
 *
 * The real files' quirks are taken as they come: a byte-order mark, CRLF,
 * header names padded with spaces or in another case, numbers with thousands
 * separators (Indian or Western grouping) or quotes, blank lines. Anything
 * else wrong (a missing column, a figure that is not a whole non-negative
 * number, a net that is not buy − sell, a date that disagrees with the file
 * name) throws an ImportFileError naming the line, and nothing of that file
 * is kept.
 */
import { parse } from 'csv-parse/sync';

/** A problem with one file, at a line (1-based) when one line is to blame. */
export class ImportFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(`${file}${line !== null ? `, line ${line}` : ''}: ${problem}`);
    this.name = 'ImportFileError';
  }
}

export const PARTICIPANTS = ['Client', 'DII', 'FII', 'Pro', 'Total'] as const;
export type Participant = (typeof PARTICIPANTS)[number];

/** The figures of one participant row, in contracts, by the header they come from. */
export const PARTICIPANT_COLUMNS = {
  futureIndexLong: 'future index long',
  futureIndexShort: 'future index short',
  futureStockLong: 'future stock long',
  futureStockShort: 'future stock short',
  optionIndexCallLong: 'option index call long',
  optionIndexPutLong: 'option index put long',
  optionIndexCallShort: 'option index call short',
  optionIndexPutShort: 'option index put short',
  optionStockCallLong: 'option stock call long',
  optionStockPutLong: 'option stock put long',
  optionStockCallShort: 'option stock call short',
  optionStockPutShort: 'option stock put short',
  totalLong: 'total long contracts',
  totalShort: 'total short contracts',
} as const;
export type ParticipantColumn = keyof typeof PARTICIPANT_COLUMNS;

/** One participant's open interest at the end of a trading day, contracts. */
export type ParticipantPosition = { date: string; participant: Participant } & Record<ParticipantColumn, number>;

export const CASH_CATEGORIES = ['FII', 'DII'] as const;
export type CashCategory = (typeof CASH_CATEGORIES)[number];

/** One category's cash-market trading on a day, ₹ crore (provisional figures). */
export interface CashFlow {
  date: string;
  category: CashCategory;
  buyCrore: number;
  sellCrore: number;
  /** buy − sell. */
  netCrore: number;
}

export type ImportedFile = { kind: 'participantOi'; date: string; rows: ParticipantPosition[] } | { kind: 'cashFlows'; dates: string[]; rows: CashFlow[] };

/** The file name pattern of the participant-wise OI file (its date, DDMMYYYY). */
const PARTICIPANT_FILE = /fao_participant_oi_(\d{2})(\d{2})(\d{4})/i;

/** Which parser a file is for, from its name and first bytes; null when it is neither kind. */
export function fileKind(name: string, text: string): ImportedFile['kind'] | null {
  if (PARTICIPANT_FILE.test(name) || /participant wise open interest/i.test(text.slice(0, 300))) return 'participantOi';
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 400).toLowerCase();
  if ((head.startsWith('[') || head.startsWith('{')) && head.includes('category')) return 'cashFlows';
  if (/category/.test(head.split('\n')[0] ?? '') && /buy/.test(head.split('\n')[0] ?? '')) return 'cashFlows';
  return null;
}

/** Parses either kind of file (see fileKind); throws ImportFileError. */
export function parseImportFile(name: string, text: string): ImportedFile {
  const kind = fileKind(name, text);
  if (kind === 'participantOi') return { kind, ...parseParticipantOi(name, text) };
  if (kind === 'cashFlows') {
    const rows = parseCashFlows(name, text);
    return { kind, dates: [...new Set(rows.map((r) => r.date))].sort(), rows };
  }
  throw new ImportFileError(name, null, 'is neither a participant-wise OI file (fao_participant_oi_DDMMYYYY.csv) nor FII/DII cash data (JSON or CSV with category, date, buy, sell, net)');
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** YYYY-MM-DD from year, month (1-12) and day, or null when that day does not exist. */
function isoDate(year: number, month: number, day: number): string | null {
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (!(year >= 2000 && year <= 2100) || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/** "07-Oct-2026", "Oct 07, 2026", "07 Oct 2026", "2026-10-07" or "07/10/2026" (day first) as YYYY-MM-DD; null otherwise. */
export function parseNseDate(text: string): string | null {
  const value = text.trim();
  let m = /^(\d{1,2})[-\s/]([A-Za-z]{3})[A-Za-z]*[-\s/,]+(\d{4})$/.exec(value);
  if (m) return isoDate(Number(m[3]), MONTHS.indexOf(m[2].toLowerCase()) + 1, Number(m[1]));
  m = /^([A-Za-z]{3})[A-Za-z]*\s+(\d{1,2}),?\s+(\d{4})$/.exec(value);
  if (m) return isoDate(Number(m[3]), MONTHS.indexOf(m[1].toLowerCase()) + 1, Number(m[2]));
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(value);
  if (m) return isoDate(Number(m[3]), Number(m[2]), Number(m[1]));
  return null;
}

/** A figure as printed ("1,23,456", "  4596.57", "\"-12\""), or NaN. */
function figure(text: string | undefined): number {
  if (text === undefined) return NaN;
  const cleaned = text.replace(/["\s]/g, '').replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : NaN;
}

const normalise = (header: string) => header.replace(/\s+/g, ' ').trim().toLowerCase();

/** Records with the line each starts on. */
function csvRecords(name: string, text: string): { fields: string[]; line: number }[] {
  try {
    const parsed = parse(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return parsed.map(({ record, info }) => ({ fields: record, line: info.lines })).filter((r) => r.fields.some((f) => f !== ''));
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? null;
    throw new ImportFileError(name, line, `is not readable as CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function parseParticipantOi(name: string, text: string): { date: string; rows: ParticipantPosition[] } {
  const records = csvRecords(name, text);
  const headerAt = records.findIndex((r) => normalise(r.fields[0] ?? '') === 'client type');
  if (headerAt < 0) throw new ImportFileError(name, null, 'has no header line starting "Client Type"');
  const header = records[headerAt].fields.map(normalise);
  const columnIndex = {} as Record<ParticipantColumn, number>;
  for (const [key, title] of Object.entries(PARTICIPANT_COLUMNS) as [ParticipantColumn, string][]) {
    const index = header.indexOf(title);
    if (index < 0) throw new ImportFileError(name, records[headerAt].line, `has no column "${title}" (header: ${records[headerAt].fields.join(', ')})`);
    columnIndex[key] = index;
  }

  // The date: from the title line ("… as on Oct 07, 2026") and from the file name; they must agree where both say.
  const titleDate = records
    .slice(0, headerAt)
    .map((r) => /as on\s+(.+)$/i.exec(r.fields.join(' '))?.[1])
    .map((d) => (d ? parseNseDate(d) : null))
    .find((d) => d !== null) ?? null;
  const fromName = PARTICIPANT_FILE.exec(name);
  const nameDate = fromName ? isoDate(Number(fromName[3]), Number(fromName[2]), Number(fromName[1])) : null;
  if (fromName && nameDate === null) throw new ImportFileError(name, null, `names no real date (${fromName[1]}${fromName[2]}${fromName[3]}, DDMMYYYY)`);
  if (titleDate && nameDate && titleDate !== nameDate) throw new ImportFileError(name, records[0].line, `its title says ${titleDate} but its name says ${nameDate}`);
  const date = titleDate ?? nameDate;
  if (date === null) throw new ImportFileError(name, null, 'says no date: neither a title "… as on Mon DD, YYYY" nor a name fao_participant_oi_DDMMYYYY.csv');

  const rows: ParticipantPosition[] = [];
  for (const { fields, line } of records.slice(headerAt + 1)) {
    const label = normalise(fields[0] ?? '');
    const participant = PARTICIPANTS.find((p) => p.toLowerCase() === label || (p === 'Total' && label === 'total'));
    if (!participant) throw new ImportFileError(name, line, `names participant "${fields[0]}", not one of Client, DII, FII, Pro, TOTAL`);
    if (rows.some((r) => r.participant === participant)) throw new ImportFileError(name, line, `repeats participant ${fields[0]}`);
    const row = { date, participant } as ParticipantPosition;
    for (const [key, index] of Object.entries(columnIndex) as [ParticipantColumn, number][]) {
      const value = figure(fields[index]);
      if (!(Number.isInteger(value) && value >= 0)) {
        throw new ImportFileError(name, line, `${PARTICIPANT_COLUMNS[key]} of ${participant} is ${JSON.stringify(fields[index] ?? '')}, not a whole number of contracts`);
      }
      row[key] = value;
    }
    rows.push(row);
  }
  for (const needed of ['Client', 'DII', 'FII', 'Pro'] as const) {
    if (!rows.some((r) => r.participant === needed)) throw new ImportFileError(name, null, `has no ${needed} row`);
  }
  return { date, rows };
}

/** ₹ crore allowed between a stated net and buy − sell (the figures are rounded to 0.01). */
const NET_TOLERANCE_CRORE = 0.015;

export function parseCashFlows(name: string, text: string): CashFlow[] {
  const body = text.replace(/^\uFEFF/, '').trim();
  const entries: { values: Record<string, unknown>; line: number | null }[] = [];
  if (body.startsWith('[') || body.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new ImportFileError(name, null, `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const list = Array.isArray(json) ? json : Array.isArray((json as { data?: unknown }).data) ? (json as { data: unknown[] }).data : null;
    if (!list) throw new ImportFileError(name, null, 'is JSON but not a list of {category, date, buyValue, sellValue, netValue}');
    list.forEach((item) => entries.push({ values: (item ?? {}) as Record<string, unknown>, line: null }));
  } else {
    const records = csvRecords(name, text);
    const header = records[0]?.fields.map((h) => normalise(h).replace(/[^a-z]/g, '')) ?? [];
    for (const { fields, line } of records.slice(1)) {
      const values: Record<string, unknown> = {};
      header.forEach((h, i) => (values[h] = fields[i]));
      entries.push({ values, line });
    }
  }
  const field = (values: Record<string, unknown>, ...names: string[]) => {
    for (const [key, value] of Object.entries(values)) if (names.includes(key.toLowerCase().replace(/[^a-z]/g, ''))) return value;
    return undefined;
  };
  const rows: CashFlow[] = [];
  entries.forEach(({ values, line }, index) => {
    // CSV rows are named by line, JSON entries (one line or many) by position.
    const problem = (text: string) => (line !== null ? new ImportFileError(name, line, text) : new ImportFileError(name, null, `entry ${index + 1}: ${text}`));
    const rawCategory = String(field(values, 'category') ?? '').trim();
    const category = CASH_CATEGORIES.find((c) => rawCategory.toUpperCase().startsWith(c));
    if (!category) throw problem(`category ${JSON.stringify(rawCategory)} is neither FII (FII/FPI) nor DII`);
    const date = parseNseDate(String(field(values, 'date') ?? ''));
    if (!date) throw problem(`date ${JSON.stringify(field(values, 'date') ?? '')} is not a date such as 07-Oct-2026`);
    const buy = figure(String(field(values, 'buyvalue', 'buy', 'grosspurchase', 'buyvaluecrore', 'buyvaluerscrores') ?? ''));
    const sell = figure(String(field(values, 'sellvalue', 'sell', 'grosssales', 'sellvaluecrore', 'sellvaluerscrores') ?? ''));
    if (!(buy >= 0) || !(sell >= 0)) throw problem(`buy ${JSON.stringify(field(values, 'buyvalue', 'buy') ?? '')} and sell ${JSON.stringify(field(values, 'sellvalue', 'sell') ?? '')} must be non-negative ₹ crore`);
    const statedNet = field(values, 'netvalue', 'net', 'netpurchasesales', 'netvaluecrore', 'netvaluerscrores');
    const net = statedNet === undefined || statedNet === '' ? Math.round((buy - sell) * 100) / 100 : figure(String(statedNet));
    if (!Number.isFinite(net) || Math.abs(net - (buy - sell)) > NET_TOLERANCE_CRORE) throw problem(`net ${JSON.stringify(statedNet)} is not buy − sell (${(buy - sell).toFixed(2)})`);
    if (rows.some((r) => r.date === date && r.category === category)) throw problem(`repeats ${category} on ${date}`);
    rows.push({ date, category, buyCrore: buy, sellCrore: sell, netCrore: net });
  });
  if (rows.length === 0) throw new ImportFileError(name, null, 'holds no FII/DII rows');
  return rows;
}
