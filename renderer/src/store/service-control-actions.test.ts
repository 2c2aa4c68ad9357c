import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { restartNotice } from './service-control-actions.ts';

const service = (id: string, kind: string, node: string, extra: Partial<ServiceInfo> = {}): ServiceInfo => ({ id, runId: 'run-1', node, kind, name: 'bard', startedAt: '2026-12-07T00:00:00.000Z', status: 'running', ...extra });

describe('restartNotice', () => {
  it('names the service that took the requested one’s place, not the first one the engine started', () => {
    const requested = service('svc-api', 'api-endpoint', 'api');
    const started = [service('svc-dep-2', 'deployment', 'deploy'), service('svc-api-2', 'api-endpoint', 'api', { url: 'http://127.0.0.1:8421' })];
    expect(restartNotice(requested, 'svc-api', started)).toBe('Restarted api-endpoint "bard" as svc-api-2 at http://127.0.0.1:8421, with deployment "bard"');
  });

  it('lists the endpoints a restarted deployment brought along', () => {
    const requested = service('svc-dep', 'deployment', 'deploy');
    const started = [service('svc-dep', 'deployment', 'deploy'), service('svc-api-2', 'api-endpoint', 'api')];
    expect(restartNotice(requested, 'svc-dep', started)).toBe('Restarted deployment "bard" as svc-dep, with api-endpoint "bard"');
  });

  it('falls back to the id and the first service when the list no longer had the requested one', () => {
    expect(restartNotice(undefined, 'svc-x', [service('svc-y', 'deployment', 'deploy')])).toBe('Restarted service svc-x as svc-y');
  });
});
