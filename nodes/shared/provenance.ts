// Where a node run's output came from, as every engine-side run records it for the artifact's provenance file: the
// run, the node and its config, the input artifacts.
import type { ArtifactHandle, NodeRunContext } from '../../app/nodes/run-contract.ts';

/** The provenance record a node writes beside its output: the run, the node and its config, the input artifacts. */
export function provenanceOf(ctx: NodeRunContext<unknown, unknown>, nodeType: string, inputs: Record<string, ArtifactHandle>): Record<string, unknown> {
  return {
    format: 'crucible.provenance',
    runId: ctx.runId,
    node: { id: ctx.nodeId, type: nodeType, config: ctx.config },
    inputs: Object.fromEntries(Object.entries(inputs).map(([port, artifact]) => [port, { key: artifact.key, meta: artifact.meta }])),
    createdAt: new Date().toISOString(),
  };
}
