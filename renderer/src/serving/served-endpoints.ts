// Which of the engine's services are callable endpoints (running, with a URL), which models each serves and the
// light its card shows, read from the ServiceInfo the engine reports for deploy and api-endpoint nodes.
import { DEVICE_TITLES, isComputeDevice } from '../../../app/protocol/compute-devices.ts';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { EndpointHealth } from './endpoint-client.ts';

export interface HealthLight {
  /** A health-* class: ok, checking, loading, failed, unreachable, stopped. */
  state: string;
  detail: string;
}

export function isCallableEndpoint(service: ServiceInfo): service is ServiceInfo & { url: string } {
  return service.status === 'running' && typeof service.url === 'string' && service.url !== '';
}

export function callableEndpoints(services: readonly ServiceInfo[]): (ServiceInfo & { url: string })[] {
  return services.filter(isCallableEndpoint);
}

/** The model ids an endpoint serves (its `details.models`), or the service name as the one model. */
export function modelsOf(service: ServiceInfo): string[] {
  const models = service.details?.models;
  if (Array.isArray(models)) {
    const named = models.filter((model): model is string => typeof model === 'string' && model !== '');
    if (named.length > 0) return named;
  }
  const model = service.details?.model;
  return [typeof model === 'string' ? model : service.name];
}

/** A callable endpoint is lit by its last /health answer; any other service (a deployment, a stopped one) by its status. */
export function healthLight(service: ServiceInfo, health: EndpointHealth | undefined): HealthLight {
  if (!isCallableEndpoint(service)) return { state: service.status === 'running' ? 'ok' : service.status, detail: `service ${service.status}` };
  return health ? { state: health.state, detail: health.detail } : { state: 'checking', detail: 'asking /health…' };
}

/**
 * Where and how a deployment runs, from its details: "CPU · float32 · 2 replicas · batch 16", and when the device it
 * got is not the one asked for, which one that was ("asked for CUDA"). Null for other services.
 */
export function deploymentPlacement(service: ServiceInfo): { summary: string; fallback: string | null } | null {
  if (service.kind !== 'deployment' || service.details === undefined) return null;
  const { device, requestedDevice, precision, replicas, maxBatchSize } = service.details;
  const name = (value: unknown) => (typeof value !== 'string' ? null : isComputeDevice(value) ? DEVICE_TITLES[value] : value);
  const parts = [
    name(device),
    typeof precision === 'string' ? precision : null,
    typeof replicas === 'number' ? `${replicas} ${replicas === 1 ? 'replica' : 'replicas'}` : null,
    typeof maxBatchSize === 'number' ? `batch ${maxBatchSize}` : null,
  ].filter((part): part is string => part !== null);
  if (parts.length === 0) return null;
  const askedFor = requestedDevice !== undefined && requestedDevice !== 'auto' && requestedDevice !== device ? name(requestedDevice) : null;
  return { summary: parts.join(' · '), fallback: askedFor === null ? null : `asked for ${askedFor}, which is not available here; see the deploy node's log` };
}
