// The loss chart keeps a distilling node's KD and CE apart from a plain model's loss.
import { describe, expect, it } from 'vitest';
import { lossChartSeries } from './loss-series.ts';
import type { RunView } from './run-view.ts';

function runWith(series: RunView['series']): RunView {
  return { runId: 'r', pipelineName: 'p', targets: [], status: 'running', startedAt: '2026-01-01T00:00:00.000Z', nodes: {}, series, logs: {} };
}

describe('lossChartSeries', () => {
  it("draws a student's KD and CE as their own lines beside the teacher's loss, never the student's mixed loss", () => {
    const series = lossChartSeries(
      runWith({
        teacher: { loss: { steps: [1, 2], values: [3, 2.5] } },
        student: { loss: { steps: [1, 2], values: [9, 8] }, kdLoss: { steps: [1, 2], values: [15, 13] }, ceLoss: { steps: [1, 2], values: [3.1, 2.9] } },
      }),
    );
    expect(series).toEqual([
      { label: 'teacher', steps: [1, 2], values: [3, 2.5] },
      { label: 'student KD', steps: [1, 2], values: [15, 13] },
      { label: 'student CE', steps: [1, 2], values: [3.1, 2.9] },
    ]);
  });

  it('leaves out nodes with no loss points', () => {
    expect(lossChartSeries(runWith({ data: { documents: { steps: [1], values: [4] } }, train: { loss: { steps: [], values: [] } } }))).toEqual([]);
  });
});
