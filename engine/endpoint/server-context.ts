// What the OpenAI-compatible server's route handlers share: deployments, auth, limits, usage log, metrics, timing.
import type { FastifyRequest } from 'fastify';
import type { BudgetHolds } from './budget-check.ts';
import type { AuthMode } from './caller-auth.ts';
import type { Deployment } from './deployment.ts';
import type { UpstreamPools } from './gateway/upstream-pools.ts';
import type { KeyLimits, RateLimits } from './rate-limiter.ts';
import type { RequestTrace } from './request-trace.ts';
import type { ServingMetrics } from './serving-metrics.ts';
import type { RequestLog } from './store/request-log.ts';

export interface Pricing {
  promptPer1k: number;
  completionPer1k: number;
  currency: string;
}

/** What a request's tokens cost at the endpoint's prices. */
export function costOf(pricing: Pricing, promptTokens: number, completionTokens: number): number {
  return (promptTokens / 1000) * pricing.promptPer1k + (completionTokens / 1000) * pricing.completionPer1k;
}

export interface ServerContext {
  /** By model id. */
  deployments: ReadonlyMap<string, Deployment>;
  /** Remote upstreams and the pools they form; null when the endpoint lists none. */
  gateway: UpstreamPools | null;
  auth: AuthMode;
  defaultLimits: KeyLimits;
  /** In this process, or shared through Redis. */
  limiter: RateLimits;
  /** Null when the server keeps no usage log (then budgets are not enforced). */
  usage: RequestLog | null;
  /** What requests in flight may still spend of their keys' budgets (budget-check.ts). */
  budgetHolds: BudgetHolds;
  pricing: Pricing;
  metrics: ServingMetrics;
  requestTimeoutMs: number;
  pingIntervalMs: number;
  /** Wall clock for limits, budgets and expiry. */
  now: () => number;
  /** Generations in progress, aborted when the server closes. */
  inFlight: Set<AbortController>;
  traceOf(request: FastifyRequest): RequestTrace;
  onError(error: unknown): void;
}
