// What every engine-side node run does the same way: find the engine capability it needs, and describe where its
// output came from for the artifact's provenance file.
import type { ArtifactHandle, NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { NodeServices } from '../capabilities.ts';

type RunContext = NodeRunContext<unknown, Partial<NodeServices>>;

/** The engine capability a node needs, or a clear error when this engine build does not provide it. */
export function requireService<K extends keyof NodeServices>(ctx: RunContext, name: K, nodeType: string): NodeServices[K] {
  const service = ctx.services[name];
  if (!service) throw new Error(`${nodeType} node "${ctx.nodeId}": the engine provides no ${name} service (ctx.services.${name}); this engine build cannot run ${nodeType} nodes`);
  return service as NodeServices[K];
}

/** The provenance record a node writes beside its output: the run, the node and its config, the input artifacts. */
export function provenanceOf(ctx: RunContext, nodeType: string, inputs: Record<string, ArtifactHandle>): Record<string, unknown> {
  return {
    format: 'crucible.provenance',
    runId: ctx.runId,
    node: { id: ctx.nodeId, type: nodeType, config: ctx.config },
    inputs: Object.fromEntries(Object.entries(inputs).map(([port, artifact]) => [port, { key: artifact.key, meta: artifact.meta }])),
    createdAt: new Date().toISOString(),
  };
}
