// One live line chart (uPlot) of a metric, one line per node that reports it. uPlot draws imperatively, so the
// chart is created once per mount and fed new data as points arrive.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, type ChartSeries } from './chart-data.ts';
import { formatMetric } from './format.ts';

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
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const labels = series.map((one) => one.label).join('\0');

  // A new set of lines needs a new chart; new points on the same lines only need setData (below).
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const created = new uPlot(optionsFor(title, series, Math.max(200, element.clientWidth)), alignSeries(series) as uPlot.AlignedData, element);
    chart.current = created;
    const resize = new ResizeObserver(() => created.setSize({ width: Math.max(200, element.clientWidth), height: CHART_HEIGHT_PX }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      chart.current = null;
    };
  }, [title, labels]); // `series` is left out on purpose: new points go through setData below

  useEffect(() => {
    chart.current?.setData(alignSeries(series) as uPlot.AlignedData);
  }, [series]);

  const points = series.reduce((sum, one) => sum + one.steps.length, 0);
  return <div className="metric-chart" ref={holder} data-metric={title} data-points={points} />;
}
