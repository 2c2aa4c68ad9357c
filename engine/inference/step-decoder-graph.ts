// The serving-only decoder that advances every row of a running batch by S tokens without copying its cache.
// Legend: B rows, S new tokens per row this call, P cache slots per row, H query heads, K key/value heads, G = H/K
// query heads per key/value head, D head size, V vocabulary.
//
// The exported decoder (onnx/model.onnx) concatenates past and new keys into `present.*` every call, so each decode
// step copies the whole batched cache twice (Concat in the graph, then out to JavaScript). This graph reads the
// cache as it lies in the serving worker's fixed slots (keys and values (B, K, P, D)), scores the new tokens' own
// keys separately, and returns only the new tokens' keys and values, which the worker writes into the slots in
// place (slot-kv-cache.ts).
//
// Two builds of it (`StepTokens`): 'one' new token per row for decode steps, and 'many' (S ≥ 1, the same for every
// row) for a speculative verification (the current token and the draft's proposals) or a prefill chunk. Row r's new
// tokens sit at positions len(r) .. len(r)+S-1 (`position_ids`); each sees the row's filled slots (`past_mask`
// (B, P); slots past a row's length hold anything finite) and the new tokens up to itself. Logits come back for every
// new token, (B, S, V); keys and values of every layer in one (B, 2·L·K, S, D) output.
//
// Any model family (its body comes from engine/ml/export/decoder-model.ts): rotary families rotate the new tokens'
// queries and keys at their position_ids before they reach this attention, and the cache holds rotated keys, as HF's
// does. Prefill stays on the exported decoder. The weights are the folder's own, quantized exactly as its quantized
// decoder was (step-decoder-model.ts), and the worker checks the two agree before serving.

import type { ParameterSet } from '../ml/gpt2/parameters.ts';
import { lowestValue } from '../ml/gpt2/attention.ts';
import { buildDecoderBody, type AttentionHeads } from '../ml/export/decoder-model.ts';
import { decoderDims, decoderNames } from '../ml/export/kv-decoder.ts';
import { kvCacheShape, queryGroupSize, type KvCacheShape } from '../ml/export/kv-cache-shape.ts';
import { END_OF_AXIS } from '../ml/graph/dims.ts';
import type { Graph } from '../ml/graph/graph.ts';
import * as op from '../ml/graph/ops/index.ts';
import { applySingle } from '../ml/graph/ops/single.ts';
import type { Value } from '../ml/graph/value.ts';
import { architectureOf, type ModelConfig } from '../ml/model-config.ts';

export const stepDecoderNames = {
  inputIds: decoderNames.inputIds,
  positionIds: decoderNames.positionIds,
  pastMask: 'past_mask',
  /** (B, K, P, D), as the values. */
  pastKey: decoderNames.pastKey,
  pastValue: decoderNames.pastValue,
  /** (B, S, V). */
  logits: decoderNames.logits,
  /**
   * (B, 2·L·K, S, D), every layer's new keys and values in one output: layer l's keys are heads 2l·K .. 2l·K + K − 1
   * of axis 1, its values the next K. One output instead of 2·L: ONNX Runtime's cost per output fetched (~7 µs here)
   * made the 12 of the 10.7M model ~8% of an int4 decode step.
   */
  newKeysValues: 'new_key_values',
} as const;

/**
 * 'one': S is 1, the decode step's graph, whose attention is the cheapest (own score by Mul + ReduceSum, no mask).
 * 'many': S is any size, for a speculative verification or a prefill chunk. At S = 1 it measured 5–40% slower than
 * 'one' (nano, batch 1 and 16, on the loaded 2-core box), so decode steps keep their own graph.
 */
export type StepTokens = 'one' | 'many';

export function buildStepDecoder(config: ModelConfig, parameters: ParameterSet, tokens: StepTokens = 'one'): Graph {
  const shape = kvCacheShape(config);
  const { nKvHead: K, headDim: D } = shape;
  const newKeysValues: Value[] = [];
  const graph = buildDecoderBody(`${architectureOf(config)}-step-decoder${tokens === 'many' ? '-many' : ''}`, config, parameters, (graph) => {
    const { batch: B, sequence, past: P } = decoderDims;
    const S = tokens === 'one' ? 1 : sequence;
    const inputIds = graph.input(stepDecoderNames.inputIds, 'int64', [B, S]);
    const positionIds = graph.input(stepDecoderNames.positionIds, 'int64', [B, S]);
    const pastMask = graph.input(stepDecoderNames.pastMask, 'int64', [B, P]);
    const cache: SlotCacheInputs = { pastKeys: [], pastValues: [], filled: op.cast(op.unsqueeze(pastMask, [1, 2]), 'bool') }; // filled: (B, 1, 1, P)
    for (let layer = 0; layer < config.nLayer; layer++) {
      cache.pastKeys.push(graph.input(stepDecoderNames.pastKey(layer), 'float32', [B, K, P, D]));
      cache.pastValues.push(graph.input(stepDecoderNames.pastValue(layer), 'float32', [B, K, P, D]));
    }
    const attention = tokens === 'one' ? oneTokenAttention(shape, cache) : manyTokenAttention(shape, cache, positionIds);
    const attend = (heads: AttentionHeads, layer: number) => {
      newKeysValues.push(heads.key, heads.value); // (B, K, S, D) each
      return attention(heads, layer);
    };
    return { tokens: { inputIds, positionIds }, attend };
  });
  graph.output(op.concat(newKeysValues, 1), stepDecoderNames.newKeysValues);
  return graph;
}

interface SlotCacheInputs {
  pastKeys: Value[];
  pastValues: Value[];
  /** (B, 1, 1, P) bool: the row's filled slots. */
  filled: Value;
}

type Attention = (heads: AttentionHeads, layer: number) => Value;

/**
 * S = 1: the own key is the only new one, so no causal mask. Scaling the query once lets both scores be plain
 * products, a MatMul (`scoresAgainst`) and Mul + ReduceSum for the own key, each measured at about half the time of
 * ORT's FusedMatMul with alpha (and transB) at batch 16. With grouped key/value heads the one-token query is viewed as (B, K, G, D):
 * each key/value head's query heads are the rows of one product against its cache (HF's repeat_kv order), so the
 * cache is never repeated.
 */
function oneTokenAttention(shape: KvCacheShape, cache: SlotCacheInputs): Attention {
  const { nKvHead: K, headDim: D } = shape;
  const groups = queryGroupSize(shape);
  const B = decoderDims.batch;
  return ({ query, key, value }, layer) => {
    const scaledQuery = op.mul(query, op.scalarLike(query, 1 / Math.sqrt(D))); // (B, H, 1, D)
    const grouped = groups === 1 ? scaledQuery : op.reshape(scaledQuery, [B, K, groups, D]);
    const pastScores = scoresAgainst(cache.pastKeys[layer] as Value, grouped, groups); // (B, K, G, P)
    const maskedPast = op.where(cache.filled, pastScores, op.scalarLike(pastScores, lowestValue('float32')));
    const ownScore = op.reduceSum(op.mul(grouped, key), [3], { keepDims: true }); // (B, K, G, 1)
    const weightsOverAll = op.softmax(op.concat([ownScore, maskedPast], 3), -1); // (B, K, G, 1 + P), own slot first
    const ownWeight = op.slice(weightsOverAll, { starts: [0], ends: [1], axes: [3] });
    const pastWeights = op.slice(weightsOverAll, { starts: [1], ends: [END_OF_AXIS], axes: [3] });
    const attended = op.add(op.matMul(pastWeights, cache.pastValues[layer] as Value), op.mul(ownWeight, value)); // (B, K, G, D)
    return groups === 1 ? attended : op.reshape(attended, [B, shape.nHead, 1, D]);
  };
}

/**
 * Any S. Query rows are (query head in its group, token): row g·S + i holds token i, so a grouped query is one
 * (B, K, G·S, D) product against each key/value head's cache. New key j is in query i's future when its position is
 * greater, which needs no S×S constant of a size known only at run time. Past and own scores share one softmax; the
 * own scores and weighted values are broadcast products summed over an axis (tiny batched MatMuls measured slower).
 */
function manyTokenAttention(shape: KvCacheShape, cache: SlotCacheInputs, positionIds: Value): Attention {
  const { nKvHead: K, headDim: D, nHead: H } = shape;
  const groups = queryGroupSize(shape);
  const graph = positionIds.graph;
  const tokenPositions = op.unsqueeze(positionIds, [1]); // (B, 1, S)
  const rowPositions = groups === 1
    ? op.unsqueeze(tokenPositions, [3]) // (B, 1, S, 1)
    : reshapeKeeping(op.concat(Array.from({ length: groups }, () => tokenPositions), 1), [0, 1, -1, 1]); // (B, 1, G·S, 1)
  const future = op.less(rowPositions, op.unsqueeze(positionIds, [1, 2])); // (B, 1, G·S, S)
  const pastCount = op.shapeOf(cache.pastKeys[0] as Value, { start: 2, end: 3 }); // [P]
  const lowest = graph.scalar('float32', lowestValue('float32'));
  const lastAxis = graph.int64s([3]);
  return ({ query, key, value }, layer) => {
    const scaledQuery = op.mul(query, op.scalarLike(query, 1 / Math.sqrt(D))); // (B, H, S, D)
    const grouped = groups === 1 ? scaledQuery : reshapeKeeping(scaledQuery, [0, K, -1, D]); // (B, K, G·S, D)
    const pastScores = op.where(cache.filled, scoresAgainst(cache.pastKeys[layer] as Value, grouped, 'many'), lowest); // (B, K, G·S, P)
    const ownProducts = op.mul(op.unsqueeze(grouped, [3]), op.unsqueeze(key, [2])); // (B, K, G·S, S, D)
    const ownScores = op.where(future, lowest, op.reduceSum(ownProducts, [4], { keepDims: false })); // (B, K, G·S, S)
    const weights = op.softmax(op.concat([pastScores, ownScores], 3), -1); // (B, K, G·S, P + S)
    const pastWeights = applySingle(graph, 'Slice', [weights, graph.int64s([0]), pastCount, lastAxis]);
    const ownWeights = applySingle(graph, 'Slice', [weights, pastCount, graph.int64s([END_OF_AXIS]), lastAxis]);
    const ownAttended = op.reduceSum(op.mul(op.unsqueeze(ownWeights, [4]), op.unsqueeze(value, [2])), [3], { keepDims: false }); // (B, K, G·S, D)
    const attended = op.add(op.matMul(pastWeights, cache.pastValues[layer] as Value), ownAttended);
    return groups === 1 ? attended : reshapeKeeping(attended, [0, H, -1, D]);
  };
}

/**
 * q · Kᵀ for `rows` query rows per key/value head, (B, K, rows, D) against the cache's (B, K, P, D) keys, as
 * (B, K, rows, P): computed as K · qᵀ, which measured as fast as q · Kᵀ against keys stored transposed, and lets the
 * cache keep keys like values (an appended key is one run, engine/inference/README.md). One row needs no Transpose:
 * (B, K, 1, D) and (B, K, D, 1) are the same bytes, as are (B, K, P, 1) and (B, K, 1, P).
 */
function scoresAgainst(keys: Value, query: Value, rows: number | 'many'): Value {
  if (rows === 1) return reshapeKeeping(op.matMul(keys, reshapeKeeping(query, [0, 0, -1, 1])), [0, 0, 1, -1]);
  return op.transpose(op.matMul(keys, op.transpose(query, [0, 1, 3, 2])), [0, 1, 3, 2]);
}

/** Reshape whose target may say 0 (keep that axis of x) and -1 (whatever is left): no run-time shape arithmetic. */
function reshapeKeeping(x: Value, target: readonly number[]): Value {
  return applySingle(x.graph, 'Reshape', [x, x.graph.int64s(target)]);
}
