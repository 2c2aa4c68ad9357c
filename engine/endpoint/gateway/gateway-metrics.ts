// Per-member Prometheus series for the gateway's upstreams, in the API server's own registry: requests by status,
// errors by kind, request latency, requests in flight and health state (read from the members when scraped).
import type * as PromClient from 'prom-client';
import { lazyRequire } from '../../lazy-require.ts';
import type { MemberHealth, UpstreamMember } from './upstream-member.ts';

const promClient = lazyRequire<typeof PromClient>('prom-client');

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const STATES: MemberHealth[] = ['unknown', 'up', 'down'];

export type UpstreamErrorKind = 'connect' | 'timeout' | 'status' | 'throttled' | 'mid_stream';

export class GatewayMetrics {
  readonly requests: PromClient.Counter<'member' | 'status'>;
  readonly errors: PromClient.Counter<'member' | 'kind'>;
  readonly latency: PromClient.Histogram<'member'>;

  constructor(registry: PromClient.Registry, members: () => readonly UpstreamMember[]) {
    const registers = [registry];
    this.requests = new (promClient().Counter)({ name: 'crucible_upstream_requests_total', help: 'Requests sent to each upstream, by the HTTP status it answered (0: no answer).', labelNames: ['member', 'status'], registers });
    this.errors = new (promClient().Counter)({ name: 'crucible_upstream_errors_total', help: 'Upstream failures: connect, timeout, status (5xx, 401, 403), throttled (429 or retry-after), mid_stream.', labelNames: ['member', 'kind'], registers });
    this.latency = new (promClient().Histogram)({ name: 'crucible_upstream_request_seconds', help: 'Time from sending a request to an upstream to its last byte.', labelNames: ['member'], buckets: LATENCY_BUCKETS_S, registers });
    new (promClient().Gauge)({
      name: 'crucible_upstream_in_flight',
      help: 'Requests in flight on each upstream.',
      labelNames: ['member'],
      registers,
      collect() {
        for (const member of members()) this.set({ member: member.name }, member.inFlight);
      },
    });
    new (promClient().Gauge)({
      name: 'crucible_upstream_health',
      help: 'Each upstream\'s health state: 1 for the state it is in, 0 for the others.',
      labelNames: ['member', 'state'],
      registers,
      collect() {
        for (const member of members()) for (const state of STATES) this.set({ member: member.name, state }, member.health === state ? 1 : 0);
      },
    });
  }
}
