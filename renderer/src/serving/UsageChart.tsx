// A small bar chart (uPlot) of cost or tokens per day. uPlot draws imperatively: the chart is made once per metric
// and fed new days with setData.
import { useMemo } from 'react';
import uPlot from 'uplot';
import { tickLabels, useUPlot } from '../run/use-uplot.ts';
import type { DailyUsage } from './usage-summary.ts';

const CHART_HEIGHT_PX = 150;
const BAR_COLOR = '#5b7fd6';
const HALF_DAY_S = 43_200;

function chartData(usage: DailyUsage): uPlot.AlignedData {
  return [usage.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000), usage.values];
}

function optionsFor(label: string, width: number): uPlot.Options {
  return {
    width,
    height: CHART_HEIGHT_PX,
    legend: { show: false },
    // Half a day of room each side keeps the first and last bars whole; counts and costs start at zero.
    scales: { x: { time: true, range: (_chart, min, max) => [min - HALF_DAY_S, max + HALF_DAY_S] }, y: { range: (_chart, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', size: 60, values: tickLabels }],
    series: [{}, { label, stroke: BAR_COLOR, width: 0, fill: BAR_COLOR, paths: uPlot.paths.bars?.({ size: [0.6, 40] }), points: { show: false } }],
  };
}

export function UsageChart({ label, usage }: { label: string; usage: DailyUsage }) {
  const data = useMemo(() => chartData(usage), [usage]);
  // New days go through setData, not a new chart.
  const holder = useUPlot({ optionsAt: (widthPx) => optionsFor(label, widthPx), data, heightPx: CHART_HEIGHT_PX, minWidthPx: 240 }, [label]);

  return <div className="usage-chart" ref={holder} data-days={usage.days.length} aria-label={`${label} per day`} />;
}
