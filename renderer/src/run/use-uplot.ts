// A uPlot chart inside a React component. uPlot draws imperatively, so the chart is made once per identity (a new
// set of lines, a new metric), follows its holder's width, and takes new data through setData.
import { useEffect, useRef, type RefObject } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatTick } from './format.ts';

/** An axis's tick labels (its `values`): each with as many decimals as the spacing between ticks needs. */
export const tickLabels = (_chart: uPlot, splits: number[], _axis: number, _space: number, increment: number): string[] => splits.map((value) => formatTick(value, increment));

export interface UPlotChart {
  /** The chart's options at a width in pixels. */
  optionsAt: (widthPx: number) => uPlot.Options;
  /** Memoise it: each new value goes to the chart through setData. */
  data: uPlot.AlignedData;
  heightPx: number;
  minWidthPx: number;
}

/** Returns the ref of the element to draw in. `identity` lists what needs a new chart when it changes. */
export function useUPlot(chart: UPlotChart, identity: readonly unknown[]): RefObject<HTMLDivElement | null> {
  const holder = useRef<HTMLDivElement>(null);
  const drawn = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const widthPx = () => Math.max(chart.minWidthPx, element.clientWidth);
    const created = new uPlot(chart.optionsAt(widthPx()), chart.data, element);
    drawn.current = created;
    const resize = new ResizeObserver(() => created.setSize({ width: widthPx(), height: chart.heightPx }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      drawn.current = null;
    };
  }, identity); // the rest of `chart` is left out on purpose: new data goes through setData below

  useEffect(() => {
    drawn.current?.setData(chart.data);
  }, [chart.data]);

  return holder;
}
