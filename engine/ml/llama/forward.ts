// The Llama forward pass as Hugging Face's LlamaForCausalLM computes it: token embedding, pre-norm decoder layers
// (RMSNorm → grouped-query attention with rotary q/k → residual; RMSNorm → SwiGLU MLP → residual), final RMSNorm, and
// the head (tied to the embedding or lm_head). Losses are built on its logits elsewhere (train/step/).

import type { Dim } from '../graph/dims.ts';
import type { Graph } from '../graph/graph.ts';
import { productOfDims } from '../graph/dims.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { kvGroupSize, type LlamaConfig } from './config.ts';
import {
  applyRotary, groupedCausalAttention, groupedCausalMaskBias, linearOut, mergeHeads, rmsNorm, rotaryTablesForLength,
  splitHeads, swiGluMlp, type LinearAdapter,
} from './layers.ts';
import { llamaLinearPrefixes } from './parameters.ts';

export interface LlamaForwardInputs {
  /** Token ids, int64 (B, T); T is fixed per graph and at most blockSize. */
  tokens: Value;
  /** Parameters by Hugging Face name. */
  parameters: ReadonlyMap<string, Value>;
  /** Attention dropout keep-masks by site name (llamaDropoutSites); empty for evaluation or dropout 0. */
  dropoutMasks: ReadonlyMap<string, Value>;
  /**
   * Terms added to linear layers' outputs (LoRA), keyed by the layer's weight prefix, e.g.
   * "model.layers.0.self_attn.q_proj"; each gets the layer's input rows (B*T, in) and returns (B*T, out).
   */
  linearAdapters?: ReadonlyMap<string, LinearAdapter>;
}

export interface LlamaOutputs {
  /** (B, T, V). */
  logits: Value;
  /** The same logits as (B*T, V) rows, the shape every loss works on. */
  flatLogits: Value;
}

export interface LlamaDropoutSite {
  name: string;
  shape: Dim[];
}

/** HF Llama's only dropout site: the attention probabilities of each layer, (B, H, T, T). None when dropout is 0. */
export function llamaDropoutSites(config: LlamaConfig, batch: Dim, time: number): LlamaDropoutSite[] {
  if (config.dropout === 0) return [];
  return Array.from({ length: config.nLayer }, (_, layer) => ({ name: `dropout.layers.${layer}.attn`, shape: [batch, config.nHead, time, time] }));
}

/** Declares one bool keep-mask input per dropout site. */
export function addLlamaDropoutInputs(graph: Graph, config: LlamaConfig, batch: Dim, time: number): Map<string, Value> {
  return new Map(llamaDropoutSites(config, batch, time).map((site) => [site.name, graph.input(site.name, 'bool', site.shape)]));
}

export function buildLlamaForward(config: LlamaConfig, inputs: LlamaForwardInputs): LlamaOutputs {
  const param = (name: string): Value => {
    const value = inputs.parameters.get(name);
    if (value === undefined) throw new Error(`llama forward: parameter "${name}" is missing`);
    return value;
  };
  const optionalParam = (name: string, present: boolean): Value | null => (present ? param(name) : null);
  const adapters = inputs.linearAdapters ?? new Map<string, LinearAdapter>();
  checkAdapterPrefixes(config, adapters);

  const [B, T] = inputs.tokens.shape as [Dim, number];
  if (typeof T !== 'number') throw new Error('llama forward: the sequence length T must be fixed when the graph is built');
  if (T > config.blockSize) throw new Error(`llama forward: sequence length T (${T}) exceeds blockSize (${config.blockSize})`);
  const rows = productOfDims([B, T]);
  const { nHead: H, nKvHead: K, headDim: D } = config;
  const groups = kvGroupSize(config);
  const embedding = param('model.embed_tokens.weight'); // (V, C)
  const dtype = embedding.dtype as 'float32' | 'float64';
  const graph = embedding.graph;
  const rotary = rotaryTablesForLength(graph, T, D, config.ropeTheta, dtype); // (T, D), broadcast over (B, heads)
  const maskBias = groupedCausalMaskBias(graph, T, groups, dtype);

  // The residual stream is (B*T, C) rows throughout, so every projection is one 2-D product.
  let x = op.reshape(op.gather(embedding, inputs.tokens), [rows, config.nEmbd]);
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `model.layers.${layer}`;
    const projection = (name: string, input: Value, bias: boolean): Value =>
      linearOut(input, param(`${block}.${name}.weight`), optionalParam(`${block}.${name}.bias`, bias), adapters.get(`${block}.${name}`));
    const normed = rmsNorm(x, param(`${block}.input_layernorm.weight`), config.rmsNormEps);
    const q = applyRotary(splitHeads(projection('self_attn.q_proj', normed, config.attentionBias), B, T, H, D), rotary);
    const k = applyRotary(splitHeads(projection('self_attn.k_proj', normed, config.attentionBias), B, T, K, D), rotary);
    const v = splitHeads(projection('self_attn.v_proj', normed, config.attentionBias), B, T, K, D);
    const keep = inputs.dropoutMasks.get(`dropout.layers.${layer}.attn`);
    const attended = groupedCausalAttention(q, k, v, { groups, maskBias, ...(keep === undefined ? {} : { dropout: { keep, probability: config.dropout } }) });
    x = op.add(x, projection('self_attn.o_proj', mergeHeads(attended, rows), config.attentionBias));
    const mlpIn = rmsNorm(x, param(`${block}.post_attention_layernorm.weight`), config.rmsNormEps);
    x = op.add(x, swiGluMlp(mlpIn, {
      gate: param(`${block}.mlp.gate_proj.weight`),
      up: param(`${block}.mlp.up_proj.weight`),
      down: param(`${block}.mlp.down_proj.weight`),
      gateBias: optionalParam(`${block}.mlp.gate_proj.bias`, config.mlpBias),
      upBias: optionalParam(`${block}.mlp.up_proj.bias`, config.mlpBias),
      downBias: optionalParam(`${block}.mlp.down_proj.bias`, config.mlpBias),
      ...adapterFields(adapters, block),
    }));
  }
  const head = config.tieEmbeddings ? embedding : param('lm_head.weight'); // (V, C)
  const flatLogits = op.fusedMatMul(rmsNorm(x, param('model.norm.weight'), config.rmsNormEps), head, { transB: true }); // (B*T, V)
  return { logits: op.reshape(flatLogits, [B, T, config.vocabSize]), flatLogits };
}

function adapterFields(adapters: ReadonlyMap<string, LinearAdapter>, block: string) {
  const pick = (name: string) => adapters.get(`${block}.mlp.${name}`);
  const [gateAdapter, upAdapter, downAdapter] = [pick('gate_proj'), pick('up_proj'), pick('down_proj')];
  return {
    ...(gateAdapter === undefined ? {} : { gateAdapter }),
    ...(upAdapter === undefined ? {} : { upAdapter }),
    ...(downAdapter === undefined ? {} : { downAdapter }),
  };
}

/** An adapter under a name that is not one of the model's linear layers would silently do nothing: refuse it. */
function checkAdapterPrefixes(config: LlamaConfig, adapters: ReadonlyMap<string, LinearAdapter>): void {
  if (adapters.size === 0) return;
  const known = new Set(llamaLinearPrefixes(config));
  for (const prefix of adapters.keys()) {
    if (!known.has(prefix)) throw new Error(`llama forward: linear adapter "${prefix}" names no linear layer of this ${config.nLayer}-layer model; use a weight prefix such as "model.layers.0.self_attn.q_proj"`);
  }
}
