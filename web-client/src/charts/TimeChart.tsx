/**
 * Intraday series on TradingView's lightweight-charts (canvas, built for live
 * streaming data): one line per series, times in IST on the axis.
 */
import { useEffect, useRef } from 'react';
import { createChart, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { themeColor } from './Plot.tsx';

export interface TimeSeries {
  name: string;
  /** Epoch seconds and values; null values are gaps. */
  times: number[];
  values: (number | null)[];
  color: string;
}

const IST_OFFSET_S = 5.5 * 3600;

export function TimeChart({ label, series, height = 220 }: { label: string; series: TimeSeries[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const lines = useRef<ISeriesApi<'Line'>[]>([]);
  const shape = series.map((s) => s.name).join('|');
  useEffect(() => {
    const el = box.current!;
    const api = createChart(el, {
      height,
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: themeColor('--muted'), attributionLogo: false },
      grid: { vertLines: { color: themeColor('--grid') }, horzLines: { color: themeColor('--grid') } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { borderVisible: false },
    });
    chart.current = api;
    lines.current = series.map((s) => api.addSeries(LineSeries, { color: s.color, lineWidth: 2, title: s.name, priceLineVisible: false }));
    return () => {
      api.remove();
      chart.current = null;
      lines.current = [];
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height]);
  useEffect(() => {
    series.forEach((s, i) => {
      const points = [];
      for (let j = 0; j < s.times.length; j++) {
        const value = s.values[j];
        // Shown in IST: the library draws times as UTC.
        if (value != null) points.push({ time: (s.times[j]! + IST_OFFSET_S) as UTCTimestamp, value });
      }
      lines.current[i]?.setData(points);
    });
    chart.current?.timeScale().fitContent();
  }, [series]);
  return <div ref={box} className="time-chart" role="img" aria-label={label} />;
}
