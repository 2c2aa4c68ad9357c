// One live line chart (uPlot) of a metric, one line per node that reports it. uPlot draws imperatively, so the
// chart is created once per mount and fed new data as points arrive. Our own legend under it names each line with
// its latest value (uPlot's hover legend sat at "step: --" whenever the pointer was elsewhere).
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { alignSeries, isSparse, latestPoint, type ChartSeries } from './chart-data.ts';
import { formatMetric, formatTick } from './format.ts';
import { tickLabels, useUPlot } from './use-uplot.ts';

const LINE_COLORS = ['#5b7fd6', '#d0605e', '#4f9d69', '#c08b2c', '#8a6bc9', '#3aa0a8'];
const CHART_HEIGHT_PX = 180;

const lineColor = (index: number) => LINE_COLORS[index % LINE_COLORS.length]!;

function optionsFor(title: string, series: readonly ChartSeries[], width: number): uPlot.Options {
  return {
    title,
    width,
    height: CHART_HEIGHT_PX,
    legend: { show: false },
    // uPlot pads a lone x value itself; drawing the point is what a one-point chart was missing.
    scales: { x: { time: false } },
    axes: [
      { label: 'step', stroke: 'currentColor', values: tickLabels },
      { stroke: 'currentColor', size: 70, values: tickLabels },
    ],
    series: [
      { label: 'step' },
      ...series.map((one, index) => ({
        label: one.label,
        stroke: lineColor(index),
        width: 2,
        spanGaps: true,
        // Sparse lines (val loss at a few evaluations, a lone first point) show their points; dense ones stay lines.
        points: { size: 6, show: (chart: uPlot, seriesIndex: number, from: number, to: number) => isSparse(chart.data[seriesIndex] ?? [], from, to) },
      })),
    ],
  };
}

export function MetricChart({ title, series }: { title: string; series: readonly ChartSeries[] }) {
  const labels = series.map((one) => one.label).join('\0');
  const data = useMemo(() => alignSeries(series) as uPlot.AlignedData, [series]);
  // A new set of lines needs a new chart; new points on the same lines only need setData.
  const holder = useUPlot({ optionsAt: (widthPx) => optionsFor(title, series, widthPx), data, heightPx: CHART_HEIGHT_PX, minWidthPx: 200 }, [title, labels]);

  const points = series.reduce((sum, one) => sum + one.steps.length, 0);
  return (
    <figure className="metric-chart-frame">
      <div className="metric-chart" ref={holder} data-metric={title} data-points={points} />
      <figcaption className="chart-legend">
        {series.map((one, index) => {
          const latest = latestPoint(one);
          return (
            <span key={one.label} className="chart-legend-item" data-series={one.label}>
              <span className="chart-legend-swatch" style={{ background: lineColor(index) }} aria-hidden="true" />
              {one.label}
              {latest && <span className="chart-legend-value">{formatMetric(latest.value)} at step {formatTick(latest.step, 1)}</span>}
            </span>
          );
        })}
      </figcaption>
    </figure>
  );
}
