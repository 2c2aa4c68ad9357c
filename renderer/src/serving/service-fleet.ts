// What a service card shows of the fleet behind it: a deployment's replicas (live counts, autoscaling bounds, the
// recent scaling decisions) and an api-endpoint's remote upstreams, read from the details the engine reports.
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';

export interface ScalingLine {
  /** ISO time of the decision. */
  at: string;
  /** "up 1 → 2: 4 waiting for 3.0 s" */
  text: string;
}

export interface ReplicaView {
  /** "2 replicas of 1–3 · 1 loading", or "2 replicas" for a fixed deployment. */
  summary: string;
  autoscaled: boolean;
  /** Newest first, at most SCALING_LINES_SHOWN. */
  decisions: ScalingLine[];
}

export interface UpstreamView {
  url: string;
  /** What the gateway calls it in logs and /metrics, when the engine reports it. */
  name: string | null;
  /** The names clients use for its models. */
  models: string[];
  /** Its health as the gateway last saw it, when the engine reports one. */
  state: string | null;
}

export const SCALING_LINES_SHOWN = 5;

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A running deployment's replicas; null for other services, or a deployment whose details say nothing of them. */
export function deploymentReplicas(service: ServiceInfo): ReplicaView | null {
  if (service.kind !== 'deployment' || service.status !== 'running' || service.details === undefined) return null;
  const { replicas, minReplicas, maxReplicas, replicaStates, scalingEvents } = service.details;
  const current = count(replicas);
  if (current === null) return null;
  const min = count(minReplicas);
  const max = count(maxReplicas);
  const autoscaled = min !== null && max !== null && max > min;
  const states = (typeof replicaStates === 'object' && replicaStates !== null ? replicaStates : {}) as Record<string, unknown>;
  const parts = [autoscaled ? `${plural(current, 'replica')} of ${min}–${max}` : plural(current, 'replica')];
  for (const state of ['loading', 'draining']) {
    const n = count(states[state]);
    if (n !== null && n > 0) parts.push(`${n} ${state}`);
  }
  return { summary: parts.join(' · '), autoscaled, decisions: scalingLines(scalingEvents) };
}

function scalingLines(events: unknown): ScalingLine[] {
  if (!Array.isArray(events)) return [];
  const lines: ScalingLine[] = [];
  for (const event of events) {
    if (typeof event !== 'object' || event === null) continue;
    const { at, direction, from, to, reason } = event as Record<string, unknown>;
    if (typeof at !== 'string' || (direction !== 'up' && direction !== 'down') || count(from) === null || count(to) === null) continue;
    lines.push({ at, text: `${direction} ${String(from)} → ${String(to)}${typeof reason === 'string' && reason !== '' ? `: ${reason}` : ''}` });
  }
  return lines.reverse().slice(0, SCALING_LINES_SHOWN);
}

/**
 * An api-endpoint's remote upstreams from its `details.upstreams`: each with a `url`, an optional `name` and its
 * `models`, given as names or as `{ name, servedAs }` (the name clients use is `servedAs` when set). Empty for every
 * other service.
 */
export function endpointUpstreams(service: ServiceInfo): UpstreamView[] {
  const upstreams = service.details?.upstreams;
  if (service.kind !== 'api-endpoint' || !Array.isArray(upstreams)) return [];
  return upstreams.flatMap((upstream): UpstreamView[] => {
    if (typeof upstream !== 'object' || upstream === null) return [];
    const { url, name, models, state } = upstream as Record<string, unknown>;
    if (typeof url !== 'string' || url === '') return [];
    const named = typeof name === 'string' && name !== '' ? name : null;
    return [{ url, name: named, models: Array.isArray(models) ? models.flatMap(clientModelName) : [], state: typeof state === 'string' ? state : null }];
  });
}

function clientModelName(model: unknown): string[] {
  if (typeof model === 'string') return model === '' ? [] : [model];
  if (typeof model !== 'object' || model === null) return [];
  const { name, servedAs } = model as Record<string, unknown>;
  const shown = typeof servedAs === 'string' && servedAs !== '' ? servedAs : name;
  return typeof shown === 'string' && shown !== '' ? [shown] : [];
}

/** What a service card says of the service's state, and which of Stop and Restart it offers. */
export interface ServiceStateView {
  state: 'running' | 'stopped' | 'failed' | 'stopping' | 'restarting';
  /** Why it is stopped or failed, or how to bring it back, when the engine says. */
  detail: string | null;
  canStop: boolean;
  canRestart: boolean;
}

/** Only what deploy and api-endpoint nodes start can be restarted: the engine keeps how to start them again. */
const RESTARTABLE_KINDS: ReadonlySet<string> = new Set(['deployment', 'api-endpoint']);

export function serviceState(service: ServiceInfo, control: 'stopping' | 'restarting' | undefined): ServiceStateView {
  if (control) return { state: control, detail: null, canStop: false, canRestart: false };
  const restartable = RESTARTABLE_KINDS.has(service.kind);
  const { error, note } = service.details ?? {};
  const detail = service.status === 'failed' && typeof error === 'string' ? error : typeof note === 'string' && service.status !== 'running' ? note : null;
  return { state: service.status, detail, canStop: service.status === 'running', canRestart: restartable };
}

/** Running services first, then the rest, each group newest first. */
export function servicesInCardOrder(services: readonly ServiceInfo[]): ServiceInfo[] {
  const rank = (service: ServiceInfo) => (service.status === 'running' ? 0 : 1);
  return [...services].sort((a, b) => rank(a) - rank(b) || b.startedAt.localeCompare(a.startedAt));
}
