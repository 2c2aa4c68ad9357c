// Where the OpenAI relay sends a request: the endpoint's own address (wildcard hosts read as loopback), and only
// /health or paths under /v1, however the path is spelled.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import { HttpError } from './api-error.ts';
import { proxyTargetFor } from './proxy-target.ts';

function endpointAt(url: string, patch: Partial<ServiceInfo> = {}): ServiceInfo {
  return { id: 'svc-1', runId: 'run-1', node: 'api', kind: 'api-endpoint', name: 'm', url, startedAt: '2026-03-01T00:00:00Z', status: 'running', ...patch };
}

function refusal(call: () => unknown): { status: number; code: string } {
  try {
    call();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.statusCode, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('proxyTargetFor', () => {
  it('keeps the path and query on the endpoint’s own address', () => {
    expect(proxyTargetFor(endpointAt('http://127.0.0.1:8080'), 'svc-1', '/v1/models?limit=2').href).toBe('http://127.0.0.1:8080/v1/models?limit=2');
    expect(proxyTargetFor(endpointAt('http://localhost:9000'), 'svc-1', '/health').href).toBe('http://localhost:9000/health');
  });

  it('connects to the loopback when the endpoint listens on every interface', () => {
    expect(proxyTargetFor(endpointAt('http://0.0.0.0:8080'), 'svc-1', '/health').href).toBe('http://127.0.0.1:8080/health');
    expect(proxyTargetFor(endpointAt('http://[::]:8080'), 'svc-1', '/health').href).toBe('http://[::1]:8080/health');
  });

  it('refuses paths that resolve outside /v1 and /health', () => {
    const service = endpointAt('http://127.0.0.1:8080');
    for (const path of ['/metrics', '/v1', '/v1/../metrics', '/v1/%2E%2E/metrics', '//evil.example/v1/models', '/healthz']) {
      expect(refusal(() => proxyTargetFor(service, 'svc-1', path)), path).toEqual({ status: 404, code: 'proxy_path_not_allowed' });
    }
  });

  it('refuses a missing, stopped or non-endpoint service', () => {
    expect(refusal(() => proxyTargetFor(undefined, 'svc-9', '/health'))).toEqual({ status: 404, code: 'service_not_found' });
    expect(refusal(() => proxyTargetFor(endpointAt('http://127.0.0.1:8080', { status: 'failed' }), 'svc-1', '/health'))).toEqual({ status: 404, code: 'service_not_running' });
    expect(refusal(() => proxyTargetFor(endpointAt('http://127.0.0.1:8080', { kind: 'deployment' }), 'svc-1', '/health'))).toEqual({ status: 404, code: 'not_an_endpoint' });
  });
});
