// Chart data for uPlot: series of different nodes merged on one sorted x axis with gaps where a node has no point.
import { describe, expect, it } from 'vitest';
import { alignSeries, isSparse, latestPoint, seriesOfMetric, SPARSE_POINT_COUNT } from './chart-data.ts';
import type { RunView } from './run-view.ts';

describe('alignSeries', () => {
  it('merges x values and leaves gaps as null', () => {
    expect(alignSeries([
      { label: 'a', steps: [1, 3], values: [10, 30] },
      { label: 'b', steps: [2, 3], values: [20, 31] },
    ])).toEqual([[1, 2, 3], [10, null, 30], [null, 20, 31]]);
  });
});

describe('seriesOfMetric', () => {
  it('collects the metric from every node that reported it', () => {
    const run = { series: { train: { loss: { steps: [1], values: [2] } }, student: { loss: { steps: [5], values: [3] }, lr: { steps: [5], values: [0.1] } } } } as unknown as RunView;
    expect(seriesOfMetric(run, 'loss').map((one) => one.label)).toEqual(['train', 'student']);
    expect(seriesOfMetric(run, 'valLoss')).toEqual([]);
  });
});

describe('what a chart needs to show few points', () => {
  it('counts only the values in view, ignoring gaps', () => {
    const lone = [null, null, 2.5, null];
    expect(isSparse(lone, 0, 3)).toBe(true);
    const dense = Array.from({ length: SPARSE_POINT_COUNT + 5 }, (_, index) => index);
    expect(isSparse(dense, 0, dense.length - 1)).toBe(false);
    expect(isSparse(dense, 0, 3)).toBe(true);
  });

  it('reads the latest point of a series', () => {
    expect(latestPoint({ label: 'a', steps: [1, 5], values: [3, 2] })).toEqual({ step: 5, value: 2 });
    expect(latestPoint({ label: 'a', steps: [], values: [] })).toBeUndefined();
  });
});
