// Keeps deployments and API endpoints across engine restarts: records each one a long-lived engine starts, forgets
// it once a user stops it or it fails, and on the next engine start brings back the ones still wanted.
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import type { RestorableService, ServiceRestoreStore } from '../store/service-restore-store.ts';
import type { ServiceRegistry } from './service-registry.ts';
import type { EngineServingCapability } from '../capabilities/serving-capability.ts';
import { recipeOf, servingRecipe, withRecipe } from './serving-recipe.ts';

/** Why a service the last engine ran is listed as stopped, and how to bring it back. */
export const LEFT_STOPPED_NOTE = 'was running when the engine last stopped; restart it to bring it back';

type ServiceRestorer = Pick<EngineServingCapability, 'restore'>;

export interface ServiceKeeperOptions {
  store: ServiceRestoreStore;
  registry: ServiceRegistry;
  /** Starts services again from their recipes: the engine's serving capability. */
  restorer: ServiceRestorer;
  dataDir: string;
  /** One line per restored service, and the restored services' own log lines. */
  log: (line: string) => void;
  /** Announces a restored service, as its run's `service.started` event. */
  announce: (service: ServiceInfo) => void;
  /** The pipeline a run belongs to, so a rerun of the node replaces the restored service (service-succession.ts). */
  pipelineIdOf?: (runId: string) => string | undefined;
  /** Whether a process id is a running process: a live engine's services are its own (default: isProcessAlive). */
  isAlive?: (pid: number) => boolean;
}

export class ServiceKeeper {
  readonly #options: ServiceKeeperOptions;

  constructor(options: ServiceKeeperOptions) {
    this.#options = options;
  }

  /** Records a started service that has a recipe, so a restarted engine brings it back. */
  onStarted(service: ServiceInfo, handle: ServiceHandle): void {
    const recipe = recipeOf(handle);
    if (recipe === undefined) return;
    const { id: serviceId, runId, node, kind, name } = service;
    this.#write(`record service ${serviceId}`, () => this.#options.store.recordStarted({ serviceId, runId, node, kind, name, recipe }));
  }

  /** A service ended while the engine kept running (stopped by a user, or failed): it stays down after a restart. */
  onEnded(service: ServiceInfo): void {
    const end = service.status === 'failed' ? { state: 'failed' as const, note: String(service.details?.error ?? 'failed') } : { state: 'stopped' as const };
    this.#write(`record the end of service ${service.id}`, () => this.#options.store.recordEnded(service.id, end));
  }

  /**
   * Lists every wanted service as stopped, ready for a restart on request, instead of starting it; each is then no
   * longer wanted, so only a restart brings it back. Never throws.
   */
  leaveStopped(): ServiceInfo[] {
    const { store, log } = this.#options;
    const listed: ServiceInfo[] = [];
    for (const saved of this.#wanted()) {
      this.#write(`record that ${saved.serviceId} stays stopped`, () => store.recordEnded(saved.serviceId, { state: 'stopped' }));
      const service = this.#listStopped(saved, LEFT_STOPPED_NOTE);
      if (service) listed.push(service);
    }
    if (listed.length > 0) {
      log(`${listed.length} service(s) were running when the engine last stopped; they stay stopped. Restart them in the Serving tab or with "crucible services restart ID", or start the studio with --restore-services.`);
    }
    return listed;
  }

  /** Lists a saved service as stopped, with its recipe so a restart can bring it back; undefined if its recipe is unreadable. */
  #listStopped(saved: RestorableService, note: string): ServiceInfo | undefined {
    const recipe = servingRecipe.safeParse(saved.recipe);
    if (!recipe.success) return undefined;
    const details = recipe.data.kind === 'deployment' ? { deploymentId: recipe.data.deploymentId, modelDir: recipe.data.modelDir, precision: recipe.data.precision } : { deploymentIds: recipe.data.deploymentIds };
    const handle = withRecipe({ kind: saved.kind, name: saved.name, details, stop: async () => undefined }, recipe.data);
    const pipelineId = this.#pipelineIdOf(saved.runId);
    return this.#options.registry.registerStopped({ runId: saved.runId, node: saved.node, handle, ...(pipelineId ? { owner: { pipelineId } } : {}) }, note);
  }

  /** Brings back every wanted service, deployments before the endpoints that serve them. Never throws. */
  async restoreAll(): Promise<{ restored: ServiceInfo[]; failed: number }> {
    const wanted = this.#wanted();
    const ordered = [...wanted.filter((saved) => saved.kind === 'deployment'), ...wanted.filter((saved) => saved.kind !== 'deployment')];
    const restored: ServiceInfo[] = [];
    for (const saved of ordered) {
      const service = await this.#restore(saved);
      if (service) restored.push(service);
    }
    return { restored, failed: ordered.length - restored.length };
  }

  async #restore(saved: RestorableService): Promise<ServiceInfo | undefined> {
    const { store, registry, restorer, dataDir, log, announce } = this.#options;
    const what = `${saved.kind} "${saved.name}" (node "${saved.node}" of run ${saved.runId})`;
    let service: ServiceInfo;
    try {
      const handle = await restorer.restore(saved.recipe, { dataDir, log: (line) => log(`[${saved.node}] ${line}`) });
      const pipelineId = this.#pipelineIdOf(saved.runId);
      service = registry.register({ runId: saved.runId, node: saved.node, handle, ...(pipelineId ? { owner: { pipelineId } } : {}) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const note = `not restored: ${reason}`;
      this.#write(`record the failed restore of ${saved.serviceId}`, () => store.recordEnded(saved.serviceId, { state: 'failed', note }));
      // Listed as stopped with its reason, not dropped: once the cause is gone (a port freed, a deployment back up),
      // the Serving tab or `crucible services restart` brings it back from its recipe.
      const listed = this.#listStopped(saved, note);
      const next = listed ? `It is listed as stopped (${listed.id}): restart it in the Serving tab or with "crucible services restart ${listed.id}" once that is fixed.` : 'It stays stopped.';
      log(`could not restore ${what}: ${reason}. ${next}`);
      return undefined;
    }
    this.#write(`record the restore of ${saved.serviceId}`, () => store.recordEnded(saved.serviceId, { state: 'restored', asServiceId: service.id }));
    announce(service);
    log(`restored ${what} as ${service.id}${service.url ? ` at ${service.url}` : ''}`);
    return service;
  }

  /** The run's pipeline, or undefined when the run store cannot say: the service is then listed without an owner. */
  #pipelineIdOf(runId: string): string | undefined {
    try {
      return this.#options.pipelineIdOf?.(runId);
    } catch (error) {
      this.#options.log(`service restore: could not read run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  #wanted(): RestorableService[] {
    try {
      return this.#options.store.wanted(this.#options.isAlive);
    } catch (error) {
      this.#options.log(`service restore: could not read the services to restore: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  close(): void {
    this.#options.store.close();
  }

  /** Store trouble is logged, never thrown: it must not stop a service from running or the engine from starting. */
  #write(what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.#options.log(`service restore: could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
