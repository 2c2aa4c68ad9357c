// Test support: a pipeline file from a compact list of nodes and edges, for specs' graph checks (tokenizer lineage).
import { pipelineSchema, type Pipeline } from '../../app/pipeline/schema.ts';

export type EdgeDef = [from: string, fromPort: string, to: string, toPort: string];

/** Nodes as [id, type]; each config is `configOf(id, type)` (an empty object when it gives none); edges e0, e1, … in order. */
export function pipelineOf(name: string, nodes: readonly [id: string, type: string][], edges: readonly EdgeDef[], configOf: (id: string, type: string) => Record<string, unknown> | undefined = () => undefined): Pipeline {
  return pipelineSchema.parse({
    format: 'crucible.pipeline',
    version: 1,
    name,
    nodes: nodes.map(([id, type]) => ({ id, type, typeVersion: 1, config: configOf(id, type) ?? {} })),
    edges: edges.map(([from, fromPort, to, toPort], index) => ({ id: `e${index}`, from: { node: from, port: fromPort }, to: { node: to, port: toPort } })),
  });
}
