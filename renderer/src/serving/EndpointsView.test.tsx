// @vitest-environment jsdom
// The endpoints view in a DOM: an autoscaled deployment's card shows its replicas against its bounds and the newest
// scaling decisions, and follows the engine's list when refreshed; an api-endpoint's card lists its upstreams.
import { cleanup, fireEvent, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { fakeEngineApi } from '../store/testing/fake-engine.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { createTestStore } from '../store/testing/test-store.ts';
import { EndpointsView } from './EndpointsView.tsx';

afterEach(cleanup);

const started = '2026-12-07T08:00:00.000Z';
const deployment = (details: Record<string, unknown>): ServiceInfo => ({ id: 'svc-dep', runId: 'run-1', node: 'deploy', kind: 'deployment', name: 'bard', startedAt: started, status: 'running', details: { device: 'cpu', precision: 'float32', maxBatchSize: 8, minReplicas: 1, maxReplicas: 3, ...details } });
const endpoint: ServiceInfo = {
  id: 'svc-api',
  runId: 'run-1',
  node: 'api-endpoint',
  kind: 'api-endpoint',
  name: 'bard',
  url: 'http://127.0.0.1:8377',
  startedAt: started,
  status: 'running',
  details: { models: ['bard', 'llama'], auth: 'keys', upstreams: [{ url: 'http://10.0.0.2:8000/v1', name: 'gpu-box', models: ['llama'], state: 'up' }] },
};

function renderWith(lists: ServiceInfo[][]) {
  let call = 0;
  const store = createTestStore();
  store.getState().attachEngine(
    fakeEngineApi({
      services: async () => lists[Math.min(call++, lists.length - 1)]!,
      fetchFromService: async () => new Response(JSON.stringify({ status: 'ok', models: { bard: 'ready' } }), { status: 200, headers: { 'content-type': 'application/json' } }),
    }),
  );
  const view = render(
    <StudioStoreProvider store={store}>
      <EndpointsView />
    </StudioStoreProvider>,
  );
  return { store, view };
}

describe('EndpointsView', () => {
  it('shows an autoscaled deployment’s replicas and scaling decisions, and updates them on refresh', async () => {
    const before = deployment({ replicas: 1, replicaStates: { ready: 1, loading: 0, draining: 0 }, scalingEvents: [] });
    const after = deployment({
      replicas: 2,
      replicaStates: { ready: 1, loading: 1, draining: 0 },
      scalingEvents: [{ at: '2026-12-07T08:01:02.000Z', direction: 'up', from: 1, to: 2, reason: '4 waiting for 3.0 s' }],
    });
    const { store, view } = renderWith([[before, endpoint], [after, endpoint]]);
    await store.getState().refreshServices();
    const card = () => view.container.querySelector('.service[data-kind="deployment"]')!;
    await waitFor(() => expect(card().querySelector('[data-replicas-summary]')?.textContent).toBe('1 replica of 1–3'));
    expect(card().querySelector('.scaling-decisions')).toBeNull();

    fireEvent.click(view.getByText('Refresh'));
    await waitFor(() => expect(card().querySelector('[data-replicas-summary]')?.textContent).toBe('2 replicas of 1–3 · 1 loading'));
    expect(Array.from(card().querySelectorAll('.scaling-decisions li')).map((item) => item.textContent)).toEqual(['08:01:02 UTC up 1 → 2: 4 waiting for 3.0 s']);
    expect(card().querySelector('.service-placement')?.textContent).toBe('runs on CPU · float32 · 2 replicas · batch 8');
  });

  it('lists an api-endpoint’s upstreams with the model names clients use, and no replica line for a fixed deployment', async () => {
    const fixed = deployment({ replicas: 2, minReplicas: 2, maxReplicas: 2 });
    const { store, view } = renderWith([[fixed, endpoint]]);
    await store.getState().refreshServices();
    await waitFor(() => expect(view.container.querySelector('[data-upstream="http://10.0.0.2:8000/v1"]')).not.toBeNull());
    expect(view.container.querySelector('[data-upstream="http://10.0.0.2:8000/v1"]')!.textContent).toBe('gpu-box http://10.0.0.2:8000/v1 models: llama up');
    expect(view.container.querySelector('.service[data-kind="deployment"] .service-replicas')).toBeNull();
  });
});

describe('Stop and Restart on a service card', () => {
  it('stops a running endpoint, shows it stopped below the running ones, and restarts it as a new service', async () => {
    const calls: string[] = [];
    const restarted: ServiceInfo = { ...endpoint, id: 'svc-api-2', startedAt: '2026-12-07T09:00:00.000Z' };
    let listed: ServiceInfo[] = [deployment({ replicas: 1 }), endpoint];
    const store = createTestStore();
    store.getState().attachEngine(
      fakeEngineApi({
        services: async () => listed,
        stopService: async (id) => {
          calls.push(`stop ${id}`);
          listed = listed.map((service) => (service.id === id ? { ...service, status: 'stopped' } : service));
          return listed.find((service) => service.id === id)!;
        },
        restartService: async (id) => {
          calls.push(`restart ${id}`);
          listed = [...listed, restarted];
          return [restarted];
        },
        fetchFromService: async () => new Response(JSON.stringify({ status: 'ok' }), { status: 200, headers: { 'content-type': 'application/json' } }),
      }),
    );
    const view = render(
      <StudioStoreProvider store={store}>
        <EndpointsView />
      </StudioStoreProvider>,
    );
    await store.getState().refreshServices();
    const card = (id: string) => view.container.querySelector(`.service[data-service="${id}"]`)!;
    await waitFor(() => expect(card('svc-api').querySelector('[data-service-state]')?.textContent).toBe('running'));

    fireEvent.click(card('svc-api').querySelector('[data-service-action="stop"]')!);
    await waitFor(() => expect(card('svc-api').querySelector('[data-service-state]')?.textContent).toBe('stopped'));
    expect(card('svc-api').querySelector('[data-service-action="stop"]')).toBeNull();
    expect(Array.from(view.container.querySelectorAll('.service')).map((element) => element.getAttribute('data-service'))).toEqual(['svc-dep', 'svc-api']);
    expect(store.getState().notice?.message).toContain('Stopped api-endpoint "bard": it stays down');

    fireEvent.click(card('svc-api').querySelector('[data-service-action="restart"]')!);
    await waitFor(() => expect(card('svc-api-2')?.querySelector('[data-service-state]')?.textContent).toBe('running'));
    expect(calls).toEqual(['stop svc-api', 'restart svc-api']);
    expect(store.getState().notice?.message).toBe('Restarted api-endpoint "bard" as svc-api-2 at http://127.0.0.1:8377');
    expect(Array.from(view.container.querySelectorAll('.service')).map((element) => element.getAttribute('data-service'))).toEqual(['svc-api-2', 'svc-dep', 'svc-api']);
  });

  it('says why a restart failed, and keeps the card as it was', async () => {
    const store = createTestStore();
    store.getState().attachEngine(fakeEngineApi({ services: async () => [endpoint], restartService: async () => Promise.reject(new Error('port 8377 on 127.0.0.1 is already taken by process 42 (python3)')) }));
    await store.getState().refreshServices();
    await store.getState().restartService('svc-api');
    expect(store.getState().notice).toMatchObject({ kind: 'error', message: expect.stringContaining('Cannot restart api-endpoint "bard": port 8377 on 127.0.0.1 is already taken by process 42') });
    expect(store.getState().serviceControls).toEqual({});
    expect(store.getState().services).toEqual([endpoint]);
  });
});
