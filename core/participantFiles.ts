/**
 * Plausible NSE daily files for the simulator (pure and seeded), written in
 * the real files' formats so they go through the same importer: the
 * participant-wise OI CSV (title line, padded header, a TOTAL row) and the
 * FII/DII cash JSON with the old category names. Figures walk from day to
 * day around the magnitudes of 2025–26 files: index futures in the hundreds
 * of thousands of contracts, index options in millions, cash trading of
 * ₹ 10,000–20,000 crore a side. For every instrument class the market's
 * longs equal its shorts, as in the real files.
 */
import { previousTradingDay } from './calendar.ts';
import { mulberry32 } from './random.ts';
import { PARTICIPANT_COLUMNS, type ParticipantColumn } from './participants.ts';

const PAIRS = [
  ['futureIndexLong', 'futureIndexShort', 600_000],
  ['futureStockLong', 'futureStockShort', 6_000_000],
  ['optionIndexCallLong', 'optionIndexCallShort', 6_000_000],
  ['optionIndexPutLong', 'optionIndexPutShort', 5_000_000],
  ['optionStockCallLong', 'optionStockCallShort', 1_800_000],
  ['optionStockPutLong', 'optionStockPutShort', 800_000],
] as const satisfies readonly (readonly [ParticipantColumn, ParticipantColumn, number])[];

const PARTICIPANT_ROWS = ['Client', 'DII', 'FII', 'Pro'] as const;
/** Each participant's usual share of a class's longs and shorts (FII heavier short in index futures, DII in stock futures). */
const SHARES: Record<(typeof PARTICIPANT_ROWS)[number], [long: number, short: number]> = {
  Client: [0.45, 0.35],
  DII: [0.05, 0.2],
  FII: [0.25, 0.3],
  Pro: [0.25, 0.15],
};

const DD_MM_YYYY = (date: string) => `${date.slice(8, 10)}${date.slice(5, 7)}${date.slice(0, 4)}`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The trading days ending at `last` (inclusive), `count` of them, oldest first. */
export function tradingDaysBack(last: string, count: number, holidays?: ReadonlySet<string>): string[] {
  const days = [last];
  while (days.length < count) days.unshift(previousTradingDay(days[0], holidays));
  return days;
}

/** A participant file per day and one FII/DII cash file for them all: `{ name, text }`. */
export function simulatedInstitutionalFiles(days: readonly string[], seed = 1): { name: string; text: string }[] {
  const random = mulberry32(seed);
  const wobble = (scale: number) => 1 + scale * (random() * 2 - 1);
  // A slow drift per participant and side, so day-on-day changes look like positioning, not noise.
  const drift = Object.fromEntries(PARTICIPANT_ROWS.map((p) => [p, [1, 1]])) as Record<(typeof PARTICIPANT_ROWS)[number], [number, number]>;
  const files: { name: string; text: string }[] = [];
  const cash: Record<string, string>[] = [];
  for (const day of days) {
    for (const p of PARTICIPANT_ROWS) drift[p] = [drift[p][0] * wobble(0.04), drift[p][1] * wobble(0.04)];
    const rows = Object.fromEntries(PARTICIPANT_ROWS.map((p) => [p, {} as Record<ParticipantColumn, number>])) as Record<(typeof PARTICIPANT_ROWS)[number], Record<ParticipantColumn, number>>;
    for (const [longColumn, shortColumn, size] of PAIRS) {
      const open = size * wobble(0.1);
      const longWeights = PARTICIPANT_ROWS.map((p) => SHARES[p][0] * drift[p][0] * wobble(0.05));
      const shortWeights = PARTICIPANT_ROWS.map((p) => SHARES[p][1] * drift[p][1] * wobble(0.05));
      const split = (weights: number[]) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const parts = weights.map((w) => Math.floor((open * w) / total));
        parts[0] += Math.round(open) - parts.reduce((a, b) => a + b, 0);
        return parts;
      };
      const longs = split(longWeights);
      const shorts = split(shortWeights);
      PARTICIPANT_ROWS.forEach((p, i) => {
        rows[p][longColumn] = longs[i];
        rows[p][shortColumn] = shorts[i];
      });
    }
    const longColumns = PAIRS.map(([l]) => l);
    const shortColumns = PAIRS.map(([, s]) => s);
    for (const p of PARTICIPANT_ROWS) {
      rows[p].totalLong = longColumns.reduce((n, c) => n + rows[p][c], 0);
      rows[p].totalShort = shortColumns.reduce((n, c) => n + rows[p][c], 0);
    }
    const columns = Object.keys(PARTICIPANT_COLUMNS) as ParticipantColumn[];
    const total = Object.fromEntries(columns.map((c) => [c, PARTICIPANT_ROWS.reduce((n, p) => n + rows[p][c], 0)])) as Record<ParticipantColumn, number>;
    const [y, m, d] = day.split('-');
    const title = `"Participant wise Open Interest (no. of contracts) in Equity Derivatives as on ${MONTHS[Number(m) - 1]} ${d}, ${y}"${','.repeat(columns.length)}`;
    // The real header's names and padding (trailing spaces after some).
    const header = ['Client Type', 'Future Index Long', 'Future Index Short', 'Future Stock Long', 'Future Stock Short\t', 'Option Index Call Long', 'Option Index Put Long', 'Option Index Call Short', 'Option Index Put Short', 'Option Stock Call Long', 'Option Stock Put Long', 'Option Stock Call Short', 'Option Stock Put Short', 'Total Long Contracts\t\t', 'Total Short Contracts\t\t'];
    const order: ParticipantColumn[] = ['futureIndexLong', 'futureIndexShort', 'futureStockLong', 'futureStockShort', 'optionIndexCallLong', 'optionIndexPutLong', 'optionIndexCallShort', 'optionIndexPutShort', 'optionStockCallLong', 'optionStockPutLong', 'optionStockCallShort', 'optionStockPutShort', 'totalLong', 'totalShort'];
    const line = (label: string, values: Record<ParticipantColumn, number>) => [label, ...order.map((c) => values[c])].join(',');
    const text = [title, header.join(','), ...PARTICIPANT_ROWS.map((p) => line(p, rows[p])), line('TOTAL', total), ''].join('\r\n');
    files.push({ name: `fao_participant_oi_${DD_MM_YYYY(day)}.csv`, text });

    const nseDate = `${d}-${MONTHS[Number(m) - 1]}-${y}`;
    for (const category of ['DII **', 'FII/FPI *']) {
      const buy = Math.round(15_000 * wobble(0.35) * 100) / 100;
      const sell = Math.round(15_000 * wobble(0.35) * 100) / 100;
      cash.push({ category, date: nseDate, buyValue: buy.toFixed(2), sellValue: sell.toFixed(2), netValue: (buy - sell).toFixed(2) });
    }
  }
  if (days.length > 0) files.push({ name: `fii_dii_${DD_MM_YYYY(days[0])}_${DD_MM_YYYY(days.at(-1)!)}.json`, text: JSON.stringify(cash, null, 1) });
  return files;
}
