/**
 * A uPlot chart (canvas) sized to its container: created once per shape of
 * options, fed new data with setData, resized with the container. Used for
 * the profiles (OI, GEX), the smile and the term structure, where x is a
 * strike or a time to expiry rather than a clock.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface PlotProps {
  /** What the chart shows, for screen readers. */
  label: string;
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  /** Recreate the chart when this changes (series added or removed). */
  shapeKey?: string;
}

export function Plot({ label, options, data, height = 280, shapeKey = '' }: PlotProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  useEffect(() => {
    const el = box.current!;
    const plot = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height }, latest.current, el);
    chart.current = plot;
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shapeKey, height]);
  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);
  return <div ref={box} className="plot" role="img" aria-label={label} />;
}

/** A colour of the current theme (a CSS custom property on :root). */
export function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Axis styling that follows the theme. */
export function themedAxes(xLabel: string, yLabel: string): uPlot.Axis[] {
  const stroke = themeColor('--muted');
  const grid = { stroke: themeColor('--grid'), width: 1 };
  return [
    { label: xLabel, stroke, grid, ticks: grid },
    { label: yLabel, stroke, grid, ticks: grid, size: 60 },
  ];
}
