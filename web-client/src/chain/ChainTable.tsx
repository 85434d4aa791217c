/**
 * The option chain: calls left, puts right, strike in the middle.
 *
 * Built for a chain that changes every second: React renders each row's
 * structure (its cells, ATM/ITM classes) and re-renders it only when those
 * change; the numbers are written straight into the cells by one layout
 * effect, for the rows whose row object changed (chainState.ts gives a new
 * one only to strikes an update touched), and only where the text changed.
 * A market-data cell whose value changed flashes (green up, red down) for
 * FLASH_MS: a class on, then off, two paints of the cell, where a fading
 * animation repainted every flashing cell on every frame for its duration.
 *
 * What the browser does with an update is kept to the cells that changed
 * (measured with a Chromium trace at 201 strikes: before this, each update
 * cost 6–17 ms of style recalculation, 18–65 ms of layout of the whole table
 * and 13–30 ms of paint): each cell's content is a `.cell` box with
 * `contain: strict` (a table cell itself cannot be contained), so a changed
 * number lays out and paints that box alone; the OI bars are scaled with a
 * transform written per cell (no layout), not sized by a custom property on
 * the table, whose every change restyled every cell under it.
 *
 * Only the rows in view (and a few either side) are in the DOM: a whole
 * 200-strike chain is a scroll of fixed-height rows with spacers above and
 * below (the table's aria-rowcount says how many there are), so an update
 * costs what the screen shows, not what the chain holds.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, type MouseEvent } from 'react';
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
    // One decimal from 100 points on, so the column's width holds it.
    text: (v) => (v == null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(Math.abs(v) >= 99.995 ? 1 : 2)}`),
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
          <span className="cell">
            <span className="bar" aria-hidden="true" />
            <span className="value" />
          </span>
        ) : (
          <span className="cell" />
        )}
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
  /** The largest OI its bars were scaled to. */
  maxOi: number;
}

/** How long a changed cell stays flashed, ms. */
const FLASH_MS = 700;
/** The update that last flashed each cell box, so an earlier update's timer leaves a newer flash on. */
const flashedBy = new WeakMap<HTMLElement, number>();
let flashUpdate = 0;

/** Flashes `boxes` (each with its direction) until FLASH_MS from now, with one timer for them all. */
function flash(boxes: readonly [HTMLElement, boolean][]): void {
  if (boxes.length === 0) return;
  const update = ++flashUpdate;
  for (const [box, up] of boxes) {
    box.classList.toggle('flash-up', up);
    box.classList.toggle('flash-down', !up);
    flashedBy.set(box, update);
  }
  setTimeout(() => {
    for (const [box] of boxes) if (flashedBy.get(box) === update) box.classList.remove('flash-up', 'flash-down');
  }, FLASH_MS);
}

/**
 * Writes a row's numbers into its cells where they changed, and its OI bars
 * when their OI or the scale (`maxOi`, contracts) changed; adds the cells to
 * flash (up or down) to `flashes`.
 */
function paintRow(tr: HTMLTableRowElement, row: Row, previous: Row | null, maxOi: number, rescale: boolean, flashes: [HTMLElement, boolean][]): void {
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
    const box = td.firstChild as HTMLElement;
    const target = key === 'oi' ? (box.lastChild as HTMLElement) : box;
    const before = previous ? column.value(call ? previous.call : previous.put) : undefined;
    // The bar follows the OI itself, which moves within what its text shows (12.34L).
    if (key === 'oi' && (rescale || before !== value)) (box.firstChild as HTMLElement).style.transform = `scaleX(${Math.min(1, Math.max(0, (value ?? 0) / maxOi))})`;
    if (key === 'change') {
      const title = changeTitle(quote);
      if (td.title !== title) td.title = title;
    }
    if (target.textContent === text) continue;
    target.textContent = text;
    if (column.flash && before != null && value != null && before !== value) flashes.push([box, value > before]);
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
  const scale = Math.max(1, maxOi(rows));
  useLayoutEffect(() => {
    // The first body row is the spacer above the rows shown.
    const trs = body.current!.rows;
    const flashes: [HTMLElement, boolean][] = [];
    for (let i = 0; i < shown.length; i++) {
      const tr = trs[i + 1]!;
      const row = shown[i]!;
      const was = painted.current.get(tr);
      const fresh = !was || was.showGreeks !== showGreeks;
      if (!fresh && was.row === row && was.maxOi === scale) continue;
      paintRow(tr, row, was && was.row.strike === row.strike ? was.row : null, scale, fresh || was.maxOi !== scale, flashes);
      painted.current.set(tr, { row, showGreeks, maxOi: scale });
    }
    flash(flashes);
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
      <table className="chain" aria-label="Option chain" aria-rowcount={rows.length + 2}>
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
