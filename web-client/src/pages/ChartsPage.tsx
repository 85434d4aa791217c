/**
 * Charts of the selected chain: OI profile with support/resistance zones, IV
 * smile, term structure, GEX profile (uPlot, canvas), and the intraday
 * series (spot, PCR, max pain, ATM IV) over a chosen time range
 * (lightweight-charts). Live, or at the playback's instant.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import uPlot from 'uplot';
import { ChainSeriesQuery, GexProfileQuery, IvSmileQuery, OiProfileQuery } from '../documents.ts';
import { useSelection } from '../selection.tsx';
import { Plot, themeColor, themedAxes } from '../charts/Plot.tsx';
import { TimeChart } from '../charts/TimeChart.tsx';
import { usePlaybackInstant, useRefreshing } from '../charts/useRefreshing.ts';
import type { ChartInterval, OiProfileChartQuery } from '../gql/graphql.ts';
import { num, pct } from '../format.ts';

const bars = uPlot.paths.bars!({ size: [0.6, 12] });

/** Vertical bands (zones) and lines (spot, levels) drawn under the series. */
function bandsPlugin(get: () => { bands: { from: number; to: number; color: string }[]; lines: { at: number; color: string }[] }): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        const { bands, lines } = get();
        ctx.save();
        for (const band of bands) {
          const x0 = u.valToPos(band.from, 'x', true);
          const x1 = u.valToPos(band.to, 'x', true);
          ctx.fillStyle = band.color;
          ctx.fillRect(Math.min(x0, x1) - 4, top, Math.abs(x1 - x0) + 8, height);
        }
        for (const line of lines) {
          const x = u.valToPos(line.at, 'x', true);
          ctx.strokeStyle = line.color;
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function OiProfileChart({ profile }: { profile: NonNullable<OiProfileChartQuery['oiProfile']> }) {
  const data = useMemo<uPlot.AlignedData>(
    () => [profile.strikes.map((s) => s.strike), profile.strikes.map((s) => (s.callOi ?? 0) / 1e5), profile.strikes.map((s) => (s.putOi ?? 0) / 1e5)],
    [profile],
  );
  const latest = useRef(profile);
  latest.current = profile;
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      axes: themedAxes('Strike', 'OI (lakh contracts)'),
      scales: { x: { time: false } },
      series: [
        { label: 'Strike' },
        { label: 'Call OI (L)', stroke: themeColor('--call'), fill: themeColor('--call-fill'), paths: bars },
        { label: 'Put OI (L)', stroke: themeColor('--put'), fill: themeColor('--put-fill'), paths: bars },
      ],
      plugins: [
        bandsPlugin(() => ({
          bands: [
            ...latest.current.support.map((z) => ({ from: z.lowStrike, to: z.highStrike, color: 'rgba(102,187,106,0.18)' })),
            ...latest.current.resistance.map((z) => ({ from: z.lowStrike, to: z.highStrike, color: 'rgba(239,83,80,0.18)' })),
          ],
          lines: [{ at: latest.current.spot, color: themeColor('--text') }],
        })),
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
  return <Plot label="Open interest by strike with support and resistance zones" options={options} data={data} />;
}

/** The clock, read again every `everyMs` (the intraday range ends now). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

const RANGES: { label: string; minutes: number; interval: ChartInterval }[] = [
  { label: '30 min', minutes: 30, interval: 'ONE_MINUTE' },
  { label: '2 h', minutes: 120, interval: 'ONE_MINUTE' },
  { label: '6 h', minutes: 360, interval: 'FIVE_MINUTES' },
  { label: '1 day', minutes: 1440, interval: 'FIFTEEN_MINUTES' },
];

export function ChartsPage() {
  const { symbol, expiry } = useSelection();
  const at = usePlaybackInstant(2_000);
  const [range, setRange] = useState(RANGES[1]!);
  const oi = useRefreshing(OiProfileQuery, { symbol, expiry, at });
  const smile = useRefreshing(IvSmileQuery, { symbol, expiry, at });
  const gex = useRefreshing(GexProfileQuery, { symbol, expiry, at });
  const seriesExpiry = expiry ?? oi.data?.oiProfile?.snapshot.expiry ?? null;
  const now = useNow(15_000);
  const to = at ? Date.parse(at) : now;
  const from = to - range.minutes * 60_000;
  const [series] = useQuery({
    query: ChainSeriesQuery,
    variables: { symbol, expiry: seriesExpiry ?? '', from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval: range.interval },
    pause: !seriesExpiry,
  });

  const smileData = useMemo<uPlot.AlignedData | null>(() => {
    const points = smile.data?.ivSmile?.points;
    if (!points?.length) return null;
    const percent = (v: number | null) => (v == null ? null : v * 100);
    return [points.map((p) => p.strike), points.map((p) => percent(p.callIv)), points.map((p) => percent(p.putIv)), points.map((p) => percent(p.fittedIv))];
  }, [smile.data]);
  const termData = useMemo<uPlot.AlignedData | null>(() => {
    const term = smile.data?.termStructure;
    if (!term?.length) return null;
    return [term.map((t) => t.timeToExpiryYears * 365), term.map((t) => (t.atmIv == null ? null : t.atmIv * 100))];
  }, [smile.data]);
  const gexData = useMemo<uPlot.AlignedData | null>(() => {
    const strikes = gex.data?.gexProfile?.strikes;
    if (!strikes?.length) return null;
    return [strikes.map((s) => s.strike), strikes.map((s) => (s.netGex == null ? null : s.netGex / 1e7))];
  }, [gex.data]);
  const intraday = useMemo(() => {
    const data = series.data?.chainSeries;
    if (!data) return null;
    const times = data.buckets.map((b) => Date.parse(b) / 1000);
    const column = (field: string) => data.columns.find((c) => c.field === field)?.values ?? [];
    return { times, spot: column('SPOT'), pcr: column('PCR_OI'), maxPain: column('MAX_PAIN'), atmIv: column('ATM_IV') };
  }, [series.data]);

  const lineOptions = (x: string, y: string, names: [string, string][]): Omit<uPlot.Options, 'width' | 'height'> => ({
    axes: themedAxes(x, y),
    scales: { x: { time: false } },
    series: [{ label: x }, ...names.map(([label, color]) => ({ label, stroke: themeColor(color), width: 2, spanGaps: true, points: { size: 4 } }))],
  });
  const smileOptions = useMemo(() => lineOptions('Strike', 'IV (%)', [['Call IV %', '--call'], ['Put IV %', '--put'], ['SVI fit %', '--accent']]), []);
  const termOptions = useMemo(() => lineOptions('Days to expiry', 'ATM IV (%)', [['ATM IV %', '--accent']]), []);
  const gexOptions = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({ axes: themedAxes('Strike', 'Net GEX (₹ Cr per 1 % move)'), scales: { x: { time: false } }, series: [{ label: 'Strike' }, { label: 'Net GEX (₹ Cr)', stroke: themeColor('--accent'), fill: themeColor('--accent-fill'), paths: bars }] }),
    [],
  );

  return (
    <section aria-labelledby="charts-title">
      <div className="toolbar">
        <h1 id="charts-title">{symbol} charts</h1>
      </div>
      <div className="grid">
        <figure className="card" data-chart="oi-profile">
          <figcaption>
            OI profile <small>max pain {num(oi.data?.oiProfile?.maxPain, 0)} · PCR {num(oi.data?.oiProfile?.pcrOi)} · green support, red resistance</small>
          </figcaption>
          {oi.error && <p className="error">{oi.error.message}</p>}
          {oi.data?.oiProfile ? <OiProfileChart profile={oi.data.oiProfile} /> : <p>No chain yet.</p>}
        </figure>
        <figure className="card" data-chart="iv-smile">
          <figcaption>
            IV smile <small>ATM IV {pct(smile.data?.ivSmile?.atmIv)}</small>
          </figcaption>
          {smile.error && <p className="error">{smile.error.message}</p>}
          {smileData ? <Plot label="Implied volatility by strike" options={smileOptions} data={smileData} /> : <p>No smile yet.</p>}
        </figure>
        <figure className="card" data-chart="term-structure">
          <figcaption>Term structure</figcaption>
          {termData ? <Plot label="ATM implied volatility by days to expiry" options={termOptions} data={termData} /> : <p>No term structure yet.</p>}
        </figure>
        <figure className="card" data-chart="gex-profile">
          <figcaption>
            GEX profile <small>flip {num(gex.data?.gexProfile?.gammaFlip, 0)} · call wall {num(gex.data?.gexProfile?.callWall, 0)} · put wall {num(gex.data?.gexProfile?.putWall, 0)}</small>
          </figcaption>
          {gex.error && <p className="error">{gex.error.message}</p>}
          {gexData ? <Plot label="Net gamma exposure by strike" options={gexOptions} data={gexData} /> : <p>No GEX yet.</p>}
        </figure>
        <figure className="card wide" data-chart="intraday">
          <figcaption>
            Intraday{' '}
            <span role="group" aria-label="Time range">
              {RANGES.map((r) => (
                <button key={r.label} type="button" aria-pressed={r === range} onClick={() => setRange(r)}>
                  {r.label}
                </button>
              ))}
            </span>
          </figcaption>
          {series.error && <p className="error">{series.error.message}</p>}
          {intraday && (
            <div className="grid">
              <TimeChart label="Spot and max pain, index points" series={[{ name: 'Spot', times: intraday.times, values: intraday.spot, color: '#42a5f5' }, { name: 'Max pain', times: intraday.times, values: intraday.maxPain, color: '#ffb74d' }]} />
              <TimeChart label="PCR and ATM IV (percent)" series={[{ name: 'PCR', times: intraday.times, values: intraday.pcr, color: '#ab47bc' }, { name: 'ATM IV %', times: intraday.times, values: intraday.atmIv.map((v) => (v == null ? null : v * 100)), color: '#26a69a' }]} />
            </div>
          )}
        </figure>
      </div>
    </section>
  );
}
