/** The payoff at the first expiry and the P&L at the target instant over the spot grid, rupees against index points, on one uPlot chart. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { Plot, themeColor, themedAxes } from '../charts/Plot.tsx';
import type { StrategyResultFieldsFragment } from '../gql/graphql.ts';

export function PayoffChart({ result }: { result: StrategyResultFieldsFragment }) {
  const [expiry, target] = result.horizons;
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false } },
      axes: themedAxes('Spot at expiry (index points)', 'P&L (₹)'),
      series: [
        { label: 'Spot (points)' },
        { label: 'At expiry (₹)', stroke: themeColor('--accent'), width: 2 },
        ...(target ? [{ label: `At ${target.at.slice(0, 10)} (₹)`, stroke: '#ffb74d', width: 1.5, dash: [6, 4] }] : []),
        { label: 'Zero', stroke: themeColor('--muted'), width: 1 },
      ],
    }),
    [target],
  );
  const data = useMemo<uPlot.AlignedData>(
    () => [result.spots, expiry?.pnl ?? [], ...(target ? [target.pnl] : []), result.spots.map(() => 0)],
    [result, expiry, target],
  );
  return <Plot label="Strategy P&L in rupees against the spot in index points: at expiry and at the target date" options={options} data={data} height={300} shapeKey={target ? 'two' : 'one'} />;
}
