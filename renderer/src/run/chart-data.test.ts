// Chart data for uPlot: series of different nodes merged on one sorted x axis with gaps where a node has no point.
import { describe, expect, it } from 'vitest';
import { alignSeries, seriesOfMetric } from './chart-data.ts';
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
