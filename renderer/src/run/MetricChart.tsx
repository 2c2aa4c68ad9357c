// One live line chart (uPlot) of a metric, one line per node that reports it. uPlot draws imperatively, so the
// chart is created once per mount and fed new data as points arrive.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { alignSeries, type ChartSeries } from './chart-data.ts';
import { formatMetric } from './format.ts';
import { useUPlot } from './use-uplot.ts';

const LINE_COLORS = ['#5b7fd6', '#d0605e', '#4f9d69', '#c08b2c', '#8a6bc9', '#3aa0a8'];
const CHART_HEIGHT_PX = 180;

function optionsFor(title: string, series: readonly ChartSeries[], width: number): uPlot.Options {
  return {
    title,
    width,
    height: CHART_HEIGHT_PX,
    scales: { x: { time: false } },
    axes: [{ label: 'step', stroke: 'currentColor' }, { stroke: 'currentColor', size: 70, values: (_chart, splits) => splits.map(formatMetric) }],
    series: [{ label: 'step' }, ...series.map((one, index) => ({ label: one.label, stroke: LINE_COLORS[index % LINE_COLORS.length], width: 2, spanGaps: true, points: { show: false } }))],
  };
}

export function MetricChart({ title, series }: { title: string; series: readonly ChartSeries[] }) {
  const labels = series.map((one) => one.label).join('\0');
  const data = useMemo(() => alignSeries(series) as uPlot.AlignedData, [series]);
  // A new set of lines needs a new chart; new points on the same lines only need setData.
  const holder = useUPlot({ optionsAt: (widthPx) => optionsFor(title, series, widthPx), data, heightPx: CHART_HEIGHT_PX, minWidthPx: 200 }, [title, labels]);

  const points = series.reduce((sum, one) => sum + one.steps.length, 0);
  return <div className="metric-chart" ref={holder} data-metric={title} data-points={points} />;
}
