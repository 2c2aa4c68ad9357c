// Shapes metric series for uPlot, which wants one shared x array and one y array per series (null where a series
// has no point at that x). Several nodes reporting the same metric share one chart.
import type { RunView } from './run-view.ts';

export interface ChartSeries {
  label: string;
  steps: readonly number[];
  values: readonly number[];
}

export type AlignedData = [number[], ...(number | null)[][]];

export function alignSeries(series: readonly ChartSeries[]): AlignedData {
  const xs = [...new Set(series.flatMap((one) => one.steps))].sort((a, b) => a - b);
  const indexOf = new Map(xs.map((x, index) => [x, index]));
  const columns = series.map((one) => {
    const column: (number | null)[] = new Array(xs.length).fill(null);
    one.steps.forEach((step, index) => {
      column[indexOf.get(step)!] = one.values[index] ?? null;
    });
    return column;
  });
  return [xs, ...columns];
}

/** Each node's series of one metric, for nodes that reported it. */
export function seriesOfMetric(run: RunView, metric: string): ChartSeries[] {
  return Object.entries(run.series).flatMap(([nodeId, byName]) => {
    const one = byName[metric];
    return one && one.steps.length > 0 ? [{ label: nodeId, steps: one.steps, values: one.values }] : [];
  });
}

/** Below this many points in view, a line's points are drawn too, so a lone point (one evaluation so far) shows. */
export const SPARSE_POINT_COUNT = 24;

/** Whether a column has few enough values between two indices (inclusive) to draw them as points. */
export function isSparse(column: ArrayLike<number | null | undefined>, fromIndex: number, toIndex: number): boolean {
  let count = 0;
  for (let index = Math.max(0, fromIndex); index <= Math.min(column.length - 1, toIndex); index++) {
    if (column[index] !== null && column[index] !== undefined && ++count >= SPARSE_POINT_COUNT) return false;
  }
  return true;
}

/** The last reported value of a series, with its step; undefined for an empty one. */
export function latestPoint(series: ChartSeries): { step: number; value: number } | undefined {
  const last = series.steps.length - 1;
  return last < 0 ? undefined : { step: series.steps[last]!, value: series.values[last]! };
}
