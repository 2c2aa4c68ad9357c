// A rerun of a deploy or api-endpoint node takes over the service the node's previous run started, instead of
// starting one more beside it (and failing on the port the previous endpoint still holds): the running service is
// kept when the node's config and inputs are unchanged, otherwise it is stopped before the node starts a new one.
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import type { StoredArtifact } from '../artifacts/artifact-store.ts';
import type { CacheKeyParts } from '../executor/cache-key.ts';
import { explainCacheMiss } from '../executor/cache-reason.ts';
import type { ServiceRegistry } from './service-registry.ts';

export interface SuccessionRequest {
  pipelineId: string;
  node: string;
  /** The node's cache-key parts and key for this run, without the run id. */
  parts: CacheKeyParts;
  serviceKey: string;
  /** False when the node is forced: the service is replaced even if nothing changed. */
  mayKeep: boolean;
  /** The node's log: one line says whether the service was kept or replaced, and why. */
  log: (line: string) => void;
}

export interface KeptService {
  service: ServiceInfo;
  /** The outputs the node handed on when it started the service (a Deployment names the running deployment). */
  outputs: Record<string, StoredArtifact>;
  /** Why the node did not run, as the canvas shows it. */
  reason: string;
}

/**
 * Keeps the node's running service (returned) or stops it (undefined returned: the node runs and starts a new one).
 * Should the node own several (two runs that started it at once, before the node runner held them in turn), only
 * the newest can be kept and the others are stopped, so a rerun always leaves one.
 */
export async function succeedService(registry: ServiceRegistry, request: SuccessionRequest): Promise<KeptService | undefined> {
  const owned = registry.allOwnedBy(request.pipelineId, request.node);
  const newest = owned.at(-1);
  if (!newest) return undefined;
  for (const older of owned.slice(0, -1)) {
    request.log(`stopping ${describeService(older.info)}: another run of this node started ${newest.info.id} after it`);
    await registry.stop(older.info.id);
  }
  const { info, owner } = newest;
  const what = describeService(info);
  if (request.mayKeep && owner.serviceKey === request.serviceKey && owner.outputs) {
    request.log(`kept ${what}: its config and inputs are unchanged`);
    return { service: info, outputs: owner.outputs, reason: `kept running ${info.id} (config and inputs unchanged)` };
  }
  const why = !request.mayKeep ? 'the node is forced' : owner.parts ? explainCacheMiss(owner.parts, request.parts) : 'it was restored after an engine restart, so its config is not known';
  request.log(`stopping ${what} before starting it again: ${why}`);
  await registry.stop(info.id);
  return undefined;
}

/** `service svc-1 (api-endpoint "tiny" at http://…, node "api" of run r-…)`: how log lines and errors name a service. */
export function describeService(info: Pick<ServiceInfo, 'id' | 'kind' | 'name' | 'url' | 'runId' | 'node'>): string {
  return `service ${info.id} (${info.kind} "${info.name}"${info.url ? ` at ${info.url}` : ''}, node "${info.node}" of run ${info.runId})`;
}
