// Rewrites a float32 decoder ModelProto so every linear layer runs through com.microsoft.MatMulNBits, plus the
// embedding table (and a head tied to it) when asked.
//
// Working on the ModelProto keeps the export code unaware of quantization: any graph the builder emits can be
// rewritten, and the float32 decoder stays byte-identical. A linear layer is a product by a 2-D float32 initializer
// W in one of three forms: MatMul(x, W) with W [K, N] (GPT-2's Conv1D); MatMul(x, Transpose(W)) and
// FusedMatMul(x, W, transB=1) with W [N, K] (torch Linear's [out, in]: Llama's projections and untied head, GPT-2's
// tied head), which is MatMulNBits' own orientation. A weight that a Gather also reads is an embedding table (GPT-2's
// wte, Llama's tied embed_tokens): it and the head sharing it stay float32 unless quantizeEmbeddings is set; then
// the Gather reads the packed rows and dequantizes them in the graph (quantized-gather.ts), so the float32 table
// leaves the file. Nodes left without readers (a Transpose of a quantized weight) leave with it.

import type { ModelProto, NodeProto, TensorProto } from '../onnx/model-proto.ts';
import { quantizeBlocks, type BlockQuantizationOptions, type BlockQuantizedWeight, type WeightLayout } from './block-quantize.ts';
import { matMulNBitsInitializers, matMulNBitsNode, quantizedWeightNames, type MatMulNBitsWeightNames } from './matmul-nbits.ts';
import { dequantizingGather, type GraphPiece } from './quantized-gather.ts';

export interface DecoderQuantizationOptions extends BlockQuantizationOptions {
  accuracyLevel: number;
  /** Also quantize the tied embedding/head (wte); its Gather then dequantizes the rows it reads. */
  quantizeEmbeddings: boolean;
}

export interface QuantizedDecoder {
  model: ModelProto;
  /** Names of the float32 weights now stored quantized. */
  quantizedWeights: string[];
}

interface QuantizedEntry {
  names: MatMulNBitsWeightNames;
  quantized: BlockQuantizedWeight;
  layout: WeightLayout;
}

export function quantizeDecoderModel(model: ModelProto, options: DecoderQuantizationOptions): QuantizedDecoder {
  const alreadyQuantized = model.graph.nodes.find((node) => node.opType === 'MatMulNBits');
  if (alreadyQuantized !== undefined) {
    throw new Error(`quantize: graph "${model.graph.name}" already holds MatMulNBits node "${alreadyQuantized.name}"; quantize the float32 decoder (onnx/model.onnx) instead`);
  }
  const initializers = new Map(model.graph.initializers.map((tensor) => [tensor.name, tensor]));
  const producers = new Map(model.graph.nodes.flatMap((node) => node.outputs.map((output) => [output, node] as const)));
  const gathered = new Set(model.graph.nodes.filter((node) => node.opType === 'Gather' && node.domain === '').map((node) => node.inputs[0] ?? ''));
  const weightOf = (name: string) => {
    const tensor = initializers.get(name);
    return tensor !== undefined && tensor.dtype === 'float32' && tensor.dims.length === 2 && (options.quantizeEmbeddings || !gathered.has(name)) ? tensor : null;
  };
  const quantizedByWeight = new Map<string, QuantizedEntry>();
  const quantizeWeight = (tensor: TensorProto, layout: WeightLayout): QuantizedEntry => {
    const existing = quantizedByWeight.get(tensor.name);
    if (existing !== undefined) return existing;
    const [rows, columns] = tensor.dims as [number, number];
    const [K, N] = layout === 'kn' ? [rows, columns] : [columns, rows];
    const quantized = quantizeBlocks(tensor.data as Float32Array, K, N, layout, options);
    const entry = { names: quantizedWeightNames(tensor.name, quantized), quantized, layout };
    quantizedByWeight.set(tensor.name, entry);
    return entry;
  };

  const nodes: NodeProto[] = [];
  for (const node of model.graph.nodes) {
    const linear = linearWeightOf(node, weightOf, producers);
    if (linear === null) {
      nodes.push(node);
      continue;
    }
    const { names, quantized } = quantizeWeight(linear.weight, linear.layout);
    nodes.push(matMulNBitsNode({ name: node.name, input: node.inputs[0] as string, output: node.outputs[0] as string, names, quantized, accuracyLevel: options.accuracyLevel }));
  }
  const rewritten = nodes.map((node) => rewriteGather(node, quantizedByWeight));
  const finalNodes = withoutUnreadNodes(rewritten.flatMap((part) => part.nodes), model.graph.outputs.map((output) => output.name));
  const candidates = [
    ...model.graph.initializers,
    ...[...quantizedByWeight.values()].flatMap(({ names, quantized }) => matMulNBitsInitializers(names, quantized)),
    ...rewritten.flatMap((part) => part.initializers),
  ];
  // A float weight every use of which was rewritten leaves the file; so does a packed one no node reads.
  const referenced = referencedNames(finalNodes, model.graph.outputs.map((output) => output.name));
  const initializersKept = candidates.filter((tensor) => referenced.has(tensor.name));
  return { model: { ...model, graph: { ...model.graph, nodes: finalNodes, initializers: initializersKept } }, quantizedWeights: [...quantizedByWeight.keys()] };
}

/**
 * The float32 weight a node multiplies by, when the node is a linear layer this transform may quantize: `weightOf`
 * gives the initializer of that name when it may be quantized, else null.
 */
function linearWeightOf(node: NodeProto, weightOf: (name: string) => TensorProto | null, producers: ReadonlyMap<string, NodeProto>): { weight: TensorProto; layout: WeightLayout } | null {
  const right = node.inputs[1] ?? '';
  if (node.opType === 'MatMul' && node.domain === '') {
    const direct = weightOf(right);
    if (direct !== null) return { weight: direct, layout: 'kn' };
    const transpose = producers.get(right);
    if (transpose?.opType !== 'Transpose' || transpose.domain !== '') return null;
    const perm = transpose.attributes.perm;
    const swapsTwoAxes = perm === undefined || (perm.kind === 'ints' && perm.value.join(',') === '1,0');
    const transposed = weightOf(transpose.inputs[0] ?? '');
    return swapsTwoAxes && transposed !== null ? { weight: transposed, layout: 'nk' } : null;
  }
  if (node.opType !== 'FusedMatMul' || node.domain !== 'com.microsoft') return null;
  const attribute = (name: string, fallback: number) => {
    const value = node.attributes[name];
    return value?.kind === 'int' || value?.kind === 'float' ? value.value : fallback;
  };
  const plainTransposedProduct = attribute('transB', 0) === 1 && attribute('transA', 0) === 0 && attribute('alpha', 1) === 1;
  const weight = weightOf(right);
  return plainTransposedProduct && weight !== null ? { weight, layout: 'nk' } : null;
}

/** A Gather over a table stored as rows of N (the tied wte) reads the packed rows; other nodes pass through. */
function rewriteGather(node: NodeProto, quantizedByWeight: ReadonlyMap<string, QuantizedEntry>): GraphPiece {
  const entry = node.opType === 'Gather' && node.domain === '' ? quantizedByWeight.get(node.inputs[0] ?? '') : undefined;
  if (entry === undefined || entry.layout !== 'nk') return { nodes: [node], initializers: [] };
  return dequantizingGather({ gather: node, names: entry.names, quantized: entry.quantized });
}

/** `nodes` less those whose every output no node or graph output reads (repeated, so chains of them go too). */
function withoutUnreadNodes(nodes: readonly NodeProto[], graphOutputs: readonly string[]): NodeProto[] {
  let kept = [...nodes];
  for (;;) {
    const read = referencedNames(kept, graphOutputs);
    const next = kept.filter((node) => node.outputs.some((output) => output !== '' && read.has(output)));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

function referencedNames(nodes: readonly NodeProto[], graphOutputs: readonly string[]): Set<string> {
  const names = new Set(graphOutputs);
  for (const node of nodes) for (const input of node.inputs) names.add(input);
  return names;
}
