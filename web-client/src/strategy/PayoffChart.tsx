/** The payoff at the first expiry and the P&L at the target instant over the spot grid, rupees against index points, on one uPlot chart. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { Plot, themeColor, themedAxes } from '../charts/Plot.tsx';
import type { StrategyResultFieldsFragment } from '../gql/graphql.ts';
import { istTime } from '../format.ts';

/** When the second curve is: now (T+0, the server's default), or the target's IST date and time. */
export function targetLabel(result: Pick<StrategyResultFieldsFragment, 'horizons' | 'valuedAt'>): string {
  const target = result.horizons[1];
  if (!target) return '';
  return target.at === result.valuedAt ? 'now (T+0)' : `on ${new Date(target.at).toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' })} ${istTime(target.at)} IST`;
}

export function PayoffChart({ result }: { result: StrategyResultFieldsFragment }) {
  const [expiry, target] = result.horizons;
  const label = targetLabel(result);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false } },
      axes: themedAxes('Spot at expiry (index points)', 'P&L (₹)'),
      series: [
        { label: 'Spot (points)' },
        { label: 'At expiry (₹)', stroke: themeColor('--accent'), width: 2 },
        ...(target ? [{ label: `P&L ${label} (₹)`, stroke: '#ffb74d', width: 1.5, dash: [6, 4] }] : []),
        { label: 'Zero', stroke: themeColor('--muted'), width: 1 },
      ],
    }),
    [label],
  );
  const data = useMemo<uPlot.AlignedData>(
    () => [result.spots, expiry?.pnl ?? [], ...(target ? [target.pnl] : []), result.spots.map(() => 0)],
    [result, expiry, target],
  );
  return <Plot label="Strategy P&L in rupees against the spot in index points: at expiry and at the target date" options={options} data={data} height={300} shapeKey={label} />;
}
