// Where the engine's OpenAI relay sends a request: the running api-endpoint service's own URL (a wildcard host read
// as loopback) plus the requested path, which may only be /health or under /v1 — never /metrics or anything else.
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import { HttpError } from './api-error.ts';

/** Hosts an endpoint may listen on that are not addresses to connect to; the relay uses the loopback instead. */
const WILDCARD_HOSTS: Record<string, string> = { '0.0.0.0': '127.0.0.1', '[::]': '[::1]' };

/**
 * The upstream URL for `pathAndQuery` (e.g. "/v1/chat/completions?x=1") on service `serviceId`, or an HttpError:
 * 404 for an unknown, stopped or non-endpoint service and for a path outside /v1 and /health.
 */
export function proxyTargetFor(service: ServiceInfo | undefined, serviceId: string, pathAndQuery: string): URL {
  const base = endpointBaseUrl(service, serviceId);
  // Resolving first collapses "..", "%2e%2e" and "//", so the check below sees the path the endpoint will see.
  const target = new URL(pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`, base);
  if (target.origin !== base.origin || !(target.pathname === '/health' || target.pathname.startsWith('/v1/'))) {
    throw new HttpError(404, 'proxy_path_not_allowed', `the engine relays only /v1/* and /health to an api-endpoint, not "${target.pathname.slice(0, 200)}"`);
  }
  return target;
}

function endpointBaseUrl(service: ServiceInfo | undefined, serviceId: string): URL {
  if (!service) throw new HttpError(404, 'service_not_found', `no service "${serviceId}"; list the running ones at /api/services`);
  if (service.kind !== 'api-endpoint' || !service.url) {
    throw new HttpError(404, 'not_an_endpoint', `service "${serviceId}" is a ${service.kind}, not an api-endpoint; call the api-endpoint node connected to it`);
  }
  if (service.status !== 'running') {
    throw new HttpError(404, 'service_not_running', `api-endpoint service "${serviceId}" is ${service.status}; run its pipeline again to start it`);
  }
  const base = new URL(service.url);
  base.hostname = WILDCARD_HOSTS[base.hostname] ?? base.hostname;
  return base;
}
