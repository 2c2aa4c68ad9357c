// The inference decoder written to onnx/model.onnx: a decoder with a key/value cache under Optimum's export names, so
// transformers.js and ORT users load it as they load Optimum's. This file holds the names and how the exported
// decoder attends (past in, present out); each family's body is its own (decoder-model.ts dispatches). Weights are
// initializers; all dims are dynamic.
// Legend: B batch, S new tokens this call, P cached tokens, H query heads, K key/value heads, D head size.

import { lowestValue } from '../gpt2/attention.ts';
import { attr } from '../graph/attributes.ts';
import { sumOfDims, type Dim } from '../graph/dims.ts';
import type { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import type { AttentionHeads, DecoderAttentionSetup } from './decoder-model.ts';
import { queryGroupSize, type KvCacheShape } from './kv-cache-shape.ts';

export const decoderNames = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  logits: 'logits',
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

/** Optimum's dim names, which appear as dim_params in the model's inputs and outputs. */
export const decoderDims = { batch: 'batch_size', sequence: 'sequence_length', past: 'past_sequence_length' } as const;
const B = decoderDims.batch;
const S = decoderDims.sequence;
const P = decoderDims.past;
const TOTAL: Dim = sumOfDims([P, S]);

interface DecoderInputs {
  inputIds: Value;
  attentionMask: Value;
  positionIds: Value;
  pastKeys: Value[];
  pastValues: Value[];
}

/** The exported decoder's inputs, mask and attention: each layer's past and new keys/values concatenated into present. */
export function cachedAttentionSetup(shape: KvCacheShape): DecoderAttentionSetup {
  return (graph) => {
    const inputs = declareInputs(graph, shape);
    const allowed = attentionAllowed(inputs);
    return { tokens: inputs, attend: (heads, layer) => cachedAttention(heads, layer, inputs, allowed, shape) };
  };
}

function declareInputs(graph: Graph, shape: KvCacheShape): DecoderInputs {
  const inputIds = graph.input(decoderNames.inputIds, 'int64', [B, S]);
  const attentionMask = graph.input(decoderNames.attentionMask, 'int64', [B, TOTAL]);
  const positionIds = graph.input(decoderNames.positionIds, 'int64', [B, S]);
  const pastKeys: Value[] = [];
  const pastValues: Value[] = [];
  for (let layer = 0; layer < shape.nLayer; layer++) {
    pastKeys.push(graph.input(decoderNames.pastKey(layer), 'float32', [B, shape.nKvHead, P, shape.headDim]));
    pastValues.push(graph.input(decoderNames.pastValue(layer), 'float32', [B, shape.nKvHead, P, shape.headDim]));
  }
  return { inputIds, attentionMask, positionIds, pastKeys, pastValues };
}

/**
 * (B, 1, S, P+S) bool: query i (at absolute position P+i) may see key j when j <= P+i and attention_mask[b, j] is 1.
 * The causal part is Trilu over an (S, P+S) ones matrix with diagonal offset P, read from the first past key.
 */
function attentionAllowed(inputs: DecoderInputs): Value {
  const graph = inputs.inputIds.graph;
  const pastLength = op.reshape(op.shapeOf(inputs.pastKeys[0] as Value, { start: 2, end: 3 }), []);
  const ones = op.constantOfShape(graph, [S, TOTAL], 'float32', 1);
  const [lowerTriangle] = graph.apply('Trilu', [ones, pastLength], { upper: attr.int(0) });
  const causal = op.cast(lowerTriangle as Value, 'bool'); // (S, P+S)
  const padding = op.cast(op.unsqueeze(inputs.attentionMask, [1, 2]), 'bool'); // (B, 1, 1, P+S)
  const bothAsFloat = op.mul(op.cast(causal, 'float32'), op.cast(padding, 'float32')); // (B, 1, S, P+S)
  return op.cast(bothAsFloat, 'bool');
}

/**
 * Scaled dot-product attention over past + new keys. With grouped key/value heads (K < H) the query is viewed as
 * (B, K, H/K, S, D), query head h reading key/value head floor(h·K/H) as HF's repeat_kv does, so the cache is never
 * repeated; with K = H the products are plain 4-D ones.
 */
function cachedAttention({ query, key, value }: AttentionHeads, layer: number, inputs: DecoderInputs, allowed: Value, shape: KvCacheShape): Value {
  const graph = query.graph;
  const keys = graph.output(op.concat([inputs.pastKeys[layer] as Value, key], 2), decoderNames.presentKey(layer)); // (B, K, P+S, D)
  const values = graph.output(op.concat([inputs.pastValues[layer] as Value, value], 2), decoderNames.presentValue(layer));
  const scale = 1 / Math.sqrt(shape.headDim);
  const groups = queryGroupSize(shape);
  if (groups === 1) {
    const scores = op.fusedMatMul(query, keys, { transB: true, alpha: scale }); // (B, H, S, P+S)
    const masked = op.where(allowed, scores, op.scalarLike(scores, lowestValue('float32')));
    return op.matMul(op.softmax(masked, -1), values); // (B, H, S, D)
  }
  const grouped = op.reshape(query, [B, shape.nKvHead, groups, S, shape.headDim]);
  const scores = op.fusedMatMul(grouped, op.unsqueeze(keys, [2]), { transB: true, alpha: scale }); // (B, K, H/K, S, P+S)
  const masked = op.where(op.unsqueeze(allowed, [1]), scores, op.scalarLike(scores, lowestValue('float32')));
  const attended = op.matMul(op.softmax(masked, -1), op.unsqueeze(values, [2])); // (B, K, H/K, S, D)
  return op.reshape(attended, [B, shape.nHead, S, shape.headDim]);
}
