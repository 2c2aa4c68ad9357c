// The long-lived services nodes started (deployments, API endpoints): what runs, and stopping them.
// A service that ends by itself becomes `failed` (with an error) or `stopped`; every end is announced once.
import { randomBytes } from 'node:crypto';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { EngineEvent, ServiceInfo } from '../../app/protocol/run-events.ts';
import type { StoredArtifact } from '../artifacts/artifact-store.ts';
import type { CacheKeyParts } from '../executor/cache-key.ts';

export interface ServiceRegistryOptions {
  /** Called once per registered service with its handle. Exceptions thrown here are ignored. */
  onStarted?: (service: ServiceInfo, handle: ServiceHandle) => void;
  /** Called once per service when it stops or fails. Exceptions thrown here are ignored. */
  onStopped?: (event: EngineEvent) => void;
  /** Ended services kept in list() so clients can see why they ended; the oldest go first. */
  endedServicesKept?: number;
}

/** Which pipeline node a service belongs to, so a rerun of the same node replaces it instead of starting another. */
export interface ServiceOwner {
  /** The pipeline's id across runs: its file path, or `unsaved:NAME`. */
  pipelineId: string;
  /** The node's cache-key parts when it started the service; unknown for a service restored after a restart. */
  parts?: CacheKeyParts;
  /** The node's cache key without the run: equal on a rerun whose config and inputs are unchanged. */
  serviceKey?: string;
  /** What the node handed downstream when it started the service; a rerun that keeps the service hands them on again. */
  outputs?: Record<string, StoredArtifact>;
}

export interface ServiceRegistration {
  runId: string;
  node: string;
  handle: ServiceHandle;
  owner?: ServiceOwner;
}

/** A running service as its owner left it. */
export interface OwnedService {
  info: ServiceInfo;
  owner: ServiceOwner;
}

interface Entry {
  info: ServiceInfo;
  handle: ServiceHandle;
  owner?: ServiceOwner;
  stopping?: Promise<void>;
}

export class ServiceRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #onStarted: (service: ServiceInfo, handle: ServiceHandle) => void;
  readonly #onStopped: (event: EngineEvent) => void;
  readonly #endedServicesKept: number;

  constructor(options: ServiceRegistryOptions = {}) {
    this.#onStarted = options.onStarted ?? (() => undefined);
    this.#onStopped = options.onStopped ?? (() => undefined);
    this.#endedServicesKept = options.endedServicesKept ?? 50;
  }

  register(registration: ServiceRegistration): ServiceInfo {
    const { handle } = registration;
    const entry = this.#add(registration, 'running', handle.details);
    const { info } = entry;
    if (handle.exited !== undefined) {
      Promise.resolve(handle.exited).then(
        (exit) => this.#end(entry, exit?.error ? 'failed' : 'stopped', exit?.error),
        (error: unknown) => this.#end(entry, 'failed', messageOf(error)),
      );
    }
    try {
      this.#onStarted({ ...info }, handle);
    } catch {
      // A broken listener must not undo a service that is running.
    }
    return { ...info };
  }

  /**
   * Lists a service that is not running but can be started again (restartService): one that was running when the
   * engine last stopped, left down because this engine was not asked to bring services back or because bringing it
   * back failed (the note says why). Announced to no one.
   */
  registerStopped(registration: ServiceRegistration, note: string): ServiceInfo {
    return { ...this.#add(registration, 'stopped', { ...registration.handle.details, note }).info };
  }

  /** Lists a service under a new id. */
  #add({ runId, node, handle, owner }: ServiceRegistration, status: 'running' | 'stopped', details: Record<string, unknown> | undefined): Entry {
    const id = `svc-${randomBytes(5).toString('hex')}`;
    const info: ServiceInfo = { id, runId, node, kind: String(handle.kind), name: String(handle.name), startedAt: new Date().toISOString(), status };
    if (handle.url !== undefined) info.url = handle.url;
    if (details !== undefined) info.details = details;
    const entry: Entry = { info, handle, ...(owner ? { owner } : {}) };
    this.#entries.set(id, entry);
    return entry;
  }

  list(): ServiceInfo[] {
    return [...this.#entries.values()].map(withLiveDetails);
  }

  running(): ServiceInfo[] {
    return this.list().filter((info) => info.status === 'running');
  }

  get(id: string): ServiceInfo | undefined {
    const entry = this.#entries.get(id);
    return entry ? withLiveDetails(entry) : undefined;
  }

  /** The running service that node `node` of pipeline `pipelineId` started (the newest, should there be several). */
  ownedBy(pipelineId: string, node: string): OwnedService | undefined {
    return this.allOwnedBy(pipelineId, node).at(-1);
  }

  /** Every running service that node `node` of pipeline `pipelineId` started, oldest first. */
  allOwnedBy(pipelineId: string, node: string): OwnedService[] {
    const owned: OwnedService[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.info.status !== 'running' || entry.info.node !== node || entry.owner?.pipelineId !== pipelineId) continue;
      owned.push({ info: withLiveDetails(entry), owner: entry.owner });
    }
    return owned;
  }

  /** Which pipeline node started the service, if the executor said so. */
  ownerOf(id: string): ServiceOwner | undefined {
    return this.#entries.get(id)?.owner;
  }

  /** The handle of a registered service: the engine restarts a service through its recipe. */
  handleOf(id: string): ServiceHandle | undefined {
    return this.#entries.get(id)?.handle;
  }

  /** Stops one service; false when there is no such running service. A stop() that throws marks it failed. */
  async stop(id: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry || entry.info.status !== 'running') return false;
    entry.stopping ??= Promise.resolve()
      .then(() => entry.handle.stop())
      .then(
        () => this.#end(entry, 'stopped'),
        (error: unknown) => this.#end(entry, 'failed', `stop failed: ${messageOf(error)}`),
      );
    await entry.stopping;
    return true;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running().map((info) => this.stop(info.id)));
  }

  #end(entry: Entry, status: 'stopped' | 'failed', error?: string): void {
    if (entry.info.status !== 'running') return;
    entry.info.status = status;
    if (error) entry.info.details = { ...entry.info.details, error };
    try {
      this.#onStopped({ type: 'service.stopped', at: new Date().toISOString(), service: { ...entry.info } });
    } catch {
      // A broken listener must not keep a service marked as running.
    }
    this.#pruneEnded();
  }

  #pruneEnded(): void {
    const ended = [...this.#entries.values()].filter((entry) => entry.info.status !== 'running');
    for (const entry of ended.slice(0, Math.max(0, ended.length - this.#endedServicesKept))) this.#entries.delete(entry.info.id);
  }
}

/** A copy of the entry's info; a running service's live details are read now, over the ones it started with. */
function withLiveDetails({ info, handle }: Entry): ServiceInfo {
  if (info.status !== 'running' || handle.liveDetails === undefined) return { ...info };
  try {
    return { ...info, details: { ...info.details, ...handle.liveDetails() } };
  } catch {
    // A service that cannot say how it is doing is still listed, with what it said at start.
    return { ...info };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
