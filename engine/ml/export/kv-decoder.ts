// The inference decoder written to onnx/model.onnx: GPT-2 with a key/value cache under Optimum's gpt2 export names,
// so transformers.js and ORT users load it as they load Optimum's. Weights are initializers; all dims are dynamic.
// Legend: B batch, S new tokens this call, P cached tokens, H heads, D head size, C channels, V vocabulary.

import { headSize, type Gpt2Config } from '../gpt2/config.ts';
import { linear, lowestValue } from '../gpt2/attention.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { attr } from '../graph/attributes.ts';
import { sumOfDims, type Dim } from '../graph/dims.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { huggingFaceParameters } from './hf-parameters.ts';

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

/** The decoder graph with `parameters` (completed to HF's full tensor set) as initializers. */
export function buildGpt2Decoder(config: Gpt2Config, parameters: ParameterSet): Graph {
  return buildGpt2DecoderGraph('gpt2-decoder-with-past', config, parameters, (graph) => {
    const inputs = declareInputs(graph, config);
    const allowed = attentionAllowed(inputs);
    return { tokens: inputs, attend: (x, layer, weights) => cachedSelfAttention(x, layer, inputs, allowed, config, weights) };
  });
}

/** Reads a weight by its Hugging Face name. */
export type DecoderWeights = (name: string) => Value;

/** How one decoder graph differs from another on GPT-2's body: the inputs it declares and how a layer attends. */
export type DecoderAttentionSetup = (graph: Graph) => {
  tokens: { inputIds: Value; positionIds: Value };
  /** (B, S, C) normalized hidden states in, the attention block's projected output out. */
  attend: (x: Value, layer: number, weights: DecoderWeights) => Value;
};

/** GPT-2's embeddings, blocks and tied head around the attention `setup` gives; the logits output is (B, S, V). */
export function buildGpt2DecoderGraph(name: string, config: Gpt2Config, parameters: ParameterSet, setup: DecoderAttentionSetup): Graph {
  const graph = new Graph({ name });
  const { tokens, attend } = setup(graph);
  const weights = new Map([...huggingFaceParameters(config, parameters)].map(([name, tensor]) => [name, graph.initializer(name, tensor)]));
  const param: DecoderWeights = (name) => weights.get(name) as Value;
  const layerNorm = (x: Value, prefix: string) => op.layerNorm(x, param(`${prefix}.weight`), param(`${prefix}.bias`), { epsilon: config.layerNormEpsilon });

  const wte = param('transformer.wte.weight'); // (V, C)
  let x = op.add(op.gather(wte, tokens.inputIds), op.gather(param('transformer.wpe.weight'), tokens.positionIds)); // (B, S, C)
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `transformer.h.${layer}`;
    x = op.add(x, attend(layerNorm(x, `${block}.ln_1`), layer, param));
    const hidden = op.geluTanh(linear(layerNorm(x, `${block}.ln_2`), param(`${block}.mlp.c_fc.weight`), param(`${block}.mlp.c_fc.bias`)));
    x = op.add(x, linear(hidden, param(`${block}.mlp.c_proj.weight`), param(`${block}.mlp.c_proj.bias`)));
  }
  graph.output(op.fusedMatMul(layerNorm(x, 'transformer.ln_f'), wte, { transB: true }), decoderNames.logits); // (B, S, V)
  return graph;
}

function declareInputs(graph: Graph, config: Gpt2Config): DecoderInputs {
  const D = headSize(config);
  const inputIds = graph.input(decoderNames.inputIds, 'int64', [B, S]);
  const attentionMask = graph.input(decoderNames.attentionMask, 'int64', [B, TOTAL]);
  const positionIds = graph.input(decoderNames.positionIds, 'int64', [B, S]);
  const pastKeys: Value[] = [];
  const pastValues: Value[] = [];
  for (let layer = 0; layer < config.nLayer; layer++) {
    pastKeys.push(graph.input(decoderNames.pastKey(layer), 'float32', [B, config.nHead, P, D]));
    pastValues.push(graph.input(decoderNames.pastValue(layer), 'float32', [B, config.nHead, P, D]));
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

function cachedSelfAttention(x: Value, layer: number, inputs: DecoderInputs, allowed: Value, config: Gpt2Config, param: DecoderWeights): Value {
  const { query, key, value } = attentionHeads(x, layer, config, param);
  const graph = x.graph;
  const keys = graph.output(op.concat([inputs.pastKeys[layer] as Value, key], 2), decoderNames.presentKey(layer)); // (B, H, P+S, D)
  const values = graph.output(op.concat([inputs.pastValues[layer] as Value, value], 2), decoderNames.presentValue(layer));
  const scores = op.fusedMatMul(query, keys, { transB: true, alpha: 1 / Math.sqrt(headSize(config)) }); // (B, H, S, P+S)
  const masked = op.where(allowed, scores, op.scalarLike(scores, lowestValue('float32')));
  const attended = op.matMul(op.softmax(masked, -1), values); // (B, H, S, D)
  return mergeHeads(attended, layer, config, param);
}

/** The layer's c_attn projection split into (B, H, S, D) query, key and value heads; `sequence` names S's size. */
export function attentionHeads(x: Value, layer: number, config: Gpt2Config, param: DecoderWeights, sequence: Dim = S): { query: Value; key: Value; value: Value } {
  const C = config.nEmbd;
  const block = `transformer.h.${layer}`;
  const qkv = linear(x, param(`${block}.attn.c_attn.weight`), param(`${block}.attn.c_attn.bias`)); // (B, S, 3C)
  const heads = (part: number) => {
    const slice = op.slice(qkv, { starts: [part * C], ends: [(part + 1) * C], axes: [2] }); // (B, S, C)
    return op.transpose(op.reshape(slice, [B, sequence, config.nHead, headSize(config)]), [0, 2, 1, 3]); // (B, H, S, D)
  };
  return { query: heads(0), key: heads(1), value: heads(2) };
}

/** (B, H, S, D) attended heads back to (B, S, C), through the layer's c_proj. */
export function mergeHeads(attended: Value, layer: number, config: Gpt2Config, param: DecoderWeights, sequence: Dim = S): Value {
  const block = `transformer.h.${layer}`;
  const merged = op.reshape(op.transpose(attended, [0, 2, 1, 3]), [B, sequence, config.nEmbd]);
  return linear(merged, param(`${block}.attn.c_proj.weight`), param(`${block}.attn.c_proj.bias`));
}
