// The serving-only decoder that advances every row of a running batch by one token without copying its cache.
// Legend: B rows, P cache slots per row, H heads, D head size, V vocabulary.
//
// The exported decoder (onnx/model.onnx) concatenates past and new keys into `present.*` every call, so each decode
// step copies the whole batched cache twice (Concat in the graph, then out to JavaScript). This graph reads the
// cache as it lies in the serving worker's fixed slots (keys transposed, (B, H, D, P)), scores the new token's own
// key separately, and returns only the new token's keys and values, which the worker writes into the slots in place
// (slot-kv-cache.ts).
//
// It takes exactly one new token per row (S = 1): its only key/value besides the cache is its own, so no causal mask
// is needed. `past_mask` (B, P) marks each row's filled slots; slots past a row's length hold anything finite.
// Prefill stays on the exported decoder. The weights are the folder's own, quantized exactly as its quantized decoder
// was (step-decoder-model.ts), and the worker checks the two agree before serving.

import { headSize, type Gpt2Config } from '../ml/gpt2/config.ts';
import type { ParameterSet } from '../ml/gpt2/parameters.ts';
import { lowestValue } from '../ml/gpt2/attention.ts';
import { buildGpt2DecoderGraph, attentionHeads, decoderDims, decoderNames, mergeHeads, type DecoderWeights } from '../ml/export/kv-decoder.ts';
import { END_OF_AXIS } from '../ml/graph/dims.ts';
import type { Graph } from '../ml/graph/graph.ts';
import * as op from '../ml/graph/ops/index.ts';
import type { Value } from '../ml/graph/value.ts';

export const stepDecoderNames = {
  inputIds: decoderNames.inputIds,
  positionIds: decoderNames.positionIds,
  pastMask: 'past_mask',
  /** (B, H, D, P): the past keys transposed. */
  pastKeyTransposed: (layer: number) => `past_key_values.${layer}.key_transposed`,
  pastValue: decoderNames.pastValue,
  logits: decoderNames.logits,
  newKey: (layer: number) => `new_key_values.${layer}.key`,
  newValue: (layer: number) => `new_key_values.${layer}.value`,
} as const;

export function buildStepDecoder(config: Gpt2Config, parameters: ParameterSet): Graph {
  return buildGpt2DecoderGraph('gpt2-step-decoder', config, parameters, (graph) => {
    const { batch: B, past: P } = decoderDims;
    const D = headSize(config);
    const inputIds = graph.input(stepDecoderNames.inputIds, 'int64', [B, 1]);
    const positionIds = graph.input(stepDecoderNames.positionIds, 'int64', [B, 1]);
    const pastMask = graph.input(stepDecoderNames.pastMask, 'int64', [B, P]);
    const pastKeys: Value[] = [];
    const pastValues: Value[] = [];
    for (let layer = 0; layer < config.nLayer; layer++) {
      pastKeys.push(graph.input(stepDecoderNames.pastKeyTransposed(layer), 'float32', [B, config.nHead, D, P]));
      pastValues.push(graph.input(stepDecoderNames.pastValue(layer), 'float32', [B, config.nHead, P, D]));
    }
    const filled = op.cast(op.unsqueeze(pastMask, [1, 2]), 'bool'); // (B, 1, 1, P)
    const attend = (x: Value, layer: number, weights: DecoderWeights) => {
      const { query, key, value } = attentionHeads(x, layer, config, weights, 1); // (B, H, 1, D) each
      graph.output(key, stepDecoderNames.newKey(layer));
      graph.output(value, stepDecoderNames.newValue(layer));
      // Scaling the query once lets both scores be plain products: a MatMul, and Mul + ReduceSum for the own key,
      // each measured at about half the time of ORT's FusedMatMul with alpha (and transB) at batch 16.
      const scaledQuery = op.mul(query, op.scalarLike(query, 1 / Math.sqrt(D)));
      const pastScores = op.matMul(scaledQuery, pastKeys[layer] as Value); // (B, H, 1, P)
      const maskedPast = op.where(filled, pastScores, op.scalarLike(pastScores, lowestValue('float32')));
      const ownScore = op.reduceSum(op.mul(scaledQuery, key), [3], { keepDims: true }); // (B, H, 1, 1)
      const weightsOverAll = op.softmax(op.concat([ownScore, maskedPast], 3), -1); // (B, H, 1, 1 + P), own slot first
      const ownWeight = op.slice(weightsOverAll, { starts: [0], ends: [1], axes: [3] });
      const pastWeights = op.slice(weightsOverAll, { starts: [1], ends: [END_OF_AXIS], axes: [3] });
      const attended = op.add(op.matMul(pastWeights, pastValues[layer] as Value), op.mul(ownWeight, value)); // (B, H, 1, D)
      return mergeHeads(attended, layer, config, weights, 1);
    };
    return { tokens: { inputIds, positionIds }, attend };
  });
}
