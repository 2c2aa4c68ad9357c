// @vitest-environment jsdom
// The cached node's note in a DOM: it reads the maker run from the engine once, then names it with a button that
// opens it; a maker the engine no longer has is said so instead of "reading" forever.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../app/protocol/engine-api.ts';
import type { ArtifactSummary } from '../../../app/protocol/run-events.ts';
import { EngineRequestError } from '../api/engine-client.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { fakeEngineApi } from '../store/testing/fake-engine.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { CachedFromNote, useRunWithCachedHistory } from './CachedFrom.tsx';
import type { RunView } from './run-view.ts';

afterEach(cleanup);

const at = '2026-01-01T00:00:00.000Z';
const madeBy = (runId: string): ArtifactSummary => ({ key: 'k', port: 'model', type: 'Model', path: '/data/artifacts/k', bytes: 1, createdAt: at, madeBy: { runId, nodeId: 'pretrain' } });
const shown: RunView = { runId: 'r2', pipelineName: 'p', targets: [], status: 'succeeded', startedAt: at, nodes: { pretrain: { state: 'cached', cached: true, metrics: {}, artifacts: { model: madeBy('r1') } } }, series: {}, logs: {} };

function Probe() {
  const { run, unavailable } = useRunWithCachedHistory(shown);
  return (
    <>
      <CachedFromNote run={shown} unavailable={unavailable} />
      <output data-testid="points">{run.series.pretrain?.loss?.steps.length ?? 0}</output>
    </>
  );
}

function renderWith(getRun: () => Promise<RunDetail>) {
  const store = createTestStore();
  store.setState({ engine: fakeEngineApi({ getRun, runLogs: async () => [] }) });
  render(
    <StudioStoreProvider store={store}>
      <Probe />
    </StudioStoreProvider>,
  );
}

describe('CachedFromNote', () => {
  it('reads the maker run and shows its points under the cached node, naming the run', async () => {
    const detail = {
      run: { id: 'r1', status: 'succeeded', pipelineName: 'p', pipelinePath: null, targets: [], startedAt: at, finishedAt: at, nodeCounts: {} },
      pipeline: { nodes: [], edges: [] },
      nodes: {},
      metrics: { pretrain: { loss: [{ step: 1, value: 3, at }, { step: 2, value: 2, at }] } },
    } as unknown as RunDetail;
    renderWith(async () => detail);
    await waitFor(() => expect(screen.getByTestId('points').textContent).toBe('2'));
    expect(screen.getByText(/pretrain came from the cache/).textContent).toMatch(/run r1 Open that run$/);
    expect(screen.getByRole('button', { name: 'Open that run' })).toBeTruthy();
  });

  it('reads each maker run once, also while another maker is still being read', async () => {
    const twoMakers: RunView = { ...shown, nodes: { ...shown.nodes, other: { state: 'cached', cached: true, metrics: {}, artifacts: { model: madeBy('r0') } } } };
    const reads: string[] = [];
    const answers = new Map<string, (detail: RunDetail) => void>();
    const store = createTestStore();
    const getRun = (runId: string) => (reads.push(runId), new Promise<RunDetail>((resolve) => answers.set(runId, resolve)));
    store.setState({ engine: fakeEngineApi({ getRun, runLogs: async () => [] }) });
    function TwoMakers() {
      useRunWithCachedHistory(twoMakers);
      return null;
    }
    render(
      <StudioStoreProvider store={store}>
        <TwoMakers />
      </StudioStoreProvider>,
    );
    await waitFor(() => expect(answers.size).toBe(2));
    const detail = (runId: string) => ({ run: { id: runId, status: 'succeeded', pipelineName: 'p', pipelinePath: null, targets: [], startedAt: at, finishedAt: at, nodeCounts: {} }, pipeline: { nodes: [], edges: [] }, nodes: {}, metrics: {} }) as unknown as RunDetail;
    answers.get('r1')!(detail('r1'));
    await waitFor(() => expect(store.getState().runs.r1).toBeDefined());
    answers.get('r0')!(detail('r0'));
    await waitFor(() => expect(store.getState().runs.r0).toBeDefined());
    expect(reads.sort()).toEqual(['r0', 'r1']);
  });

  it('says when the engine no longer has the maker run', async () => {
    renderWith(() => Promise.reject(new EngineRequestError('no such run', 404, 'run_not_found')));
    await waitFor(() => expect(screen.getByText(/which the engine no longer has/)).toBeTruthy());
    expect(screen.getByTestId('points').textContent).toBe('0');
  });
});
