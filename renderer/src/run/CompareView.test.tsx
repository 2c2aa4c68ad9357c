// @vitest-environment jsdom
// The Compare tab in a DOM: ticking two runs reads their details from the engine and shows their curves, the config
// field that differs and the final metrics side by side; the filters and column sorting narrow and order the table.
// uPlot needs a canvas jsdom lacks, so the chart is replaced by a list of its lines (the e2e test draws the real one).
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChartSeries } from './chart-data.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { fakeEngineApi } from '../store/testing/fake-engine.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { CompareView } from './CompareView.tsx';
import { runDetail, runListItem, type StoredRunSpec } from './testing/run-details.ts';

vi.mock('./MetricChart.tsx', () => ({
  MetricChart: ({ title, series }: { title: string; series: ChartSeries[] }) => <ul aria-label={title}>{series.map((one) => <li key={one.label}>{one.label}</li>)}</ul>,
}));

afterEach(cleanup);

const SPECS: StoredRunSpec[] = [
  { id: 'run-20260301T120000-aaaaaa', pipelineName: 'char', startedAt: '2026-03-01T12:00:00.000Z', nodes: { train: ['pretrain', { learningRate: 0.001 }] }, metrics: { train: { loss: [3, 2.1] } } },
  { id: 'run-20260301T130000-bbbbbb', pipelineName: 'char', startedAt: '2026-03-01T13:00:00.000Z', nodes: { train: ['pretrain', { learningRate: 0.003 }] }, metrics: { train: { loss: [3, 1.9] } } },
  { id: 'run-20260301T140000-cccccc', pipelineName: 'bpe', status: 'failed', startedAt: '2026-03-01T14:00:00.000Z', nodes: { tok: ['tokenizer', {}] } },
];

function renderCompare(specs: StoredRunSpec[] = SPECS) {
  const getRun = vi.fn(async (runId: string) => runDetail(specs.find((spec) => spec.id === runId)!));
  const store = createTestStore();
  store.setState({ engine: fakeEngineApi({ getRun }), runHistory: specs.map(runListItem) });
  render(
    <StudioStoreProvider store={store}>
      <CompareView />
    </StudioStoreProvider>,
  );
  return { getRun, store };
}

const rowIds = () => Array.from(document.querySelectorAll('[data-run-row]')).map((row) => row.getAttribute('data-run-row'));

describe('CompareView', () => {
  it('compares two ticked runs: curves per run, the differing learning rate, final losses with the best marked', async () => {
    const { getRun } = renderCompare();
    expect(getRun).not.toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText('Compare run run-20260301T120000-aaaaaa'));
    fireEvent.click(screen.getByLabelText('Compare run run-20260301T130000-bbbbbb'));
    const chart = await screen.findByLabelText('train loss by run');
    expect(within(chart).getAllByRole('listitem').map((item) => item.textContent)).toEqual(['12:00:00 aaaa train', '13:00:00 bbbb train']);
    const config = document.querySelector('[data-compare="config"]')!;
    expect(within(config as HTMLElement).getByText('train.learningRate').closest('tr')!.textContent).toBe('train.learningRate0.0010.003');
    const best = document.querySelector('[data-compare="metrics"] td.best')!;
    expect(Number(best.textContent)).toBe(1.9);
    expect(getRun.mock.calls.map(([id]) => id).sort()).toEqual(['run-20260301T120000-aaaaaa', 'run-20260301T130000-bbbbbb']);
  });

  it('filters by pipeline and state, by node once the details arrive, and sorts by a column', async () => {
    renderCompare();
    expect(rowIds()).toEqual(['run-20260301T140000-cccccc', 'run-20260301T130000-bbbbbb', 'run-20260301T120000-aaaaaa']);
    fireEvent.change(screen.getByLabelText('Filter by pipeline'), { target: { value: 'char' } });
    expect(rowIds()).toEqual(['run-20260301T130000-bbbbbb', 'run-20260301T120000-aaaaaa']);
    fireEvent.click(screen.getByRole('button', { name: 'Started ▾' }));
    expect(rowIds()).toEqual(['run-20260301T120000-aaaaaa', 'run-20260301T130000-bbbbbb']);
    fireEvent.change(screen.getByLabelText('Filter by pipeline'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Filter by state'), { target: { value: 'failed' } });
    expect(rowIds()).toEqual(['run-20260301T140000-cccccc']);
    fireEvent.change(screen.getByLabelText('Filter by state'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Filter by node'), { target: { value: 'tok' } });
    await waitFor(() => expect(rowIds()).toEqual(['run-20260301T140000-cccccc']));
  });

  it('reads a ticked run again once the run list says it finished, so its curves are whole', async () => {
    const running: StoredRunSpec[] = [{ ...SPECS[0]!, status: 'running', finishedAt: null }, SPECS[1]!];
    const { getRun, store } = renderCompare(running);
    fireEvent.click(screen.getByLabelText('Compare run run-20260301T120000-aaaaaa'));
    fireEvent.click(screen.getByLabelText('Compare run run-20260301T130000-bbbbbb'));
    await waitFor(() => expect(getRun).toHaveBeenCalledTimes(2));
    store.setState({ runHistory: SPECS.slice(0, 2).map(runListItem) });
    await waitFor(() => expect(getRun).toHaveBeenCalledTimes(3));
    expect(getRun.mock.calls[2]![0]).toBe('run-20260301T120000-aaaaaa');
  });
});
