/**
 * The strategy builder: legs from a template (or added from the chain's cell
 * detail), edited in a table, evaluated by `strategy(input)` and kept live by
 * `strategyUpdated(input)`: the payoff at the first expiry and the P&L at a
 * target date on one chart, breakevens, max profit/loss, probability of
 * profit (lognormal and smile-implied), the margin estimate and the position
 * Greeks, in rupees unless a label says otherwise.
 */
import { useMemo, useState } from 'react';
import { useClient, useQuery, useSubscription } from 'urql';
import { ExpiriesQuery, StrategyQuery, StrategySubscription, StrategyTemplateQuery, StrategyTemplatesQuery } from '../documents.ts';
import { useSelection } from '../selection.tsx';
import { istTime, num, pct, signed } from '../format.ts';
import { MAX_LEGS, addLeg, newLeg, removeLeg, replaceLegs, toLegInputs, updateLeg, useLegs, type DraftLeg } from '../strategy/legs.ts';
import { PayoffChart, targetLabel } from '../strategy/PayoffChart.tsx';
import type { StrategyInput, StrategyResultFieldsFragment } from '../gql/graphql.ts';

/** Rupees, whole. */
const rupees = (value: number | null | undefined) => (value == null ? '–' : `₹${num(value, 0)}`);

/** Signed whole rupees, without a "−0" for a loss below half a rupee. */
const signedRupees = (value: number | null | undefined) => signed(value == null ? value : Math.round(value) || 0, 0);

/** A number input's value, or null when empty or not a number. */
const numberOrNull = (text: string): number | null => (text.trim() === '' || !Number.isFinite(Number(text)) ? null : Number(text));

function useExpiryDates(symbol: string): string[] {
  const [{ data }] = useQuery({ query: ExpiriesQuery, variables: { symbol } });
  return useMemo(() => (data?.expiryList ?? []).filter((e) => e.hasData).map((e) => e.date), [data]);
}

function TemplatePicker({ symbol, expiries, defaultExpiry }: { symbol: string; expiries: string[]; defaultExpiry: string | null }) {
  const client = useClient();
  const [{ data }] = useQuery({ query: StrategyTemplatesQuery });
  const templates = data?.strategyTemplates ?? [];
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('');
  const [farExpiry, setFarExpiry] = useState('');
  const [width, setWidth] = useState('2');
  const [lots, setLots] = useState('1');
  const [error, setError] = useState<string | null>(null);
  const template = templates.find((t) => t.name === name) ?? templates[0];
  const near = expiry || defaultExpiry || expiries[0] || '';
  const far = farExpiry || expiries.find((e) => e > near) || '';

  async function apply() {
    if (!template || !near) return;
    setError(null);
    const result = await client
      .query(StrategyTemplateQuery, {
        symbol,
        name: template.name,
        expiry: near,
        farExpiry: template.needsFarExpiry ? far : null,
        widthStrikes: Number(width),
        lots: Number(lots),
      }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.error) return setError(result.error.message);
    replaceLegs(
      (result.data?.strategyTemplate ?? []).map((leg) =>
        newLeg({ instrument: leg.instrument, action: leg.action, right: leg.right ?? 'CALL', strike: leg.strike, expiry: leg.expiry, lots: leg.lots }),
      ),
    );
  }

  return (
    <form className="form" aria-label="Strategy template" onSubmit={(e) => (e.preventDefault(), void apply())}>
      <label>
        Template{' '}
        <select value={template?.name ?? ''} onChange={(e) => setName(e.target.value)}>
          {templates.map((t) => (
            <option key={t.name} value={t.name} title={t.description}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Expiry{' '}
        <select value={near} onChange={(e) => setExpiry(e.target.value)}>
          {expiries.map((e) => (
            <option key={e}>{e}</option>
          ))}
        </select>
      </label>
      {template?.needsFarExpiry && (
        <label>
          Far expiry{' '}
          <select value={far} onChange={(e) => setFarExpiry(e.target.value)}>
            {expiries.filter((e) => e > near).map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        Width (strike steps){' '}
        <input type="number" min={1} max={50} step={1} value={width} onChange={(e) => setWidth(e.target.value)} style={{ width: '5em' }} />
      </label>
      <label>
        Lots per leg{' '}
        <input type="number" min={1} max={100} step={1} value={lots} onChange={(e) => setLots(e.target.value)} style={{ width: '5em' }} />
      </label>
      <button type="submit" disabled={!template || !near}>
        Use template
      </button>
      {template && <p className="muted">{template.description}</p>}
      {error && <p className="error">{error}</p>}
    </form>
  );
}

function LegsTable({ legs, expiries, priced }: { legs: readonly DraftLeg[]; expiries: string[]; priced: StrategyResultFieldsFragment['legs'] | null }) {
  const defaultExpiry = legs[legs.length - 1]?.expiry ?? expiries[0] ?? '';
  return (
    <div className="table-scroll">
      <table className="compact legs" aria-label="Strategy legs">
        <thead>
          <tr>
            <th>Action</th>
            <th>Instrument</th>
            <th>Right</th>
            <th>Strike (points)</th>
            <th>Expiry</th>
            <th>Lots</th>
            <th>Entry price (points, empty: chain mid)</th>
            <th>IV (%, empty: chain)</th>
            <th>P&L now (₹)</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {legs.map((leg, i) => {
            const name = `Leg ${i + 1}`;
            const pricedLeg = priced?.find((p) => p.index === i);
            const option = leg.instrument === 'OPTION';
            return (
              <tr key={leg.id} data-leg={i}>
                <td>
                  <select aria-label={`${name} action`} value={leg.action} onChange={(e) => updateLeg(leg.id, { action: e.target.value as DraftLeg['action'] })}>
                    <option value="BUY">Buy</option>
                    <option value="SELL">Sell</option>
                  </select>
                </td>
                <td>
                  <select aria-label={`${name} instrument`} value={leg.instrument} onChange={(e) => updateLeg(leg.id, { instrument: e.target.value as DraftLeg['instrument'] })}>
                    <option value="OPTION">Option</option>
                    <option value="FUTURE">Future</option>
                  </select>
                </td>
                <td>
                  <select aria-label={`${name} right`} value={leg.right} disabled={!option} onChange={(e) => updateLeg(leg.id, { right: e.target.value as DraftLeg['right'] })}>
                    <option value="CALL">CE</option>
                    <option value="PUT">PE</option>
                  </select>
                </td>
                <td>
                  <input aria-label={`${name} strike (index points)`} type="number" step="any" disabled={!option} value={leg.strike ?? ''} onChange={(e) => updateLeg(leg.id, { strike: numberOrNull(e.target.value) })} style={{ width: '6.5em' }} />
                </td>
                <td>
                  <select aria-label={`${name} expiry`} value={leg.expiry} onChange={(e) => updateLeg(leg.id, { expiry: e.target.value })}>
                    {(expiries.includes(leg.expiry) ? expiries : [leg.expiry, ...expiries]).map((e) => (
                      <option key={e}>{e}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <input aria-label={`${name} lots`} type="number" min={1} step={1} value={leg.lots} onChange={(e) => updateLeg(leg.id, { lots: Number(e.target.value) })} style={{ width: '4em' }} />
                </td>
                <td>
                  <input
                    aria-label={`${name} entry price (index points)`}
                    type="number"
                    step="any"
                    min={0}
                    placeholder={pricedLeg ? num(pricedLeg.entryPrice) : ''}
                    value={leg.entryPrice ?? ''}
                    onChange={(e) => updateLeg(leg.id, { entryPrice: numberOrNull(e.target.value) })}
                    style={{ width: '6em' }}
                  />
                </td>
                <td>
                  <input
                    aria-label={`${name} IV (percent)`}
                    type="number"
                    step="any"
                    min={0}
                    disabled={!option}
                    placeholder={pricedLeg?.iv != null ? num(pricedLeg.iv * 100, 1) : ''}
                    value={leg.iv == null ? '' : +(leg.iv * 100).toFixed(4)}
                    onChange={(e) => {
                      const percent = numberOrNull(e.target.value);
                      updateLeg(leg.id, { iv: percent == null ? null : percent / 100 });
                    }}
                    style={{ width: '5em' }}
                  />
                </td>
                <td className={pricedLeg && Math.round(pricedLeg.pnlNow) < 0 ? 'down' : 'up'}>{pricedLeg ? signedRupees(pricedLeg.pnlNow) : '–'}</td>
                <td>
                  <button type="button" aria-label={`Remove ${name.toLowerCase()}`} onClick={() => removeLeg(leg.id)}>
                    ✕
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        disabled={legs.length >= MAX_LEGS || !defaultExpiry}
        onClick={() => addLeg(newLeg({ instrument: 'OPTION', action: 'BUY', right: 'CALL', strike: legs[legs.length - 1]?.strike ?? null, expiry: defaultExpiry, lots: 1 }))}
      >
        Add leg
      </button>{' '}
      {legs.length > 0 && (
        <button type="button" onClick={() => replaceLegs([])}>
          Clear legs
        </button>
      )}
    </div>
  );
}

/** "unlimited", or the rupees. */
function extreme(value: number | null, unlimited: boolean): string {
  return unlimited ? 'unlimited' : rupees(value);
}

function Results({ result, live }: { result: StrategyResultFieldsFragment; live: boolean }) {
  const [expiry, target] = result.horizons;
  const g = result.greeks;
  const m = result.margin;
  return (
    <div className="grid">
      <figure className="card wide" data-chart="payoff">
        <figcaption>
          Payoff at expiry and P&L {targetLabel(result)} <small>₹ against spot (index points); spot now {num(result.spot)}</small>
        </figcaption>
        <PayoffChart result={result} />
      </figure>
      <section className="card" aria-label="Strategy summary">
        <dl className="strip">
          <div>
            <dt>{live ? 'Live P&L (₹)' : 'P&L now (₹)'}</dt>
            <dd className={Math.round(result.pnlNow) < 0 ? 'down' : 'up'} data-testid="pnl-now">
              {signedRupees(result.pnlNow)} <small>at {istTime(result.valuedAt)} IST</small>
            </dd>
          </div>
          <div>
            <dt>Net premium (₹)</dt>
            <dd>
              {rupees(Math.abs(result.netPremium))} {result.netPremiumKind.toLowerCase()}
            </dd>
          </div>
          <div>
            <dt>Max profit at expiry (₹)</dt>
            <dd data-testid="max-profit">{expiry ? extreme(expiry.maxProfit, expiry.maxProfitUnlimited) : '–'}</dd>
          </div>
          <div>
            <dt>Max loss at expiry (₹)</dt>
            <dd data-testid="max-loss">{expiry ? extreme(expiry.maxLoss, expiry.maxLossUnlimited) : '–'}</dd>
          </div>
          <div>
            <dt>Probability of profit, lognormal at ATM IV {pct(result.atmIv)}</dt>
            <dd>{pct(expiry?.lognormal.probabilityOfProfit)}</dd>
          </div>
          <div>
            <dt>Probability of profit, smile-implied</dt>
            <dd>{expiry?.smileImplied ? pct(expiry.smileImplied.probabilityOfProfit) : 'not available'}</dd>
          </div>
          <div>
            <dt>Expected P&L, lognormal (₹)</dt>
            <dd>{signedRupees(expiry?.lognormal.expectedPnl)}</dd>
          </div>
        </dl>
        <h2>Breakevens at expiry (index points)</h2>
        {expiry && expiry.breakevens.length > 0 ? (
          <ul className="breakevens" aria-label="Breakevens">
            {expiry.breakevens.map((b) => (
              <li key={b.spot}>
                {num(b.spot)} <small>(touch probability {pct(b.touchProbability)})</small>
              </li>
            ))}
          </ul>
        ) : (
          <p>None: the position never crosses zero at expiry.</p>
        )}
      </section>
      <section className="card" aria-label="Margin and Greeks">
        <h2>Margin estimate (₹, SPAN-like, not the exchange's figure)</h2>
        <table className="compact" aria-label="Margin estimate">
          <tbody>
            <tr><th>Total blocked</th><td data-testid="margin-total">{rupees(m.totalRupees)}</td></tr>
            <tr><th>SPAN</th><td>{rupees(m.spanRupees)}</td></tr>
            <tr><th>Exposure</th><td>{rupees(m.exposureRupees)}</td></tr>
            <tr><th>Premium paid</th><td>{rupees(m.premiumRupees)}</td></tr>
            <tr><th>Hedge benefit</th><td>{rupees(m.hedgeBenefitRupees)}</td></tr>
          </tbody>
        </table>
        <h2>Position Greeks (₹)</h2>
        <table className="compact" aria-label="Position Greeks">
          <tbody>
            <tr><th>Value</th><td>{rupees(g.value)}</td></tr>
            <tr><th>Delta (₹ per index point)</th><td>{signed(g.delta, 1)}</td></tr>
            <tr><th>Gamma (₹ per point²)</th><td>{signed(g.gamma, 3)}</td></tr>
            <tr><th>Theta (₹ per day)</th><td>{signedRupees(g.theta)}</td></tr>
            <tr><th>Vega (₹ per vol point)</th><td>{signedRupees(g.vega)}</td></tr>
            <tr><th>Rho (₹ per 1 % rate)</th><td>{signedRupees(g.rho)}</td></tr>
          </tbody>
        </table>
      </section>
    </div>
  );
}

/** The target instant of a YYYY-MM-DD (15:15 IST that day, and never before now). */
function targetInstant(date: string): string {
  return new Date(Math.max(Date.now() + 60_000, Date.parse(`${date}T09:45:00Z`))).toISOString();
}

export function StrategyPage() {
  const { symbol, expiry } = useSelection();
  const expiries = useExpiryDates(symbol);
  const legs = useLegs();
  const [targetDate, setTargetDate] = useState('');
  const legInputs = useMemo(() => toLegInputs(legs), [legs]);
  const inputKey = JSON.stringify([symbol, legInputs, targetDate]);
  const input = useMemo<StrategyInput | null>(
    () => (legInputs ? { symbol, legs: legInputs, spotPoints: 201, ...(targetDate ? { targetDates: [targetInstant(targetDate)] } : {}) } : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [inputKey],
  );
  const [evaluated] = useQuery({ query: StrategyQuery, variables: { input: input! }, pause: !input });
  const [live] = useSubscription({ query: StrategySubscription, variables: { input: input! }, pause: !input });
  // A live result of an older input is not shown for this one.
  const liveResult = live.data && live.operation?.variables && JSON.stringify(live.operation.variables.input) === JSON.stringify(input) ? live.data.strategyUpdated : null;
  const result = input ? (liveResult ?? evaluated.data?.strategy ?? null) : null;
  const error = input ? (evaluated.error ?? live.error)?.message : null;
  return (
    <section aria-labelledby="strategy-title">
      <div className="toolbar">
        <h1 id="strategy-title">{symbol} strategy builder</h1>
      </div>
      <TemplatePicker symbol={symbol} expiries={expiries} defaultExpiry={expiry} />
      <LegsTable legs={legs} expiries={expiries} priced={result?.legs ?? null} />
      <div className="form">
        <label>
          Target date for the P&L curve (empty: now, T+0){' '}
          <input type="date" value={targetDate} onChange={(e) => setTargetDate(e.target.value)} />
        </label>
        <span role="status">{!input ? (legs.length ? 'Complete every leg (strike, lots ≥ 1) to evaluate.' : 'Pick a template or add legs (also from a chain cell’s detail).') : liveResult ? 'Live: re-priced on every chain snapshot.' : evaluated.fetching ? 'Evaluating…' : ''}</span>
      </div>
      {error && <p className="error">{error}</p>}
      {result && <Results result={result} live={liveResult != null} />}
    </section>
  );
}
