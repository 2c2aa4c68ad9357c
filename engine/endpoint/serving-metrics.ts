// Prometheus metrics for GET /metrics (prom-client), in a registry of their own so several API servers can live in
// one process. Queue depth, batch size, replicas and scaling decisions are read from the deployments when scraped.
import type * as PromClient from 'prom-client';
import { lazyRequire } from '../lazy-require.ts';
import type { ScalingSnapshot } from '../inference/replica-autoscaler.ts';
import type { SpeculativeStats } from '../inference/speculative-step.ts';

const promClient = lazyRequire<typeof PromClient>('prom-client');

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const PER_TOKEN_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface DeploymentLoad {
  model: string;
  queued: number;
  running: number;
  /** Replicas by state and scaling decisions; absent for a deployment whose generator has no replicas. */
  scaling?: ScalingSnapshot;
  /** Speculative decoding's counts; null or absent without a draft model. */
  speculation?: SpeculativeStats | null;
}

export class ServingMetrics {
  readonly registry = new (promClient().Registry)();
  readonly requests: PromClient.Counter<'route' | 'status'>;
  readonly promptTokens: PromClient.Counter<'model'>;
  readonly generatedTokens: PromClient.Counter<'model'>;
  readonly timeToFirstToken: PromClient.Histogram<'model'>;
  readonly timePerOutputToken: PromClient.Histogram<'model'>;
  readonly endToEndLatency: PromClient.Histogram<'model'>;
  readonly rateLimitRejections: PromClient.Counter<'reason'>;

  constructor(readLoad: () => DeploymentLoad[]) {
    const registers = [this.registry];
    this.requests = new (promClient().Counter)({ name: 'crucible_http_requests_total', help: 'HTTP requests answered, by route and status.', labelNames: ['route', 'status'], registers });
    this.promptTokens = new (promClient().Counter)({ name: 'crucible_prompt_tokens_total', help: 'Prompt tokens processed.', labelNames: ['model'], registers });
    this.generatedTokens = new (promClient().Counter)({ name: 'crucible_generation_tokens_total', help: 'Tokens generated.', labelNames: ['model'], registers });
    this.timeToFirstToken = new (promClient().Histogram)({ name: 'crucible_time_to_first_token_seconds', help: 'Time from request to first generated token.', labelNames: ['model'], buckets: LATENCY_BUCKETS_S, registers });
    this.timePerOutputToken = new (promClient().Histogram)({ name: 'crucible_time_per_output_token_seconds', help: 'Time between generated tokens after the first.', labelNames: ['model'], buckets: PER_TOKEN_BUCKETS_S, registers });
    this.endToEndLatency = new (promClient().Histogram)({ name: 'crucible_e2e_request_latency_seconds', help: 'Time from request to last byte of a generation.', labelNames: ['model'], buckets: LATENCY_BUCKETS_S, registers });
    this.rateLimitRejections = new (promClient().Counter)({ name: 'crucible_rate_limit_rejections_total', help: 'Requests refused by a rate limit, budget or full queue.', labelNames: ['reason'], registers });
    new (promClient().Gauge)({
      name: 'crucible_queue_depth',
      help: 'Requests waiting for a batch slot.',
      labelNames: ['model'],
      registers,
      collect() {
        for (const load of readLoad()) this.set({ model: load.model }, load.queued);
      },
    });
    registerScalingMetrics(readLoad, registers);
    registerSpeculationMetrics(readLoad, registers);
    new (promClient().Gauge)({
      name: 'crucible_running_batch_size',
      help: 'Requests being generated right now.',
      labelNames: ['model'],
      registers,
      collect() {
        for (const load of readLoad()) this.set({ model: load.model }, load.running);
      },
    });
  }
}

const REPLICA_STATES = ['ready', 'loading', 'draining'] as const;

/** Speculative decoding per model: draft tokens proposed and kept (their ratio is the acceptance rate), target steps. */
function registerSpeculationMetrics(readLoad: () => DeploymentLoad[], registers: PromClient.Registry[]): void {
  const counters = [
    { name: 'crucible_speculative_proposed_tokens_total', help: 'Draft-model tokens the served model checked (speculative decoding).', read: (stats: SpeculativeStats) => stats.proposed },
    { name: 'crucible_speculative_accepted_tokens_total', help: 'Draft-model tokens the served model kept; divided by proposed, the acceptance rate.', read: (stats: SpeculativeStats) => stats.accepted },
    { name: 'crucible_speculative_steps_total', help: 'Steps of the served model that verified draft tokens.', read: (stats: SpeculativeStats) => stats.steps },
  ];
  for (const { name, help, read } of counters) {
    new (promClient().Counter)({
      name,
      help,
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const load of readLoad()) if (load.speculation) this.inc({ model: load.model }, read(load.speculation));
      },
    });
  }
}

/** Replicas by state, the autoscaling bounds, and the scaling decisions taken so far, per model. */
function registerScalingMetrics(readLoad: () => DeploymentLoad[], registers: PromClient.Registry[]): void {
  const scaled = () => readLoad().flatMap((load) => (load.scaling ? [{ model: load.model, scaling: load.scaling }] : []));
  new (promClient().Gauge)({
    name: 'crucible_replicas',
    help: 'Inference replicas by state: ready (taking requests), loading the model, draining before they stop.',
    labelNames: ['model', 'state'],
    registers,
    collect() {
      for (const { model, scaling } of scaled()) for (const state of REPLICA_STATES) this.set({ model, state }, scaling[state]);
    },
  });
  const bounds = [
    { name: 'crucible_replicas_min', help: 'Fewest replicas the deployment keeps (minReplicas).', read: (scaling: ScalingSnapshot) => scaling.minReplicas },
    { name: 'crucible_replicas_max', help: 'Most replicas the deployment scales up to (maxReplicas).', read: (scaling: ScalingSnapshot) => scaling.maxReplicas },
  ];
  for (const { name, help, read } of bounds) {
    new (promClient().Gauge)({
      name,
      help,
      labelNames: ['model'],
      registers,
      collect() {
        for (const { model, scaling } of scaled()) this.set({ model }, read(scaling));
      },
    });
  }
  new (promClient().Counter)({
    name: 'crucible_scaling_events_total',
    help: 'Replicas added (direction "up") and drained (direction "down") by the autoscaler.',
    labelNames: ['model', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const { model, scaling } of scaled()) {
        this.inc({ model, direction: 'up' }, scaling.scaleUps);
        this.inc({ model, direction: 'down' }, scaling.scaleDowns);
      }
    },
  });
}
