/**
 * The option chain: calls left, puts right, strike in the middle. Rows are
 * memoised on their row object (chainState.ts gives a new one only to
 * strikes an update changed) and on their ATM/ITM flags, OI bars are sized
 * by CSS from `--oi` over the table's `--max-oi`, so an update re-renders
 * only the strikes it touched. A cell whose value changed flashes (green up,
 * red down) through the Web Animations API, off React's render.
 */
import { memo, useEffect, useLayoutEffect, useRef, type CSSProperties, type MouseEvent } from 'react';
import { contracts, num, pct, signed } from '../format.ts';
import { maxOi, type Quote, type Row } from './chainState.ts';
import { measureRender } from './renderTiming.ts';

export type Side = 'CALL' | 'PUT';

interface Column {
  key: string;
  label: string;
  title: string;
  greek?: boolean;
  render: (quote: Quote | null, firstLtp: number | null) => { text: string; value: number | null | undefined };
}

const COLUMNS: Column[] = [
  { key: 'oi', label: 'OI', title: 'Open interest, contracts', render: (q) => ({ text: contracts(q?.oi), value: q?.oi }) },
  { key: 'oiChange', label: 'OI chg', title: 'OI change since the previous close, contracts', render: (q) => ({ text: contracts(q?.oiChange), value: q?.oiChange }) },
  { key: 'volume', label: 'Vol', title: 'Volume this session, contracts', render: (q) => ({ text: contracts(q?.volume), value: q?.volume }) },
  { key: 'iv', label: 'IV', title: 'Implied volatility, percent', render: (q) => ({ text: pct(q?.iv), value: q?.iv }) },
  { key: 'delta', label: 'Δ', title: 'Delta', render: (q) => ({ text: num(q?.delta, 2), value: q?.delta }) },
  { key: 'gamma', label: 'Γ', title: 'Gamma per index point', greek: true, render: (q) => ({ text: num(q?.gamma, 4), value: q?.gamma }) },
  { key: 'theta', label: 'Θ', title: 'Theta per calendar day, index points', greek: true, render: (q) => ({ text: num(q?.theta, 2), value: q?.theta }) },
  { key: 'vega', label: 'ν', title: 'Vega per vol point, index points', greek: true, render: (q) => ({ text: num(q?.vega, 2), value: q?.vega }) },
  { key: 'change', label: 'Chg', title: 'LTP change since this page opened, rupees', render: (q, first) => ({ text: signed(q?.ltp != null && first != null ? q.ltp - first : null), value: q?.ltp != null && first != null ? q.ltp - first : null }) },
  { key: 'ltp', label: 'LTP', title: 'Last traded price, rupees', render: (q) => ({ text: num(q?.ltp), value: q?.ltp }) },
];

function columnsOf(showGreeks: boolean): Column[] {
  return showGreeks ? COLUMNS : COLUMNS.filter((c) => !c.greek);
}

/** One cell; flashes when its value changes. */
const Cell = memo(function Cell({ text, value, side, className }: { text: string; value: number | null | undefined; side: Side; className?: string }) {
  const ref = useRef<HTMLTableCellElement>(null);
  const previous = useRef(value);
  useEffect(() => {
    const before = previous.current;
    previous.current = value;
    if (before == null || value == null || before === value) return;
    ref.current?.animate([{ backgroundColor: value > before ? 'var(--flash-up)' : 'var(--flash-down)' }, { backgroundColor: 'transparent' }], { duration: 700, easing: 'ease-out' });
  }, [value]);
  return (
    <td ref={ref} data-side={side} className={className}>
      {text}
    </td>
  );
});

function sideCells(quote: Quote | null, firstLtp: number | null, side: Side, columns: Column[], itm: boolean) {
  const ordered = side === 'CALL' ? columns : [...columns].reverse();
  return ordered.map((column) => {
    const { text, value } = column.render(quote, firstLtp);
    const className = itm ? `${column.key} itm` : column.key;
    if (column.key === 'oi') {
      return (
        <td key={column.key} data-side={side} className={className} style={{ '--oi': quote?.oi ?? 0 } as CSSProperties}>
          <span className="bar" aria-hidden="true" />
          <span className="value">{text}</span>
        </td>
      );
    }
    return <Cell key={column.key} text={text} value={value} side={side} className={className} />;
  });
}

const ChainRow = memo(function ChainRow({ row, atm, callItm, putItm, showGreeks }: { row: Row; atm: boolean; callItm: boolean; putItm: boolean; showGreeks: boolean }) {
  const columns = columnsOf(showGreeks);
  return (
    <tr data-strike={row.strike} className={atm ? 'atm' : undefined}>
      {sideCells(row.call, row.callFirstLtp, 'CALL', columns, callItm)}
      <th scope="row" className="strike">
        {num(row.strike, 0)}
      </th>
      {sideCells(row.put, row.putFirstLtp, 'PUT', columns, putItm)}
    </tr>
  );
});

export interface ChainTableProps {
  rows: readonly Row[];
  spot: number;
  atmStrike: number | null;
  showGreeks: boolean;
  onPick(strike: number, side: Side): void;
}

export function ChainTable({ rows, spot, atmStrike, showGreeks, onPick }: ChainTableProps) {
  useLayoutEffect(measureRender);
  const columns = columnsOf(showGreeks);
  const onClick = (event: MouseEvent<HTMLTableSectionElement>) => {
    const cell = (event.target as HTMLElement).closest('td[data-side]');
    const strike = cell?.closest('tr')?.dataset.strike;
    if (cell && strike) onPick(Number(strike), (cell as HTMLElement).dataset.side as Side);
  };
  return (
    <div className="table-scroll">
      <table className="chain" style={{ '--max-oi': Math.max(1, maxOi(rows)) } as CSSProperties} aria-label="Option chain">
        <thead>
          <tr>
            <th colSpan={columns.length} scope="colgroup" className="side-head">
              Calls
            </th>
            <th rowSpan={2} scope="col" className="strike">
              Strike
            </th>
            <th colSpan={columns.length} scope="colgroup" className="side-head">
              Puts
            </th>
          </tr>
          <tr>
            {columns.map((c) => (
              <th key={`c-${c.key}`} scope="col" title={c.title} className={c.key}>
                {c.label}
              </th>
            ))}
            {[...columns].reverse().map((c) => (
              <th key={`p-${c.key}`} scope="col" title={c.title} className={c.key}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody onClick={onClick}>
          {rows.map((row) => (
            <ChainRow key={row.strike} row={row} atm={row.strike === atmStrike} callItm={row.strike < spot} putItm={row.strike > spot} showGreeks={showGreeks} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
