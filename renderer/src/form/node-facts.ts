// The facts shown under a training node's form: parameter count, tokens per step and estimated memory. The
// vocabulary comes from the tokenizer feeding the node, since that is what decides the embedding size.
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import type { Pipeline, PipelineNode } from '../../../app/pipeline/schema.ts';
import { formatBytes, formatCount, gpt2ParameterCount, trainingMemoryEstimate, type Gpt2Shape } from './model-facts.ts';

export interface NodeFact {
  label: string;
  value: string;
  note?: string;
}

/** Vocab sizes assumed when the tokenizer does not fix one in its config. */
const ASSUMED_CHAR_VOCAB = 256;
const ASSUMED_PRETRAINED_VOCAB = 50_257;

export function effectiveConfig(node: PipelineNode, info: NodeTypeInfo | undefined): Record<string, unknown> {
  return { ...info?.defaults, ...node.config };
}

function upstream(doc: Pipeline, nodeId: string, port: string): PipelineNode | undefined {
  const edge = doc.edges.find((candidate) => candidate.to.node === nodeId && candidate.to.port === port);
  return edge ? doc.nodes.find((node) => node.id === edge.from.node) : undefined;
}

function vocabulary(doc: Pipeline, nodeId: string, catalogue: ReadonlyMap<string, NodeTypeInfo>): { size: number; note?: string } {
  const source = upstream(doc, nodeId, 'tokens');
  if (!source || source.type !== 'tokenizer') return { size: ASSUMED_PRETRAINED_VOCAB, note: `no tokenizer connected; assumes GPT-2's ${ASSUMED_PRETRAINED_VOCAB.toLocaleString('en-US')} tokens` };
  const config = effectiveConfig(source, catalogue.get('tokenizer'));
  if (config.kind === 'bpe' && typeof config.vocabSize === 'number') return { size: config.vocabSize };
  if (config.kind === 'char') return { size: ASSUMED_CHAR_VOCAB, note: `character vocabulary comes from the data; assumes at most ${ASSUMED_CHAR_VOCAB}` };
  return { size: ASSUMED_PRETRAINED_VOCAB, note: `pretrained tokenizer; assumes ${ASSUMED_PRETRAINED_VOCAB.toLocaleString('en-US')} tokens` };
}

function num(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN;
}

export function nodeFacts(doc: Pipeline, nodeId: string, catalogue: ReadonlyMap<string, NodeTypeInfo>): NodeFact[] {
  const node = doc.nodes.find((candidate) => candidate.id === nodeId);
  if (!node || node.type !== 'pretrain') return [];
  const config = effectiveConfig(node, catalogue.get(node.type));
  const vocab = vocabulary(doc, nodeId, catalogue);
  const shape: Gpt2Shape = { vocabSize: vocab.size, blockSize: num(config, 'blockSize'), nLayer: num(config, 'nLayer'), nHead: num(config, 'nHead'), nEmbd: num(config, 'nEmbd'), bias: config.bias !== false };
  const batchSize = num(config, 'batchSize');
  const accumulation = num(config, 'gradAccumSteps');
  if (Object.values(shape).some((value) => typeof value === 'number' && !Number.isFinite(value)) || !Number.isFinite(batchSize)) return [];
  const memory = trainingMemoryEstimate(shape, batchSize);
  return [
    { label: 'Parameters', value: formatCount(gpt2ParameterCount(shape)), note: vocab.note },
    { label: 'Tokens per step', value: formatCount(batchSize * shape.blockSize * (Number.isFinite(accumulation) ? accumulation : 1)) },
    { label: 'Training memory', value: `≈ ${formatBytes(memory.totalBytes)}`, note: `${formatBytes(memory.parameterBytes)} weights, gradients and AdamW state + ${formatBytes(memory.activationBytes)} activations (float32, rough)` },
  ];
}
