// The serving-only decoder that advances every row of a running batch by one token without copying its cache.
// Legend: B rows, P cache slots per row, H query heads, K key/value heads, D head size, V vocabulary.
//
// The exported decoder (onnx/model.onnx) concatenates past and new keys into `present.*` every call, so each decode
// step copies the whole batched cache twice (Concat in the graph, then out to JavaScript). This graph reads the
// cache as it lies in the serving worker's fixed slots (keys transposed, (B, K, D, P)), scores the new token's own
// key separately, and returns only the new token's keys and values, which the worker writes into the slots in place
// (slot-kv-cache.ts).
//
// Any model family (its body comes from engine/ml/export/decoder-model.ts): rotary families rotate the new token's
// query and key at its position_ids before they reach this attention, and the cache holds rotated keys, as HF's does.
// It takes exactly one new token per row (S = 1): its only key/value besides the cache is its own, so no causal mask
// is needed. `past_mask` (B, P) marks each row's filled slots; slots past a row's length hold anything finite.
// Prefill stays on the exported decoder. The weights are the folder's own, quantized exactly as its quantized decoder
// was (step-decoder-model.ts), and the worker checks the two agree before serving.

import type { ParameterSet } from '../ml/gpt2/parameters.ts';
import { lowestValue } from '../ml/gpt2/attention.ts';
import { buildDecoderBody, type AttentionHeads } from '../ml/export/decoder-model.ts';
import { decoderDims, decoderNames } from '../ml/export/kv-decoder.ts';
import { kvCacheShape, queryGroupSize } from '../ml/export/kv-cache-shape.ts';
import { END_OF_AXIS } from '../ml/graph/dims.ts';
import type { Graph } from '../ml/graph/graph.ts';
import * as op from '../ml/graph/ops/index.ts';
import type { Value } from '../ml/graph/value.ts';
import { architectureOf, type ModelConfig } from '../ml/model-config.ts';

export const stepDecoderNames = {
  inputIds: decoderNames.inputIds,
  positionIds: decoderNames.positionIds,
  pastMask: 'past_mask',
  /** (B, K, D, P): the past keys transposed. */
  pastKeyTransposed: (layer: number) => `past_key_values.${layer}.key_transposed`,
  pastValue: decoderNames.pastValue,
  logits: decoderNames.logits,
  newKey: (layer: number) => `new_key_values.${layer}.key`,
  newValue: (layer: number) => `new_key_values.${layer}.value`,
} as const;

export function buildStepDecoder(config: ModelConfig, parameters: ParameterSet): Graph {
  const shape = kvCacheShape(config);
  const { nKvHead: K, headDim: D } = shape;
  const groups = queryGroupSize(shape);
  return buildDecoderBody(`${architectureOf(config)}-step-decoder`, config, parameters, (graph) => {
    const { batch: B, past: P } = decoderDims;
    const inputIds = graph.input(stepDecoderNames.inputIds, 'int64', [B, 1]);
    const positionIds = graph.input(stepDecoderNames.positionIds, 'int64', [B, 1]);
    const pastMask = graph.input(stepDecoderNames.pastMask, 'int64', [B, P]);
    const pastKeys: Value[] = [];
    const pastValues: Value[] = [];
    for (let layer = 0; layer < config.nLayer; layer++) {
      pastKeys.push(graph.input(stepDecoderNames.pastKeyTransposed(layer), 'float32', [B, K, D, P]));
      pastValues.push(graph.input(stepDecoderNames.pastValue(layer), 'float32', [B, K, P, D]));
    }
    const filled = op.cast(op.unsqueeze(pastMask, [1, 2]), 'bool'); // (B, 1, 1, P)
    const attend = ({ query, key, value }: AttentionHeads, layer: number) => {
      graph.output(key, stepDecoderNames.newKey(layer)); // (B, K, 1, D)
      graph.output(value, stepDecoderNames.newValue(layer));
      // Scaling the query once lets both scores be plain products: a MatMul, and Mul + ReduceSum for the own key,
      // each measured at about half the time of ORT's FusedMatMul with alpha (and transB) at batch 16.
      const scaledQuery = op.mul(query, op.scalarLike(query, 1 / Math.sqrt(D))); // (B, H, 1, D)
      // With grouped key/value heads the one-token query is viewed as (B, K, H/K, D): each key/value head's query
      // heads become the rows of one product against its cache (HF's repeat_kv order), so the cache is not repeated.
      const grouped = groups === 1 ? scaledQuery : op.reshape(scaledQuery, [B, K, groups, D]);
      const pastScores = op.matMul(grouped, pastKeys[layer] as Value); // (B, K, H/K, P)
      const maskedPast = op.where(filled, pastScores, op.scalarLike(pastScores, lowestValue('float32')));
      const ownScore = op.reduceSum(op.mul(grouped, key), [3], { keepDims: true }); // (B, K, H/K, 1)
      const weightsOverAll = op.softmax(op.concat([ownScore, maskedPast], 3), -1); // (B, K, H/K, 1 + P), own slot first
      const ownWeight = op.slice(weightsOverAll, { starts: [0], ends: [1], axes: [3] });
      const pastWeights = op.slice(weightsOverAll, { starts: [1], ends: [END_OF_AXIS], axes: [3] });
      const attended = op.add(op.matMul(pastWeights, pastValues[layer] as Value), op.mul(ownWeight, value)); // (B, K, H/K, D)
      return groups === 1 ? attended : op.reshape(attended, [B, shape.nHead, 1, D]);
    };
    return { tokens: { inputIds, positionIds }, attend };
  });
}
