import { describe, expect, it } from 'vitest';
import { fileKind, ImportFileError, parseCashFlows, parseImportFile, parseNseDate, parseParticipantOi } from './participants.ts';

/** As NSE publishes it: a quoted title padded with commas, padded header names, CRLF, a TOTAL row. */
export const PARTICIPANT_FILE_TEXT = [
  '"Participant wise Open Interest (no. of contracts) in Equity Derivatives as on Oct 07, 2026",,,,,,,,,,,,,,',
  'Client Type,Future Index Long,Future Index Short,Future Stock Long,Future Stock Short\t,Option Index Call Long,Option Index Put Long,Option Index Call Short,Option Index Put Short,Option Stock Call Long,Option Stock Put Long,Option Stock Call Short,Option Stock Put Short,Total Long Contracts\t\t,Total Short Contracts\t\t',
  'Client,"2,10,443",118512,2405433,161543,3326017,2811716,2733180,3125547,1041560,454127,453418,414106,9839264,9006306',
  'DII,44398,139546,127543,3254488,67,0,0,0,0,0,0,0,171940,3394034',
  'FII,104938,"258,143",1398497,1484306,717893,787011,600960,594733,253051,146043,195066,157398,3357433,3290606',
  'Pro,84474,28052,532432,1076218,1631002,1361893,2340840,2240340,440513,178209,386640,207880,4228523,5959170',
  'TOTAL,444253,544253,4463905,5976555,5674979,4960620,5674980,5960620,1735124,778379,1035124,779384,17597160,21650110',
  '',
].join('\r\n');

describe('parseParticipantOi', () => {
  it('reads the title date, padded headers, quoted figures with either grouping, and every participant in contracts', () => {
    const { date, rows } = parseParticipantOi('fao_participant_oi_07102026.csv', '\uFEFF' + PARTICIPANT_FILE_TEXT);
    expect(date).toBe('2026-10-07');
    expect(rows.map((r) => r.participant)).toEqual(['Client', 'DII', 'FII', 'Pro', 'Total']);
    const fii = rows.find((r) => r.participant === 'FII')!;
    expect(fii).toMatchObject({ date: '2026-10-07', futureIndexLong: 104_938, futureIndexShort: 258_143, optionIndexPutShort: 594_733, totalLong: 3_357_433, totalShort: 3_290_606 });
    expect(rows[0].futureIndexLong).toBe(210_443);
  });

  it('takes the date from the file name when the title has none, and refuses a title and name that disagree', () => {
    const untitled = PARTICIPANT_FILE_TEXT.split('\r\n').slice(1).join('\n');
    expect(parseParticipantOi('fao_participant_oi_08102026.csv', untitled).date).toBe('2026-10-08');
    expect(() => parseParticipantOi('fao_participant_oi_08102026.csv', PARTICIPANT_FILE_TEXT)).toThrow(/line 1: its title says 2026-10-07 but its name says 2026-10-08/);
    expect(() => parseParticipantOi('positions.csv', untitled)).toThrow(/says no date/);
    expect(() => parseParticipantOi('fao_participant_oi_31022026.csv', untitled)).toThrow(/names no real date/);
  });

  it('names the line and the column of a bad figure, an unknown participant, a missing column or row', () => {
    const lines = PARTICIPANT_FILE_TEXT.split('\r\n');
    const withBad = (i: number, line: string) => lines.map((l, j) => (j === i ? line : l)).join('\n');
    expect(() => parseParticipantOi('f.csv', withBad(3, 'DII,44398,-5,127543,3254488,67,0,0,0,0,0,0,0,171940,3394034'))).toThrow(
      new ImportFileError('f.csv', 4, 'future index short of DII is "-5", not a whole number of contracts'),
    );
    expect(() => parseParticipantOi('f.csv', withBad(3, 'DII,44398,n/a,127543,3254488,67,0,0,0,0,0,0,0,171940,3394034'))).toThrow(/line 4: future index short of DII is "n\/a"/);
    expect(() => parseParticipantOi('f.csv', withBad(5, 'Retail,1,2,3,4,5,6,7,8,9,10,11,12,13,14'))).toThrow(/line 6: names participant "Retail"/);
    expect(() => parseParticipantOi('f.csv', withBad(1, lines[1].replace('Future Index Short', 'Fut Idx Short')))).toThrow(/line 2: has no column "future index short"/);
    expect(() => parseParticipantOi('f.csv', lines.filter((_, j) => j !== 4).join('\n'))).toThrow(/has no FII row/);
    expect(() => parseParticipantOi('f.csv', 'hello,world\n1,2')).toThrow(/no header line starting "Client Type"/);
  });
});

describe('parseCashFlows', () => {
  const json = JSON.stringify([
    { category: 'DII **', date: '07-Oct-2026', buyValue: '18707.03', sellValue: '14110.46', netValue: '4596.57' },
    { category: 'FII/FPI *', date: '07-Oct-2026', buyValue: '11,210.50', sellValue: '13,100.00', netValue: '-1889.50' },
  ]);

  it('reads NSE JSON with old category names and thousands separators, in ₹ crore', () => {
    expect(parseCashFlows('fiidii.json', json)).toEqual([
      { date: '2026-10-07', category: 'DII', buyCrore: 18_707.03, sellCrore: 14_110.46, netCrore: 4_596.57 },
      { date: '2026-10-07', category: 'FII', buyCrore: 11_210.5, sellCrore: 13_100, netCrore: -1_889.5 },
    ]);
  });

  it('reads the CSV download with padded headers, computing a missing net', () => {
    const csv = 'CATEGORY , DATE ,BUY VALUE,SELL VALUE,NET VALUE\nFII/FPI,08-Oct-2026,"9,000.00",8000,\nDII,08-Oct-2026,7000.25,7500.25,-500.00\n';
    expect(parseCashFlows('fiidii.csv', csv)).toEqual([
      { date: '2026-10-08', category: 'FII', buyCrore: 9000, sellCrore: 8000, netCrore: 1000 },
      { date: '2026-10-08', category: 'DII', buyCrore: 7000.25, sellCrore: 7500.25, netCrore: -500 },
    ]);
  });

  it('names the line (CSV) or entry (JSON) of a bad row', () => {
    expect(() => parseCashFlows('c.csv', 'category,date,buy value,sell value,net value\nFII,08-Oct-2026,10,5,5\nMF,08-Oct-2026,1,1,0\n')).toThrow(/c\.csv, line 3: category "MF"/);
    expect(() => parseCashFlows('c.csv', 'category,date,buy value,sell value,net value\nFII,08-Oct-2026,10,5,7\n')).toThrow(/line 2: net "7" is not buy − sell \(5\.00\)/);
    expect(() => parseCashFlows('c.json', JSON.stringify([{ category: 'DII', date: '31-Feb-2026', buyValue: '1', sellValue: '1' }]))).toThrow(/c\.json: entry 1: date "31-Feb-2026"/);
    expect(() => parseCashFlows('c.json', '[{"category": "DII",')).toThrow(/is not valid JSON/);
    expect(() => parseCashFlows('c.json', '[]')).toThrow(/holds no FII\/DII rows/);
  });
});

describe('file kinds and dates', () => {
  it('tells the two kinds apart by name or content, and refuses anything else', () => {
    expect(fileKind('fao_participant_oi_07102026.csv', '')).toBe('participantOi');
    expect(fileKind('download.csv', PARTICIPANT_FILE_TEXT)).toBe('participantOi');
    expect(fileKind('x.json', '[{"category":"DII"}]')).toBe('cashFlows');
    expect(fileKind('x.csv', 'Category,Date,Buy Value,Sell Value,Net Value\n')).toBe('cashFlows');
    expect(() => parseImportFile('notes.txt', 'hello')).toThrow(/is neither a participant-wise OI file/);
    expect(parseImportFile('fao_participant_oi_07102026.csv', PARTICIPANT_FILE_TEXT)).toMatchObject({ kind: 'participantOi', date: '2026-10-07' });
  });

  it('reads the date spellings of NSE files, and no impossible day', () => {
    expect(parseNseDate('07-Oct-2026')).toBe('2026-10-07');
    expect(parseNseDate('Oct 07, 2026')).toBe('2026-10-07');
    expect(parseNseDate('7 October 2026')).toBe('2026-10-07');
    expect(parseNseDate('2026-10-07')).toBe('2026-10-07');
    expect(parseNseDate('07/10/2026')).toBe('2026-10-07');
    expect(parseNseDate('31-Sep-2026')).toBeNull();
    expect(parseNseDate('tomorrow')).toBeNull();
  });
});
