// Which services the page can call, the models each serves, and the light each card shows.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { callableEndpoints, deploymentPlacement, healthLight, modelsOf } from './served-endpoints.ts';

const base: ServiceInfo = { id: 's', runId: 'r', node: 'api', kind: 'api-endpoint', name: 'tiny', url: 'http://127.0.0.1:8080', startedAt: '2026-03-01T00:00:00Z', status: 'running', details: { models: ['tiny', 'big'] } };

describe('served endpoints', () => {
  it('calls only running services with a URL', () => {
    const services = [base, { ...base, id: 'stopped', status: 'stopped' as const }, { ...base, id: 'deployment', kind: 'deployment', url: undefined }];
    expect(callableEndpoints(services).map((service) => service.id)).toEqual(['s']);
  });

  it('reads the models from details, else the service name', () => {
    expect(modelsOf(base)).toEqual(['tiny', 'big']);
    expect(modelsOf({ ...base, details: { models: [] } })).toEqual(['tiny']);
    expect(modelsOf({ ...base, details: { model: 'solo' } })).toEqual(['solo']);
  });

  it('lights an endpoint from its /health, and any other service from its status', () => {
    expect(healthLight(base, undefined)).toEqual({ state: 'checking', detail: 'asking /health…' });
    expect(healthLight(base, { state: 'loading', detail: 'loading the model', checkedAt: '' })).toEqual({ state: 'loading', detail: 'loading the model' });
    expect(healthLight({ ...base, status: 'failed' }, { state: 'ok', detail: 'ready', checkedAt: '' })).toEqual({ state: 'failed', detail: 'service failed' });
    expect(healthLight({ ...base, kind: 'deployment', url: undefined }, undefined)).toEqual({ state: 'ok', detail: 'service running' });
  });

  it('says where a deployment runs, and which device it asked for when it fell back', () => {
    const deployment: ServiceInfo = { ...base, kind: 'deployment', url: undefined, details: { device: 'cpu', requestedDevice: 'auto', precision: 'int8', replicas: 2, maxBatchSize: 16 } };
    expect(deploymentPlacement(deployment)).toEqual({ summary: 'CPU · int8 · 2 replicas · batch 16', fallback: null });
    expect(deploymentPlacement({ ...deployment, details: { device: 'cpu', requestedDevice: 'cuda', replicas: 1 } })).toEqual({
      summary: 'CPU · 1 replica',
      fallback: "asked for CUDA, which is not available here; see the deploy node's log",
    });
    expect(deploymentPlacement({ ...deployment, details: { device: 'webgpu', requestedDevice: 'webgpu' } })).toEqual({ summary: 'WebGPU', fallback: null });
    expect(deploymentPlacement(base)).toBeNull();
    expect(deploymentPlacement({ ...deployment, details: {} })).toBeNull();
  });
});
