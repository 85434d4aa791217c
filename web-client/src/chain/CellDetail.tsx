/** One strike side in detail: its quote, its session series (IV, OI) and its buildup history. */
import { useState } from 'react';
import { useQuery } from 'urql';
import { OptionCellQuery } from '../documents.ts';
import { contracts, istTime, num, pct, signed } from '../format.ts';
import { TimeChart } from '../charts/TimeChart.tsx';
import type { Side } from './ChainTable.tsx';
import { addLeg, newLeg } from '../strategy/legs.ts';

export function CellDetail({ symbol, expiry, strike, side, onClose }: { symbol: string; expiry: string; strike: number; side: Side; onClose(): void }) {
  const [added, setAdded] = useState<'BUY' | 'SELL' | null>(null);
  const [{ data, error, fetching }] = useQuery({ query: OptionCellQuery, variables: { symbol, expiry, strike, side } });
  const cell = data?.optionCell;
  const times = cell?.session.map((p) => Date.parse(p.bucket) / 1000) ?? [];
  return (
    <aside className="detail" aria-label={`${symbol} ${strike} ${side} detail`}>
      <header>
        <h2>
          {symbol} {expiry} {num(strike, 0)} {side === 'CALL' ? 'CE' : 'PE'}
        </h2>
        <span className="add-leg">
          {(['BUY', 'SELL'] as const).map((action) => (
            <button
              key={action}
              type="button"
              aria-label={`Add ${action === 'BUY' ? 'a buy' : 'a sell'} of this option to the strategy`}
              onClick={() => {
                addLeg(newLeg({ instrument: 'OPTION', action, right: side, strike, expiry, lots: 1 }));
                setAdded(action);
              }}
            >
              {action === 'BUY' ? 'Buy' : 'Sell'} → strategy
            </button>
          ))}
          <span role="status">{added && <a href="#/strategy">Added ({added.toLowerCase()}): open the builder</a>}</span>
        </span>
        <button type="button" onClick={onClose} aria-label="Close detail">
          ✕
        </button>
      </header>
      {error && <p className="error">{error.message}</p>}
      {fetching && !cell && <p>Loading…</p>}
      {cell && (
        <>
          <dl className="strip">
            <div>
              <dt>LTP</dt>
              <dd>
                {num(cell.quote.ltp)} ({signed(cell.dayChange?.ltpPoints)})
              </dd>
            </div>
            <div>
              <dt>OI</dt>
              <dd>
                {contracts(cell.quote.oi)} ({signed(cell.dayChange?.oiContracts, 0)})
              </dd>
            </div>
            <div>
              <dt>IV</dt>
              <dd>
                {pct(cell.quote.iv)} (session {pct(cell.sessionIvLow)}–{pct(cell.sessionIvHigh)})
              </dd>
            </div>
            <div>
              <dt>Δ / Γ / Θ / ν</dt>
              <dd>
                {num(cell.quote.delta)} / {num(cell.quote.gamma, 4)} / {num(cell.quote.theta)} / {num(cell.quote.vega)}
              </dd>
            </div>
          </dl>
          {times.length > 0 && (
            <TimeChart
              label="Session IV (percent) and OI (lakh contracts)"
              height={180}
              series={[
                { name: 'IV %', times, values: cell.session.map((p) => (p.ivLast == null ? null : p.ivLast * 100)), color: '#ffb74d' },
                { name: 'OI (L)', times, values: cell.session.map((p) => (p.oiLast == null ? null : p.oiLast / 1e5)), color: '#42a5f5' },
              ]}
            />
          )}
          <h3>Buildup history</h3>
          <table className="compact">
            <thead>
              <tr>
                <th scope="col">Time (IST)</th>
                <th scope="col">OI</th>
                <th scope="col">Since open</th>
                <th scope="col">Buildups</th>
              </tr>
            </thead>
            <tbody>
              {cell.buildupHistory.slice(-12).reverse().map((point) => (
                <tr key={point.timestamp}>
                  <td>{istTime(point.timestamp)}</td>
                  <td>{contracts(point.oiContracts)}</td>
                  <td>{contracts(point.changeSinceOpenContracts)}</td>
                  <td>{point.buildups.map((b) => `${b.kind ?? '–'} (${b.windowMinutes}m)`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </aside>
  );
}
