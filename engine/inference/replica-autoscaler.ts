// Grows and shrinks a deployment's replicas with its load: every look (twice a second by default) it reads the
// replica counts, the queue and the recent time to first token, asks the scaling policy (scaling-policy.ts), and
// adds or drains a replica. Each decision is logged and kept (the last few) for /metrics and the studio.
import { performance } from 'node:perf_hooks';
import type { ReplicaCounts } from './onnx-text-generator.ts';
import { decideScaling, INITIAL_SCALING_STATE, type ScalingDecision, type ScalingDirection, type ScalingSettings, type ScalingState } from './scaling-policy.ts';

/** What the autoscaler acts on: OnnxTextGenerator offers it. */
export interface ScalableReplicas {
  readonly modelId: string;
  replicaCounts(): ReplicaCounts;
  addReplica(): unknown;
  drainReplica(): Promise<void> | null;
  removeFailedReplicas(): number;
  readonly firstTokenLatency: { median(): number | null };
}

export interface ScalingEvent {
  /** ISO time of the decision. */
  at: string;
  direction: ScalingDirection;
  from: number;
  to: number;
  reason: string;
}

/** The autoscaler's state as /metrics and the studio show it. */
export interface ScalingSnapshot extends Omit<ReplicaCounts, 'failed'> {
  minReplicas: number;
  maxReplicas: number;
  scaleUps: number;
  scaleDowns: number;
  /** The most recent decisions, oldest first. */
  events: ScalingEvent[];
}

export interface ReplicaAutoscalerOptions {
  settings: ScalingSettings;
  replicas: ScalableReplicas;
  /** The deployment's admission queue: requests generating and requests waiting for a slot. */
  readLoad: () => { running: number; queued: number };
  slotsPerReplica: number;
  log: (line: string) => void;
  /** How often it looks; default 500 ms. */
  intervalMs?: number;
  /** Monotonic ms for the policy's clocks. */
  monotonicNow?: () => number;
  /** Wall clock for the events' times. */
  wallNow?: () => Date;
  eventsKept?: number;
}

/**
 * After a replica's model fails to load, no replica is added for this long: the next one would most likely fail the
 * same way (memory, a damaged file), and adding one every look would spin workers.
 */
export const FAILED_LOAD_BACKOFF_MS = 60_000;

export class ReplicaAutoscaler {
  readonly settings: ScalingSettings;
  readonly #options: ReplicaAutoscalerOptions;
  readonly #monotonicNow: () => number;
  readonly #wallNow: () => Date;
  readonly #events: ScalingEvent[] = [];
  #state: ScalingState = INITIAL_SCALING_STATE;
  #scaleUps = 0;
  #scaleDowns = 0;
  #timer: NodeJS.Timeout | null = null;
  /** No scale-up before this monotonic time (a replica failed to load). */
  #noScaleUpBeforeMs = Number.NEGATIVE_INFINITY;

  constructor(options: ReplicaAutoscalerOptions) {
    this.settings = options.settings;
    this.#options = options;
    this.#monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.#wallNow = options.wallNow ?? (() => new Date());
  }

  /** Looks every intervalMs until stop(); a deployment with minReplicas == maxReplicas never needs it. */
  start(): void {
    if (this.#timer !== null) return;
    // A look that throws must not end the engine process: it is logged, and the next look tries again.
    const lookSafely = () => {
      try {
        this.look();
      } catch (error) {
        this.#options.log(`deployment "${this.#options.replicas.modelId}": autoscaling failed to look at its replicas: ${(error as Error).message}`);
      }
    };
    this.#timer = setInterval(lookSafely, this.#options.intervalMs ?? 500);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One look: reads the signals, asks the policy, acts on its decision and returns it. */
  look(): ScalingDecision {
    const { replicas, readLoad, slotsPerReplica, log } = this.#options;
    const nowMs = this.#monotonicNow();
    const removed = replicas.removeFailedReplicas();
    if (removed > 0) {
      this.#noScaleUpBeforeMs = nowMs + FAILED_LOAD_BACKOFF_MS;
      log(`deployment "${replicas.modelId}": removed ${removed} replica(s) whose model failed to load (see the line above); no replica is added for ${FAILED_LOAD_BACKOFF_MS / 1000} s`);
    }
    const counts = replicas.replicaCounts();
    const load = readLoad();
    const signals = { nowMs, ready: counts.ready, loading: counts.loading, running: load.running, queued: load.queued, slotsPerReplica, recentTtftMs: replicas.firstTokenLatency.median() };
    const { state, decision } = decideScaling(this.settings, this.#state, signals);
    // A scale-up held back keeps the pressure's clock running, so it happens at the first look once it may.
    if (decision.action === 'up' && nowMs < this.#noScaleUpBeforeMs) return { action: 'hold' };
    this.#state = state;
    if (decision.action === 'hold') return decision;
    this.#act(decision);
    return decision;
  }

  snapshot(): ScalingSnapshot {
    const { ready, loading, draining } = this.#options.replicas.replicaCounts();
    return {
      ready,
      loading,
      draining,
      minReplicas: this.settings.minReplicas,
      maxReplicas: this.settings.maxReplicas,
      scaleUps: this.#scaleUps,
      scaleDowns: this.#scaleDowns,
      events: this.#events.map((event) => ({ ...event })),
    };
  }

  #act(decision: Exclude<ScalingDecision, { action: 'hold' }>): void {
    const { replicas, log } = this.#options;
    const name = `deployment "${replicas.modelId}"`;
    if (decision.action === 'up') {
      replicas.addReplica();
      this.#scaleUps += 1;
      log(`${name}: scaling up from ${decision.from} to ${decision.to} replicas (${decision.reason}); the new one takes requests once loaded`);
    } else {
      const stopped = replicas.drainReplica();
      if (stopped === null) return;
      this.#scaleDowns += 1;
      log(`${name}: scaling down from ${decision.from} to ${decision.to} replicas (${decision.reason}); draining one`);
      stopped.then(
        () => log(`${name}: a drained replica finished its requests and stopped`),
        (error: Error) => log(`${name}: a drained replica failed to stop: ${error.message}`),
      );
    }
    this.#events.push({ at: this.#wallNow().toISOString(), direction: decision.action, from: decision.from, to: decision.to, reason: decision.reason });
    this.#events.splice(0, Math.max(0, this.#events.length - (this.#options.eventsKept ?? 20)));
  }
}
