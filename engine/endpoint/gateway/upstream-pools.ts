// The gateway's upstream members and the pools they form by model name: picking a member for a request, the active
// health checks that run every few seconds (and probe a cooled-down member back in), and each pool's state.
import type * as PromClient from 'prom-client';
import type { RoutingConfig, UpstreamConfig } from '../../../nodes/api-endpoint/upstreams.ts';
import type { Deployment } from '../deployment.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import { HealthProbe } from './health-probe.ts';
import { pickLeastLoaded } from './pool-router.ts';
import { UpstreamMember, type MemberHealth } from './upstream-member.ts';

export interface UpstreamPoolsOptions {
  upstreams: readonly UpstreamConfig[];
  routing: RoutingConfig;
  /** Where apiKeyEnv names are read. */
  env?: NodeJS.ProcessEnv;
  registry: PromClient.Registry;
  log?: (line: string) => void;
  random?: () => number;
}

export interface PoolMemberState {
  member: string;
  kind: 'deployment' | 'upstream';
  state: MemberHealth | 'loading' | 'failed' | 'restarting' | 'ready';
  inFlight: number;
  lastError?: string | null;
}

export interface PoolState {
  status: 'ok' | 'degraded' | 'down';
  members: PoolMemberState[];
}

/** How long a probe waits for its answer; a round never overlaps the next (see probeDue). */
const PROBE_TIMEOUT_MS = 2_000;

export class UpstreamPools {
  readonly members: UpstreamMember[];
  readonly routing: RoutingConfig;
  readonly metrics: GatewayMetrics;
  readonly #probe: HealthProbe;
  readonly #log: (line: string) => void;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | null = null;
  #probing: Promise<void> | null = null;

  constructor(options: UpstreamPoolsOptions) {
    this.routing = options.routing;
    this.members = options.upstreams.map((config) => new UpstreamMember(config, { env: options.env ?? process.env, cooldownMs: options.routing.cooldownMs }));
    this.metrics = new GatewayMetrics(options.registry, () => this.members);
    this.#probe = new HealthProbe(PROBE_TIMEOUT_MS);
    this.#log = options.log ?? (() => undefined);
    this.#random = options.random ?? Math.random;
  }

  /** Probes every member once (so listed and discovered models are known), then every healthCheckIntervalMs. */
  async start(): Promise<void> {
    await this.probeDue();
    this.#timer = setInterval(() => void this.probeDue(), this.routing.healthCheckIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#probing;
  }

  /** One round of active checks on every member that is due (down members only once their cooldown is over). */
  probeDue(): Promise<void> {
    this.#probing ??= Promise.all(this.members.filter((member) => member.dueForProbe()).map((member) => this.#probeOne(member))).then(() => {
      this.#probing = null;
    });
    return this.#probing;
  }

  async #probeOne(member: UpstreamMember): Promise<void> {
    const result = await this.#probe.probe(member);
    // Read after the probe: a request may have marked it down meanwhile, and that change was announced then.
    const before = member.health;
    if (result.ok) member.succeeded();
    else member.failed(`health check: ${result.reason}`, { downAtOnce: result.downAtOnce });
    this.#announce(member, before);
  }

  /** Logs a member going down or coming back. */
  #announce(member: UpstreamMember, before: MemberHealth): void {
    if (member.health === before) return;
    if (member.health === 'down') this.#log(`gateway: upstream "${member.name}" is down (${member.lastError ?? 'failing'}); cooling down, then probing it again`);
    else if (member.health === 'up' && before === 'down') this.#log(`gateway: upstream "${member.name}" is back up`);
  }

  /** Records a request's outcome on its member, logging a change of state. */
  report(member: UpstreamMember, outcome: { ok: true } | { ok: false; reason: string; gone: boolean }): void {
    const before = member.health;
    if (outcome.ok) member.succeeded();
    else member.failed(outcome.reason, { downAtOnce: outcome.gone });
    this.#announce(member, before);
  }

  /** Public names of every model some upstream serves. */
  models(): string[] {
    return [...new Set(this.members.flatMap((member) => member.models))];
  }

  serves(model: string): boolean {
    return this.members.some((member) => member.serves(model));
  }

  membersFor(model: string): UpstreamMember[] {
    return this.members.filter((member) => member.serves(model));
  }

  /** The least loaded available member serving `model` that was not tried yet; null when none can take it now. */
  pick(model: string, tried: ReadonlySet<UpstreamMember>): UpstreamMember | null {
    const candidates = this.membersFor(model)
      .filter((member) => !tried.has(member) && member.available())
      .map((member) => ({ member, outstanding: member.inFlight, weight: member.weight }));
    return pickLeastLoaded(candidates, this.#random)?.member ?? null;
  }

  /**
   * Chooses between a local deployment of `model` and its upstream members, by the same least-loaded rule. A local
   * deployment that would refuse the request (not ready, or every slot and its queue full) is passed over while an
   * upstream member can take it: the local counterpart of failing over before the first byte.
   */
  preferLocal(model: string, deployment: Deployment): boolean {
    const upstream = this.membersFor(model)
      .filter((member) => member.available())
      .map((member) => ({ local: false, outstanding: member.inFlight, weight: member.weight }));
    if (upstream.length === 0) return true;
    if (deployment.generator.health() !== 'ready' || deployment.full) return false;
    const local = { local: true, outstanding: deployment.running + deployment.queued, weight: 1 };
    return pickLeastLoaded([local, ...upstream], this.#random)?.local ?? true;
  }

  /** Soonest time (ms since epoch) some member of the pool may take requests again. */
  nextAvailableAt(model: string): number {
    const times = this.membersFor(model).map((member) => member.availableAt()).filter((at) => at > 0);
    return times.length === 0 ? 0 : Math.min(...times);
  }

  /** Each pool (model name) with its members, local deployments included. */
  poolStates(deployments: ReadonlyMap<string, Deployment>): Record<string, PoolState> {
    const names = new Set([...deployments.keys(), ...this.models()]);
    const pools: Record<string, PoolState> = {};
    for (const name of names) {
      const members: PoolMemberState[] = [];
      const deployment = deployments.get(name);
      if (deployment) {
        const restarting = (deployment.generator.restartInMs?.() ?? null) !== null;
        members.push({ member: `deployment:${name}`, kind: 'deployment', state: restarting ? 'restarting' : deployment.generator.health(), inFlight: deployment.running + deployment.queued });
      }
      for (const member of this.membersFor(name)) members.push({ member: member.name, kind: 'upstream', state: member.health, inFlight: member.inFlight, lastError: member.lastError });
      const serving = members.filter((m) => m.state === 'up' || m.state === 'ready' || m.state === 'unknown').length;
      pools[name] = { status: serving === members.length ? 'ok' : serving > 0 ? 'degraded' : 'down', members };
    }
    return pools;
  }
}
