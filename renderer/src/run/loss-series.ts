// The train-loss chart's lines. A distilling node's loss is alpha·KD + (1 − alpha)·CE, which does not compare with a
// plain model's cross-entropy on the same chart, so such a node draws its KD and CE parts as two lines instead.
import type { ChartSeries } from './chart-data.ts';
import type { RunView } from './run-view.ts';

export function lossChartSeries(run: RunView): ChartSeries[] {
  return Object.entries(run.series).flatMap(([nodeId, byName]): ChartSeries[] => {
    const { kdLoss, ceLoss, loss } = byName;
    if (kdLoss?.steps.length && ceLoss?.steps.length) {
      return [
        { label: `${nodeId} KD`, steps: kdLoss.steps, values: kdLoss.values },
        { label: `${nodeId} CE`, steps: ceLoss.steps, values: ceLoss.values },
      ];
    }
    return loss?.steps.length ? [{ label: nodeId, steps: loss.steps, values: loss.values }] : [];
  });
}
