// Rewrites a float32 decoder ModelProto so every linear layer runs through com.microsoft.MatMulNBits: each
// MatMul(x, W) whose W is a 2-D float32 initializer, plus the tied head and embedding when asked.
//
// Working on the ModelProto keeps the export code unaware of quantization: any graph the builder emits can be
// rewritten, and the float32 decoder stays byte-identical. The tied head is FusedMatMul(h, wte, transB=1): wte is
// (V, C) = [N, K], MatMulNBits' own orientation. The token embedding Gather(wte, ids) keeps the float32 wte unless
// quantizeEmbeddings is set; then it reads the packed rows and dequantizes them in the graph (quantized-gather.ts), so
// the float32 wte leaves the file.

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
    const linear = linearWeightOf(node, initializers, options.quantizeEmbeddings);
    if (linear === null) {
      nodes.push(node);
      continue;
    }
    const { names, quantized } = quantizeWeight(linear.weight, linear.layout);
    nodes.push(matMulNBitsNode({ name: node.name, input: node.inputs[0] as string, output: node.outputs[0] as string, names, quantized, accuracyLevel: options.accuracyLevel }));
  }
  const rewritten = nodes.map((node) => rewriteGather(node, quantizedByWeight));
  const finalNodes = rewritten.flatMap((part) => part.nodes);
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

/** The float32 weight a node multiplies by, when the node is a linear layer this transform may quantize. */
function linearWeightOf(node: NodeProto, initializers: ReadonlyMap<string, TensorProto>, quantizeEmbeddings: boolean): { weight: TensorProto; layout: WeightLayout } | null {
  const weight = initializers.get(node.inputs[1] ?? '');
  if (weight === undefined || weight.dtype !== 'float32' || weight.dims.length !== 2) return null;
  if (node.opType === 'MatMul' && node.domain === '') return { weight, layout: 'kn' };
  if (!quantizeEmbeddings || node.opType !== 'FusedMatMul' || node.domain !== 'com.microsoft') return null;
  const attribute = (name: string, fallback: number) => {
    const value = node.attributes[name];
    return value?.kind === 'int' || value?.kind === 'float' ? value.value : fallback;
  };
  const plainTransposedProduct = attribute('transB', 0) === 1 && attribute('transA', 0) === 0 && attribute('alpha', 1) === 1;
  return plainTransposedProduct ? { weight, layout: 'nk' } : null;
}

/** A Gather over a table stored as rows of N (the tied wte) reads the packed rows; other nodes pass through. */
function rewriteGather(node: NodeProto, quantizedByWeight: ReadonlyMap<string, QuantizedEntry>): GraphPiece {
  const entry = node.opType === 'Gather' && node.domain === '' ? quantizedByWeight.get(node.inputs[0] ?? '') : undefined;
  if (entry === undefined || entry.layout !== 'nk') return { nodes: [node], initializers: [] };
  return dequantizingGather({ gather: node, names: entry.names, quantized: entry.quantized });
}

function referencedNames(nodes: readonly NodeProto[], graphOutputs: readonly string[]): Set<string> {
  const names = new Set(graphOutputs);
  for (const node of nodes) for (const input of node.inputs) names.add(input);
  return names;
}
