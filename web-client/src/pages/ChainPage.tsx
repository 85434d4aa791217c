/** The live option chain: strikes around ATM, analytics strip, and a cell's detail on click. */
import { useMemo, useState } from 'react';
import { useSelection } from '../selection.tsx';
import { useChain } from '../chain/useChain.ts';
import { rowsAroundAtm } from '../chain/chainState.ts';
import { ChainTable, type Side } from '../chain/ChainTable.tsx';
import { AnalyticsStrip } from '../chain/AnalyticsStrip.tsx';
import { CellDetail } from '../chain/CellDetail.tsx';

const DEPTHS = ['5', '10', '15', '20', 'all'];

export function ChainPage({ params }: { params: URLSearchParams }) {
  const { symbol } = useSelection();
  const { chain, error } = useChain();
  const [depth, setDepth] = useState(() => (DEPTHS.includes(params.get('depth') ?? '') ? params.get('depth')! : '10'));
  const [showGreeks, setShowGreeks] = useState(params.get('greeks') === '1');
  const [picked, setPicked] = useState<{ strike: number; side: Side } | null>(null);
  const rows = useMemo(
    () => (chain ? rowsAroundAtm(chain.rows, chain.analytics.atmStrike, chain.spot, depth === 'all' ? null : Number(depth)) : []),
    [chain, depth],
  );
  return (
    <section aria-labelledby="chain-title">
      <div className="toolbar">
        <h1 id="chain-title">
          {symbol} option chain {chain ? <small>expiry {chain.expiry}</small> : null}
        </h1>
        <label>
          Strikes each side
          <select value={depth} onChange={(e) => setDepth(e.target.value)}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={showGreeks} onChange={(e) => setShowGreeks(e.target.checked)} /> Greeks
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      {!chain && !error && <p>Waiting for the first chain…</p>}
      {chain && (
        <>
          <AnalyticsStrip chain={chain} />
          {chain.gaps > 0 && <p className="warn">{chain.gaps} update(s) missed; the chain is complete again at the next full message.</p>}
          <div className="chain-layout">
            <ChainTable rows={rows} spot={chain.spot} atmStrike={chain.analytics.atmStrike} showGreeks={showGreeks} centreKey={`${chain.symbol} ${chain.expiry} ${depth}`} onPick={(strike, side) => setPicked({ strike, side })} />
            {picked && <CellDetail symbol={chain.symbol} expiry={chain.expiry} strike={picked.strike} side={picked.side} onClose={() => setPicked(null)} />}
          </div>
        </>
      )}
    </section>
  );
}
