// Comparing stored runs: curves overlaid per run and node, config fields that differ, final metrics side by side
// with the best one marked.
import { describe, expect, it } from 'vitest';
import { configDifferences, configRows, finalMetricRows, overlaySeries, reportedMetrics, runLabel } from './compare-runs.ts';
import { runDetail } from './testing/run-details.ts';

const first = runDetail({
  id: 'run-20260301T120000-a1b2c3',
  startedAt: '2026-03-01T12:00:00.000Z',
  nodes: { data: ['dataset', { sources: [{ path: 'a.txt' }] }], train: ['pretrain', { learningRate: 0.001, nLayer: 2 }] },
  metrics: { train: { loss: [3, 2.5, 2.1], valLoss: [2.4], tokensPerSec: [900, 1000, 1100] } },
});
const second = runDetail({
  id: 'run-20260301T130500-d4e5f6',
  startedAt: '2026-03-01T13:05:00.000Z',
  nodes: { data: ['dataset', { sources: [{ path: 'a.txt' }] }], train: ['pretrain', { learningRate: 0.003, nLayer: 2, dropout: 0.1 }], student: ['distill', {}] },
  metrics: { train: { loss: [3, 2.2], valLoss: [2.2], tokensPerSec: [800, 950] }, student: { loss: [9, 8], ceLoss: [3.3, 3.1], kdLoss: [14, 12] } },
});

describe('compare runs', () => {
  it('labels a run by its start time and id tail', () => {
    expect(runLabel('run-20260301T130500-d4e5f6')).toBe('13:05:00 d4e5');
    expect(runLabel('an-imported-run-id')).toBe('ted-run-id');
  });

  it("overlays one metric's curve per run and node, a student's CE standing in for its mixed loss", () => {
    expect(overlaySeries([first, second], 'loss')).toEqual([
      { label: '12:00:00 a1b2 train', steps: [1, 2, 3], values: [3, 2.5, 2.1] },
      { label: '13:05:00 d4e5 train', steps: [1, 2], values: [3, 2.2] },
      { label: '13:05:00 d4e5 student CE', steps: [1, 2], values: [3.3, 3.1] },
    ]);
    expect(overlaySeries([first, second], 'loss', 'train').map((one) => one.label)).toEqual(['12:00:00 a1b2 train', '13:05:00 d4e5 train']);
    expect(reportedMetrics([first, second])).toEqual(['ceLoss', 'kdLoss', 'loss', 'tokensPerSec', 'valLoss']);
  });

  it('lists the config fields whose values differ, a node or field one run lacks as null', () => {
    expect(configDifferences([first, second])).toEqual([
      { path: 'train.learningRate', values: ['0.001', '0.003'], differs: true },
      { path: 'train.dropout', values: [null, '0.1'], differs: true },
      { path: 'student (type)', values: [null, 'distill'], differs: true },
    ]);
    expect(configRows([first, second]).find((row) => row.path === 'data.sources')).toEqual({ path: 'data.sources', values: ['[{"path":"a.txt"}]', '[{"path":"a.txt"}]'], differs: false });
  });

  it('puts final metrics side by side and marks the best run: lowest loss, highest throughput', () => {
    const rows = finalMetricRows([first, second]);
    expect(rows.find((row) => row.node === 'train' && row.metric === 'loss')).toEqual({ node: 'train', metric: 'loss', values: [2.1, 2.2], best: 0 });
    expect(rows.find((row) => row.metric === 'tokensPerSec')).toMatchObject({ values: [1100, 950], best: 0 });
    expect(rows.find((row) => row.node === 'student' && row.metric === 'kdLoss')).toEqual({ node: 'student', metric: 'kdLoss', values: [null, 12], best: null });
  });
});
