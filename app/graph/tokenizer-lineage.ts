// Which tokenizer a node's data descends from, and the check that inputs declared to need one tokenizer (distill's
// teacher and tokens, finetune's model and tokens) share it.
//
// A tokenizer's identity is the node it comes from (its origin):
// - a tokenizer node that trains or loads its own is the origin of its Tokenizer and Tokens outputs;
// - a tokenizer node whose `tokenizer` input (type Tokenizer) is connected encodes with that tokenizer, so its outputs
//   have the origin of that input;
// - a node that brings a model with its own tokenizer (the model node: a Model and a Tokenizer output, no input that
//   says otherwise) is the origin of both;
// - a Model trained on Tokens has their origin (pretrain, distill, finetune); one made from a Model has that Model's
//   (quantize, deploy).
import type { NodeSpec } from '../nodes/spec.ts';
import type { PortType } from '../nodes/ports.ts';
import type { Pipeline, PipelineEdge } from '../pipeline/schema.ts';
import type { ValidationProblem } from './problems.ts';

type Specs = ReadonlyMap<string, NodeSpec | undefined>;

const TOKENIZER_TYPES: readonly PortType[] = ['Tokens', 'Tokenizer'];

/** The node the tokenizer of the data on (nodeId, inputPort) comes from, or null when it cannot be traced. */
export function tokenizerOrigin(pipeline: Pipeline, specs: Specs, nodeId: string, inputPort: string): string | null {
  const edge = edgeInto(pipeline.edges, nodeId, inputPort);
  return edge === undefined ? null : originOfOutput(pipeline, specs, edge.from.node, edge.from.port, new Set());
}

function originOfOutput(pipeline: Pipeline, specs: Specs, nodeId: string, outputPort: string, seen: Set<string>): string | null {
  const spec = specs.get(nodeId);
  const output = spec?.outputs.find((port) => port.name === outputPort);
  if (spec === undefined || output === undefined || seen.has(nodeId)) return null;
  seen.add(nodeId);
  const follow = (port: string): string | null => {
    const edge = edgeInto(pipeline.edges, nodeId, port);
    return edge === undefined ? null : originOfOutput(pipeline, specs, edge.from.node, edge.from.port, seen);
  };
  if (TOKENIZER_TYPES.includes(output.type)) {
    // A tokenizer node encodes with the Tokenizer on its input when one is connected, else with its own.
    const given = spec.inputs.find((port) => port.type === 'Tokenizer');
    const edge = given && edgeInto(pipeline.edges, nodeId, given.name);
    return edge === undefined ? nodeId : follow(given!.name);
  }
  // Follow the node's own Tokens input (pretrain, distill, finetune), else its input of the output's type (quantize, deploy).
  const upstream = spec.inputs.find((port) => port.type === 'Tokens') ?? spec.inputs.find((port) => port.type === output.type);
  if (upstream !== undefined) return follow(upstream.name);
  return bringsOwnTokenizer(spec) ? nodeId : null;
}

/** A node that brings a model together with its tokenizer (the model node). */
function bringsOwnTokenizer(spec: NodeSpec): boolean {
  return spec.outputs.some((port) => port.type === 'Model') && spec.outputs.some((port) => port.type === 'Tokenizer');
}

/** The node whose Tokens output the data on (nodeId, inputPort) was made from, following Models back to their Tokens. */
function tokensProducer(pipeline: Pipeline, specs: Specs, nodeId: string, inputPort: string): string | null {
  const seen = new Set<string>();
  let edge = edgeInto(pipeline.edges, nodeId, inputPort);
  while (edge !== undefined && !seen.has(edge.from.node)) {
    const from: PipelineEdge['from'] = edge.from;
    const source = specs.get(from.node);
    const output = source?.outputs.find((port) => port.name === from.port);
    if (source === undefined || output === undefined) return null;
    if (output.type === 'Tokens') return from.node;
    seen.add(from.node);
    const upstream = source.inputs.find((port) => port.type === 'Tokens') ?? source.inputs.find((port) => port.type === output.type);
    edge = upstream && edgeInto(pipeline.edges, from.node, upstream.name);
  }
  return null;
}

export function checkSharedTokenizers(pipeline: Pipeline, specs: Specs): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    const ports = specs.get(node.id)?.sameTokenizer ?? [];
    const origins = ports.map((port) => ({ port, origin: tokenizerOrigin(pipeline, specs, node.id, port) })).filter((entry): entry is Traced => entry.origin !== null);
    const [first, ...others] = origins;
    const differing = others.find((entry) => entry.origin !== first?.origin);
    if (first === undefined || differing === undefined) continue;
    problems.push({ node: node.id, port: differing.port, code: 'tokenizer_mismatch', message: mismatchMessage(pipeline, specs, node.id, first, differing) });
  }
  return problems;
}

interface Traced {
  port: string;
  origin: string;
}

function mismatchMessage(pipeline: Pipeline, specs: Specs, nodeId: string, first: Traced, differing: Traced): string {
  // A model that brings its own tokenizer, against tokens a tokenizer node made: say which connection fixes it.
  for (const [model, tokens] of [
    [first, differing],
    [differing, first],
  ] as const) {
    const modelSpec = specs.get(model.origin);
    const tokensType = specs.get(nodeId)?.inputs.find((port) => port.name === tokens.port)?.type;
    if (modelSpec === undefined || !bringsOwnTokenizer(modelSpec) || tokensType !== 'Tokens') continue;
    const tokenizerNode = tokensProducer(pipeline, specs, nodeId, tokens.port);
    const tokenizerInput = tokenizerNode === null ? undefined : specs.get(tokenizerNode)?.inputs.find((port) => port.type === 'Tokenizer');
    const modelOutput = modelSpec.outputs.find((port) => port.type === 'Tokenizer')!;
    if (tokenizerNode === null || tokenizerInput === undefined) continue;
    const uses = tokens.origin === tokenizerNode ? 'which trains or loads its own tokenizer' : `which encodes with the tokenizer of "${tokens.origin}"`;
    return (
      `"${model.port}" comes from model "${model.origin}" but "${tokens.port}" was encoded by tokenizer node "${tokenizerNode}", ${uses}; ` +
      `the model only understands its own token ids, so connect "${model.origin}"'s ${modelOutput.name} output to "${tokenizerNode}"'s ${tokenizerInput.name} input`
    );
  }
  return `"${first.port}" comes from tokenizer "${first.origin}" but "${differing.port}" comes from tokenizer "${differing.origin}"; they must share the tokenizer, so connect both to "${first.origin}"`;
}

function edgeInto(edges: readonly PipelineEdge[], nodeId: string, port: string): PipelineEdge | undefined {
  return edges.find((edge) => edge.to.node === nodeId && edge.to.port === port);
}
