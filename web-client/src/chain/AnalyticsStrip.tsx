/** The chain's analytics at a glance: PCR, max pain, ATM IV, expected move, GEX, gamma flip. */
import { contracts, istTime, num, pct } from '../format.ts';
import type { ChainState } from './chainState.ts';

export function AnalyticsStrip({ chain }: { chain: ChainState }) {
  const a = chain.analytics;
  const items: [string, string, string][] = [
    ['Spot', num(chain.spot), 'index points'],
    ['PCR (OI)', num(a.pcrOi, 2), 'put OI ÷ call OI'],
    ['Max pain', num(a.maxPain, 0), 'strike where option writers pay least at expiry'],
    ['ATM IV', pct(a.atmIv), 'implied volatility at the money, percent'],
    ['Expected move', `±${num(a.expectedMove, 0)}`, 'index points to expiry, from the ATM straddle'],
    ['GEX', `₹${contracts(a.totalGex)}`, 'total gamma exposure, rupees per 1 % move'],
    ['Gamma flip', num(a.gammaFlip, 0), 'spot where total GEX changes sign'],
    ['Updated', istTime(chain.timestamp), 'IST'],
  ];
  return (
    <dl className="strip" aria-label="Chain analytics">
      {items.map(([name, value, title]) => (
        <div key={name} title={title}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
