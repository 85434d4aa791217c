/**
 * The option chain: calls left, puts right, strike in the middle.
 *
 * Built for a chain that changes every second: React renders each row's
 * structure (its cells, ATM/ITM classes) and re-renders it only when those
 * change; the numbers are written straight into the cells by one layout
 * effect, for the rows whose row object changed (chainState.ts gives a new
 * one only to strikes an update touched), and only where the text changed.
 * A market-data cell whose value changed flashes (green up, red down)
 * through the Web Animations API. OI bars are sized by CSS from each cell's
 * `--oi` over the table's `--max-oi`.
 *
 * Only the rows in view (and a few either side) are in the DOM: a whole
 * 200-strike chain is a scroll of fixed-height rows with spacers above and
 * below (the table's aria-rowcount says how many there are), so an update
 * costs what the screen shows, not what the chain holds.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type MouseEvent } from 'react';
import { num } from '../format.ts';
import { maxOi, type Quote, type Row } from './chainState.ts';
import { measureRender } from './renderTiming.ts';

export type Side = 'CALL' | 'PUT';

interface Column {
  key: string;
  label: string;
  title: string;
  greek?: boolean;
  /** Flashes when it changes (LTP, OI, IV: what a trader watches; flashing every cell would cost more than it tells). */
  flash?: boolean;
  value: (quote: Quote | null) => number | null | undefined;
  text: (value: number | null | undefined) => string;
}

/** Fixed decimals, an en dash when absent (toFixed: the table formats thousands of cells a second). */
function fixed(value: number | null | undefined, digits: number): string {
  return value == null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Contracts as Indian traders read OI: 12.34L (lakh), 45.6K. */
function lots(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e7) return `${(value / 1e7).toFixed(2)}Cr`;
  if (abs >= 1e5) return `${(value / 1e5).toFixed(2)}L`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)}K`;
  return value.toFixed(0);
}

const COLUMNS: Column[] = [
  { key: 'oi', label: 'OI', title: 'Open interest, contracts', flash: true, value: (q) => q?.oi, text: lots },
  { key: 'oiChange', label: 'OI chg', title: 'OI change since the previous close, contracts', value: (q) => q?.oiChange, text: lots },
  { key: 'volume', label: 'Vol', title: 'Volume this session, contracts', value: (q) => q?.volume, text: lots },
  { key: 'iv', label: 'IV', title: 'Implied volatility, percent', flash: true, value: (q) => (q?.iv == null ? null : q.iv * 100), text: (v) => (v == null ? '–' : `${v.toFixed(1)}%`) },
  { key: 'delta', label: 'Δ', title: 'Delta', value: (q) => q?.delta, text: (v) => fixed(v, 2) },
  { key: 'gamma', label: 'Γ', title: 'Gamma per index point', greek: true, value: (q) => q?.gamma, text: (v) => fixed(v, 4) },
  { key: 'theta', label: 'Θ', title: 'Theta per calendar day, index points', greek: true, value: (q) => q?.theta, text: (v) => fixed(v, 2) },
  { key: 'vega', label: 'ν', title: 'Vega per vol point, index points', greek: true, value: (q) => q?.vega, text: (v) => fixed(v, 2) },
  {
    key: 'change',
    label: 'Chg',
    title: "LTP change since the previous session's close, index points (a cell's tooltip gives it in percent)",
    value: (q) => q?.change,
    text: (v) => (v == null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(2)}`),
  },
  { key: 'ltp', label: 'LTP', title: 'Last traded price, rupees', flash: true, value: (q) => q?.ltp, text: (v) => fixed(v, 2) },
];
const BY_KEY = new Map(COLUMNS.map((c) => [c.key, c]));

function columnsOf(showGreeks: boolean): Column[] {
  return showGreeks ? COLUMNS : COLUMNS.filter((c) => !c.greek);
}

/** A row's cells, empty: ChainTable's layout effect writes their numbers. */
const RowShell = memo(function RowShell({ strike, atm, callItm, putItm, showGreeks }: { strike: number; atm: boolean; callItm: boolean; putItm: boolean; showGreeks: boolean }) {
  const columns = columnsOf(showGreeks);
  const cells = (side: Side, itm: boolean) =>
    (side === 'CALL' ? columns : [...columns].reverse()).map((c) => (
      <td key={c.key} data-side={side} data-col={c.key} className={itm ? `${c.key} itm` : c.key}>
        {c.key === 'oi' ? (
          <>
            <span className="bar" aria-hidden="true" />
            <span className="value" />
          </>
        ) : null}
      </td>
    ));
  return (
    <tr data-strike={strike} className={atm ? 'atm' : undefined}>
      {cells('CALL', callItm)}
      <th scope="row" className="strike">
        {num(strike, 0)}
      </th>
      {cells('PUT', putItm)}
    </tr>
  );
});

/** What each row element shows now, so an update writes only what changed. */
interface Painted {
  row: Row;
  showGreeks: boolean;
}

const FLASH: Keyframe[][] = [
  [{ backgroundColor: 'var(--flash-down)' }, { backgroundColor: 'transparent' }],
  [{ backgroundColor: 'var(--flash-up)' }, { backgroundColor: 'transparent' }],
];
const FLASH_TIMING: KeyframeAnimationOptions = { duration: 700, easing: 'ease-out' };

function paintRow(tr: HTMLTableRowElement, row: Row, previous: Row | null): void {
  const cells = tr.cells;
  for (let i = 0; i < cells.length; i++) {
    const td = cells[i]!;
    const key = td.dataset.col;
    if (!key) continue;
    const column = BY_KEY.get(key)!;
    const call = td.dataset.side === 'CALL';
    const quote = call ? row.call : row.put;
    const value = column.value(quote);
    const text = column.text(value);
    const target = key === 'oi' ? (td.lastChild as HTMLElement) : td;
    if (target.textContent === text) continue;
    target.textContent = text;
    if (key === 'oi') td.style.setProperty('--oi', String(value ?? 0));
    else if (key === 'change') td.title = changeTitle(quote);
    if (column.flash && previous && value != null) {
      const before = column.value(call ? previous.call : previous.put);
      if (before != null && before !== value) td.animate(FLASH[value > before ? 1 : 0]!, FLASH_TIMING);
    }
  }
}

/** The change cell's tooltip: the change in percent of the previous close, and that close. */
function changeTitle(quote: Quote | null): string {
  if (quote?.changePercent == null || quote.previousClose == null) return 'No previous close';
  const percent = quote.changePercent;
  return `${percent > 0 ? '+' : ''}${percent.toFixed(2)} % since the previous close ${quote.previousClose.toFixed(2)}`;
}

export interface ChainTableProps {
  rows: readonly Row[];
  spot: number;
  atmStrike: number | null;
  showGreeks: boolean;
  /** When this changes (another symbol, expiry or depth), the view scrolls to the ATM strike again. */
  centreKey: string;
  onPick(strike: number, side: Side): void;
}

/** Body row height, px (styles.css sets it); rows drawn beyond the view on each side. */
const ROW_HEIGHT = 26;
const OVERSCAN = 8;

/** The scroll container's position and height, read at most once a frame. */
function useViewport(scroller: React.RefObject<HTMLDivElement | null>) {
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = scroller.current!;
    let frame = 0;
    const read = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight })));
    };
    el.addEventListener('scroll', read, { passive: true });
    const observer = new ResizeObserver(read);
    observer.observe(el);
    read();
    return () => {
      cancelAnimationFrame(frame);
      el.removeEventListener('scroll', read);
      observer.disconnect();
    };
  }, [scroller]);
  return view;
}

export function ChainTable({ rows, spot, atmStrike, showGreeks, centreKey, onPick }: ChainTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLTableSectionElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const painted = useRef(new WeakMap<HTMLTableRowElement, Painted>());
  const centred = useRef<string | null>(null);
  const view = useViewport(scroller);
  const headHeight = head.current?.offsetHeight ?? 0;
  const first = Math.max(0, Math.floor((view.top - headHeight) / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN);
  const shown = rows.slice(first, last);
  useLayoutEffect(() => {
    if (centred.current === centreKey || rows.length === 0) return;
    centred.current = centreKey;
    const atm = rows.findIndex((r) => r.strike === atmStrike);
    const el = scroller.current!;
    if (atm >= 0) el.scrollTop = Math.max(0, headHeight + atm * ROW_HEIGHT - el.clientHeight / 2);
  });
  useLayoutEffect(() => {
    // The first body row is the spacer above the rows shown.
    const trs = body.current!.rows;
    for (let i = 0; i < shown.length; i++) {
      const tr = trs[i + 1]!;
      const row = shown[i]!;
      const was = painted.current.get(tr);
      if (was && was.row === row && was.showGreeks === showGreeks) continue;
      paintRow(tr, row, was && was.row.strike === row.strike ? was.row : null);
      painted.current.set(tr, { row, showGreeks });
    }
    measureRender();
  });
  const columns = columnsOf(showGreeks);
  const onClick = (event: MouseEvent<HTMLTableSectionElement>) => {
    const cell = (event.target as HTMLElement).closest('td[data-side]');
    const strike = cell?.closest('tr')?.dataset.strike;
    if (cell && strike) onPick(Number(strike), (cell as HTMLElement).dataset.side as Side);
  };
  return (
    <div className="table-scroll chain-scroll" ref={scroller}>
      <table className="chain" style={{ '--max-oi': Math.max(1, maxOi(rows)) } as CSSProperties} aria-label="Option chain" aria-rowcount={rows.length + 2}>
        <thead ref={head}>
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
        <tbody ref={body} onClick={onClick}>
          <tr className="spacer" aria-hidden="true" style={{ height: first * ROW_HEIGHT }} />
          {shown.map((row) => (
            <RowShell key={row.strike} strike={row.strike} atm={row.strike === atmStrike} callItm={row.strike < spot} putItm={row.strike > spot} showGreeks={showGreeks} />
          ))}
          <tr className="spacer" aria-hidden="true" style={{ height: (rows.length - last) * ROW_HEIGHT }} />
        </tbody>
      </table>
    </div>
  );
}
