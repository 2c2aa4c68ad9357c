// Restarting a service on request (studio's Restart, `crucible services restart`): stop it if it runs, then start it
// again from its recipe as the same node of the same run, owned as before, so a later rerun of the node still finds
// it. A deployment comes back under its id; the running endpoints that serve it are restarted after it, since they
// hold the workers that were stopped. An endpoint whose deployments are down starts them first (a stopped entry
// with the deployment's id, as the studio lists the last engine's services).
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import type { EngineServingCapability } from '../capabilities/serving-capability.ts';
import type { ServiceRegistry } from './service-registry.ts';
import { describeService } from './service-succession.ts';
import { recipeOf } from './serving-recipe.ts';

export interface RestartContext {
  registry: ServiceRegistry;
  restorer: Pick<EngineServingCapability, 'restore'>;
  dataDir: string;
  /** The restarted service's log lines (model loaded, endpoint listening), under its node. */
  log: (service: ServiceInfo, line: string) => void;
  /** Announces each started service, as its run's `service.started` event. */
  announce: (service: ServiceInfo) => void;
}

/** Thrown when a service cannot be restarted; the message says why and what to do. */
export class ServiceRestartError extends Error {
  constructor(
    message: string,
    readonly code: 'service_not_found' | 'not_restartable' | 'superseded',
  ) {
    super(message);
  }
}

/**
 * Restarts the service and, for a deployment, the running endpoints over it; for an endpoint, first the deployments
 * it serves that are down. Returns the services started, the one asked for first unless deployments came before it.
 */
export async function restartService(context: RestartContext, serviceId: string): Promise<ServiceInfo[]> {
  const { registry } = context;
  const info = registry.get(serviceId);
  const handle = registry.handleOf(serviceId);
  if (!info || !handle) throw new ServiceRestartError(`no service "${serviceId}"; list them with crucible services list`, 'service_not_found');
  const recipe = recipeOf(handle);
  if (!recipe) throw new ServiceRestartError(`${describeService(info)} cannot be restarted: only deployments and API endpoints started by a pipeline can; re-run its pipeline`, 'not_restartable');
  const owner = registry.ownerOf(serviceId);
  const newer = owner ? registry.ownedBy(owner.pipelineId, info.node) : undefined;
  if (newer && newer.info.id !== serviceId) {
    throw new ServiceRestartError(`${describeService(info)} was replaced by ${newer.info.id}, which is running; restart that one`, 'superseded');
  }
  const dependents = recipe.kind === 'deployment' ? registry.running().filter((other) => servesDeployment(registry, other.id, recipe.deploymentId)) : [];
  for (const endpoint of dependents) await registry.stop(endpoint.id);
  await registry.stop(serviceId);
  const restarted: ServiceInfo[] = [];
  if (recipe.kind === 'api-endpoint') {
    for (const deploymentId of recipe.deploymentIds) {
      const stopped = stoppedDeployment(registry, deploymentId);
      if (stopped) restarted.push(await startAgain(context, stopped.id));
    }
  }
  restarted.push(await startAgain(context, serviceId));
  for (const endpoint of dependents) restarted.push(await startAgain(context, endpoint.id));
  return restarted;
}

async function startAgain(context: RestartContext, serviceId: string): Promise<ServiceInfo> {
  const { registry, restorer, dataDir, log, announce } = context;
  const info = registry.get(serviceId)!;
  const owner = registry.ownerOf(serviceId);
  const handle = await restorer.restore(recipeOf(registry.handleOf(serviceId)!), { dataDir, log: (line) => log(info, line) });
  const service = registry.register({ runId: info.runId, node: info.node, handle, ...(owner ? { owner } : {}) });
  log(service, `restarted ${describeService(info)} as ${service.id}`);
  announce(service);
  return service;
}

/** The newest listed deployment with this id, when no deployment with it runs. */
function stoppedDeployment(registry: ServiceRegistry, deploymentId: string): ServiceInfo | undefined {
  const withId = registry.list().filter((service) => {
    const handle = registry.handleOf(service.id);
    const recipe = handle ? recipeOf(handle) : undefined;
    return recipe?.kind === 'deployment' && recipe.deploymentId === deploymentId;
  });
  if (withId.some((service) => service.status === 'running')) return undefined;
  return withId.at(-1);
}

function servesDeployment(registry: ServiceRegistry, serviceId: string, deploymentId: string): boolean {
  const handle = registry.handleOf(serviceId);
  const recipe = handle ? recipeOf(handle) : undefined;
  return recipe?.kind === 'api-endpoint' && recipe.deploymentIds.includes(deploymentId);
}
