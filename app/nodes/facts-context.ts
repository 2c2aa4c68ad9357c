// What a node's facts and estimates may read of the pipeline around it (NodeFactsContext): the valid config of the
// node feeding a port. One reading for the studio's facts and the engine's memory check.
import type { Pipeline } from '../pipeline/schema.ts';
import type { NodeFactsContext } from './spec.ts';

export function factsContextFor(doc: Pipeline, nodeId: string): NodeFactsContext {
  return {
    upstreamConfig(port, spec) {
      const edge = doc.edges.find((candidate) => candidate.to.node === nodeId && candidate.to.port === port);
      const source = edge && doc.nodes.find((candidate) => candidate.id === edge.from.node);
      if (source?.type !== spec.type) return undefined;
      const parsed = spec.config.safeParse(source.config);
      return parsed.success ? parsed.data : undefined;
    },
  };
}
