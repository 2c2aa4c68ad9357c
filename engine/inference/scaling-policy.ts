// When a deployment adds or removes a replica: a pure function of the settings, what it saw so far (state) and what
// it sees now (signals). No clock and no timers here; the autoscaler (replica-autoscaler.ts) feeds it both.

export interface ScalingSettings {
  minReplicas: number;
  maxReplicas: number;
  /** Requests waiting for a batch slot at or above which the deployment is under pressure. */
  scaleUpQueue: number;
  /** Median time to first token over the recent window at or above which the deployment is under pressure. */
  scaleUpTtftMs: number;
  /** Pressure must last this long before a replica is added. */
  scaleUpAfterMs: number;
  /** The deployment must stay quiet this long before a replica is removed. */
  scaleDownAfterMs: number;
}

export interface ScalingSignals {
  nowMs: number;
  /** Replicas with the model loaded, taking requests. */
  ready: number;
  /** Replicas still loading the model (started by a scale-up, or restarting after a crash). */
  loading: number;
  /** Requests admitted and generating. */
  running: number;
  /** Requests waiting for a batch slot. */
  queued: number;
  /** Rows one replica decodes together. */
  slotsPerReplica: number;
  /** Median time to first token of the requests that got one recently; null when none did. */
  recentTtftMs: number | null;
}

/** What the policy remembers between two looks. */
export interface ScalingState {
  /** When the current stretch of pressure began; null when there is none. */
  pressureSinceMs: number | null;
  /** When the current quiet stretch began; null when there is none. */
  quietSinceMs: number | null;
}

export const INITIAL_SCALING_STATE: ScalingState = { pressureSinceMs: null, quietSinceMs: null };

export type ScalingDirection = 'up' | 'down';

export type ScalingDecision = { action: 'hold' } | { action: ScalingDirection; from: number; to: number; reason: string };

/**
 * A quiet deployment could lose a replica and still run its requests at no more than this share of the remaining
 * replicas' slots. Scaling up needs a queue (or a slow first token); scaling down needs the survivors half empty.
 * The gap between the two is the hysteresis that keeps a steady load from adding and removing a replica in turn.
 */
const QUIET_SHARE_OF_REMAINING = 0.5;

export function decideScaling(settings: ScalingSettings, state: ScalingState, signals: ScalingSignals): { state: ScalingState; decision: ScalingDecision } {
  const { nowMs, ready, loading } = signals;
  const replicas = ready + loading;
  if (replicas < settings.minReplicas) {
    return { state: INITIAL_SCALING_STATE, decision: { action: 'up', from: replicas, to: replicas + 1, reason: `below minReplicas (${settings.minReplicas})` } };
  }
  // A replica still loading is capacity already on its way: wait for it before judging again, both ways.
  if (loading > 0) return { state: INITIAL_SCALING_STATE, decision: { action: 'hold' } };

  const pressure = pressureOf(settings, signals);
  if (pressure !== null && ready < settings.maxReplicas) {
    const since = state.pressureSinceMs ?? nowMs;
    if (nowMs - since >= settings.scaleUpAfterMs) {
      return { state: INITIAL_SCALING_STATE, decision: { action: 'up', from: ready, to: ready + 1, reason: `${pressure} for ${seconds(nowMs - since)}` } };
    }
    return { state: { pressureSinceMs: since, quietSinceMs: null }, decision: { action: 'hold' } };
  }
  if (pressure === null && ready > settings.minReplicas && isQuiet(signals)) {
    const since = state.quietSinceMs ?? nowMs;
    if (nowMs - since >= settings.scaleDownAfterMs) {
      const reason = `${signals.running} running and none waiting for ${seconds(nowMs - since)}`;
      return { state: INITIAL_SCALING_STATE, decision: { action: 'down', from: ready, to: ready - 1, reason } };
    }
    return { state: { pressureSinceMs: null, quietSinceMs: since }, decision: { action: 'hold' } };
  }
  // Pressure at maxReplicas keeps no clock: were a replica to go, the stretch would start again from there.
  return { state: INITIAL_SCALING_STATE, decision: { action: 'hold' } };
}

/** Why the deployment is under pressure ("3 waiting", "first token in 1200 ms"), or null when it is not. */
function pressureOf(settings: ScalingSettings, { queued, recentTtftMs }: ScalingSignals): string | null {
  if (queued >= settings.scaleUpQueue) return `${queued} waiting`;
  if (recentTtftMs !== null && recentTtftMs >= settings.scaleUpTtftMs) return `first token in ${Math.round(recentTtftMs)} ms (median)`;
  return null;
}

function isQuiet({ ready, running, queued, slotsPerReplica }: ScalingSignals): boolean {
  return queued === 0 && running <= (ready - 1) * slotsPerReplica * QUIET_SHARE_OF_REMAINING;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
