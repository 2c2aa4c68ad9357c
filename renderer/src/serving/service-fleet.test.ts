// Replica and upstream views read from service details: live counts and bounds, newest scaling decisions first, and
// details from an older engine or of another shape shown as nothing rather than as garbage.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { deploymentReplicas, endpointUpstreams, SCALING_LINES_SHOWN, serviceState, servicesInCardOrder } from './service-fleet.ts';

const base: ServiceInfo = { id: 'svc-1', runId: 'run-1', node: 'deploy', kind: 'deployment', name: 'bard', startedAt: '2026-12-07T08:00:00.000Z', status: 'running' };
const event = (minute: number, direction: 'up' | 'down', from: number, to: number) => ({ at: `2026-12-07T08:${String(minute).padStart(2, '0')}:00.000Z`, direction, from, to, reason: `reason ${minute}` });

describe('deploymentReplicas', () => {
  it('shows an autoscaled deployment as current of min–max with the replicas not yet or no longer serving', () => {
    const service = { ...base, details: { replicas: 2, minReplicas: 1, maxReplicas: 3, replicaStates: { ready: 1, loading: 1, draining: 1 }, scalingEvents: [event(1, 'up', 1, 2), event(2, 'up', 2, 3), event(3, 'down', 3, 2)] } };
    expect(deploymentReplicas(service)).toEqual({
      summary: '2 replicas of 1–3 · 1 loading · 1 draining',
      autoscaled: true,
      decisions: [
        { at: '2026-12-07T08:03:00.000Z', text: 'down 3 → 2: reason 3' },
        { at: '2026-12-07T08:02:00.000Z', text: 'up 2 → 3: reason 2' },
        { at: '2026-12-07T08:01:00.000Z', text: 'up 1 → 2: reason 1' },
      ],
    });
  });

  it('keeps only the newest decisions and skips malformed ones', () => {
    const events = [...Array.from({ length: 8 }, (_, minute) => event(minute, 'up', 1, 2)), { at: 'x', direction: 'sideways', from: 1, to: 2 }];
    const view = deploymentReplicas({ ...base, details: { replicas: 1, minReplicas: 1, maxReplicas: 2, scalingEvents: events } })!;
    expect(view.decisions).toHaveLength(SCALING_LINES_SHOWN);
    expect(view.decisions[0]!.at).toBe('2026-12-07T08:07:00.000Z');
  });

  it('shows a fixed deployment as its count, and nothing for stopped services, other kinds, or details without replicas', () => {
    expect(deploymentReplicas({ ...base, details: { replicas: 1, minReplicas: 1, maxReplicas: 1 } })).toEqual({ summary: '1 replica', autoscaled: false, decisions: [] });
    expect(deploymentReplicas({ ...base, details: { replicas: 2 } })).toMatchObject({ summary: '2 replicas', autoscaled: false });
    expect(deploymentReplicas({ ...base, status: 'stopped', details: { replicas: 2 } })).toBeNull();
    expect(deploymentReplicas({ ...base, kind: 'api-endpoint', details: { replicas: 2 } })).toBeNull();
    expect(deploymentReplicas({ ...base, details: { replicas: 'two' } })).toBeNull();
  });
});

describe('endpointUpstreams', () => {
  it('lists each upstream with the names clients use for its models', () => {
    const service: ServiceInfo = {
      ...base,
      kind: 'api-endpoint',
      details: { upstreams: [{ url: 'http://10.0.0.2:8000/v1', name: 'gpu-box', models: [{ name: 'llama-3-8b', servedAs: 'llama' }, { name: 'qwen' }], state: 'up' }, { url: 'http://10.0.0.3:8000/v1', models: ['bard'] }, { models: ['no-url'] }] },
    };
    expect(endpointUpstreams(service)).toEqual([
      { url: 'http://10.0.0.2:8000/v1', name: 'gpu-box', models: ['llama', 'qwen'], state: 'up' },
      { url: 'http://10.0.0.3:8000/v1', name: null, models: ['bard'], state: null },
    ]);
    expect(endpointUpstreams({ ...service, kind: 'deployment' })).toEqual([]);
    expect(endpointUpstreams({ ...service, details: { models: ['bard'] } })).toEqual([]);
  });
});

describe('serviceState', () => {
  it('offers Stop only while running and Restart for what deploy and api-endpoint nodes start', () => {
    expect(serviceState(base, undefined)).toEqual({ state: 'running', detail: null, canStop: true, canRestart: true });
    expect(serviceState({ ...base, kind: 'fixture' }, undefined)).toMatchObject({ canStop: true, canRestart: false });
    expect(serviceState(base, 'restarting')).toEqual({ state: 'restarting', detail: null, canStop: false, canRestart: false });
  });

  it('says why a service failed, or how to bring back one the last engine ran', () => {
    expect(serviceState({ ...base, status: 'failed', details: { error: 'model folder gone' } }, undefined)).toEqual({ state: 'failed', detail: 'model folder gone', canStop: false, canRestart: true });
    const left = { ...base, status: 'stopped' as const, details: { note: 'was running when the engine last stopped; restart it to bring it back' } };
    expect(serviceState(left, undefined).detail).toBe('was running when the engine last stopped; restart it to bring it back');
  });

  it('orders cards running first, newest first within each group', () => {
    const at = (id: string, minute: number, status: ServiceInfo['status']) => ({ ...base, id, status, startedAt: `2026-12-07T08:0${minute}:00.000Z` });
    expect(servicesInCardOrder([at('a', 1, 'stopped'), at('b', 2, 'running'), at('c', 3, 'stopped'), at('d', 0, 'running')]).map((service) => service.id)).toEqual(['b', 'd', 'c', 'a']);
  });
});
