// Which tokenizer node a node's data descends from, and the check that inputs declared to need one tokenizer
// (distill's teacher and tokens) share it. A Model's tokenizer is that of the Tokens it was trained on.
import type { NodeSpec } from '../nodes/spec.ts';
import type { Pipeline, PipelineEdge } from '../pipeline/schema.ts';
import type { ValidationProblem } from './problems.ts';

const TOKENS = 'Tokens';

/** The node whose Tokens output the data on (nodeId, inputPort) was made from, or null when it cannot be traced. */
export function tokenizerOrigin(pipeline: Pipeline, specs: ReadonlyMap<string, NodeSpec | undefined>, nodeId: string, inputPort: string): string | null {
  const seen = new Set<string>();
  let edge = edgeInto(pipeline.edges, nodeId, inputPort);
  while (edge !== undefined) {
    const source = specs.get(edge.from.node);
    if (source === undefined || seen.has(edge.from.node)) return null;
    const output = source.outputs.find((port) => port.name === edge?.from.port);
    if (output?.type === TOKENS) return edge.from.node;
    seen.add(edge.from.node);
    // Follow the source's own Tokens input (pretrain, distill), else its Model input (quantize, deploy).
    const upstreamPort = source.inputs.find((port) => port.type === TOKENS) ?? source.inputs.find((port) => port.type === output?.type);
    if (upstreamPort === undefined) return null;
    edge = edgeInto(pipeline.edges, edge.from.node, upstreamPort.name);
  }
  return null;
}

export function checkSharedTokenizers(pipeline: Pipeline, specs: ReadonlyMap<string, NodeSpec | undefined>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    const ports = specs.get(node.id)?.sameTokenizer ?? [];
    const origins = ports.map((port) => ({ port, origin: tokenizerOrigin(pipeline, specs, node.id, port) })).filter((entry) => entry.origin !== null);
    const [first, ...others] = origins;
    const differing = others.find((entry) => entry.origin !== first?.origin);
    if (first === undefined || differing === undefined) continue;
    problems.push({
      node: node.id,
      port: differing.port,
      code: 'tokenizer_mismatch',
      message: `"${first.port}" comes from tokenizer "${first.origin}" but "${differing.port}" comes from tokenizer "${differing.origin}"; they must share the tokenizer, so connect both to "${first.origin}"`,
    });
  }
  return problems;
}

function edgeInto(edges: readonly PipelineEdge[], nodeId: string, port: string): PipelineEdge | undefined {
  return edges.find((edge) => edge.to.node === nodeId && edge.to.port === port);
}
