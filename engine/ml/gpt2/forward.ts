// The GPT-2 forward pass as Hugging Face's GPT2LMHeadModel computes it: token + learned position embeddings, pre-LN
// blocks (attention, 4x tanh-GELU MLP), final LayerNorm, head tied to wte. Losses are built on its logits elsewhere.

import type { Graph } from '../graph/graph.ts';
import { productOfDims, type Dim } from '../graph/dims.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { causalMaskBias, causalSelfAttention, linear, type LinearAdapter } from './attention.ts';
import type { Gpt2Config } from './config.ts';
import { gpt2DropoutSites } from './dropout-masks.ts';
import { gpt2ParameterSpecs } from './parameters.ts';

export interface Gpt2ForwardInputs {
  /** Token ids, int64 (B, T). */
  tokens: Value;
  /** Parameters by Hugging Face name. */
  parameters: ReadonlyMap<string, Value>;
  /** Dropout keep-masks by site name; empty for evaluation or dropout 0. */
  dropoutMasks: ReadonlyMap<string, Value>;
  /**
   * Terms added to linear layers' outputs (LoRA), keyed by the layer's weight prefix, e.g. "transformer.h.0.attn.c_attn";
   * each gets the layer's input rows (B*T, in) and returns (B*T, out). Without any, the graph is the plain model's.
   */
  linearAdapters?: ReadonlyMap<string, LinearAdapter>;
}

export interface Gpt2GraphInputs extends Gpt2ForwardInputs {
  /** Next-token targets, int64 (B, T), for a loss built on the logits; null when the graph has none. */
  targets: Value | null;
}

export interface Gpt2Outputs {
  /** (B, T, V). */
  logits: Value;
  /** The same logits as (B*T, V) rows, the shape every loss works on. */
  flatLogits: Value;
}

export interface Gpt2InputOptions {
  batch: Dim;
  /** T: fixed per graph, at most blockSize. */
  time: number;
  dtype: 'float32' | 'float64';
  withTargets: boolean;
  /** Declare dropout keep-mask inputs (training with dropout > 0). */
  training: boolean;
}

/** Declares tokens, targets, every parameter and the dropout masks as graph inputs. */
export function addGpt2Inputs(graph: Graph, config: Gpt2Config, options: Gpt2InputOptions): Gpt2GraphInputs {
  if (options.time > config.blockSize) throw new Error(`gpt2: sequence length T (${options.time}) exceeds blockSize (${config.blockSize})`);
  const parameters = new Map(gpt2ParameterSpecs(config).map((spec) => [spec.name, graph.input(spec.name, options.dtype, spec.shape)]));
  const tokens = graph.input('tokens', 'int64', [options.batch, options.time]);
  const targets = options.withTargets ? graph.input('targets', 'int64', [options.batch, options.time]) : null;
  const dropoutMasks = options.training ? addGpt2DropoutInputs(graph, config, options.batch, options.time) : new Map<string, Value>();
  return { tokens, targets, parameters, dropoutMasks };
}

/** Declares one bool keep-mask input per dropout site (none when dropout is 0). */
export function addGpt2DropoutInputs(graph: Graph, config: Gpt2Config, batch: Dim, time: number): Map<string, Value> {
  return new Map(gpt2DropoutSites(config, batch, time).map((site) => [site.name, graph.input(site.name, 'bool', site.shape)]));
}

export function buildGpt2Forward(config: Gpt2Config, inputs: Gpt2ForwardInputs): Gpt2Outputs {
  const param = (name: string): Value => {
    const value = inputs.parameters.get(name);
    if (value === undefined) throw new Error(`gpt2 forward: parameter "${name}" is missing`);
    return value;
  };
  const optionalParam = (name: string): Value | null => (config.bias ? param(name) : null);
  const mask = (name: string): Value | undefined => inputs.dropoutMasks.get(name);
  const adapters = inputs.linearAdapters ?? new Map<string, LinearAdapter>();
  checkAdapterPrefixes(config, adapters);
  const adapter = (prefix: string): LinearAdapter | undefined => adapters.get(prefix);
  const maybeDropout = (x: Value, site: string): Value => {
    const keep = mask(site);
    return keep === undefined ? x : op.dropout(x, op.reshape(keep, x.shape), config.dropout);
  };
  const layerNorm = (x: Value, prefix: string): Value =>
    op.layerNorm(x, param(`${prefix}.weight`), optionalParam(`${prefix}.bias`), { epsilon: config.layerNormEpsilon });

  const [B, T] = inputs.tokens.shape as [Dim, number];
  const rows = productOfDims([B, T]);
  const C = config.nEmbd;
  const wte = param('transformer.wte.weight'); // (V, C)
  const wpe = param('transformer.wpe.weight'); // (blockSize, C)
  const positions = T === config.blockSize ? wpe : op.slice(wpe, { starts: [0], ends: [T], axes: [0] }); // (T, C)
  // The residual stream is (B*T, C) rows throughout, so every linear layer is one 2-D product.
  let x = maybeDropout(op.reshape(op.add(op.gather(wte, inputs.tokens), positions), [rows, C]), 'dropout.embd');
  const maskBias = causalMaskBias(x.graph, T, x.dtype as 'float32' | 'float64');
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `transformer.h.${layer}`;
    const attended = causalSelfAttention(layerNorm(x, `${block}.ln_1`), maskBias, {
      qkvWeight: param(`${block}.attn.c_attn.weight`),
      qkvBias: optionalParam(`${block}.attn.c_attn.bias`),
      projWeight: param(`${block}.attn.c_proj.weight`),
      projBias: optionalParam(`${block}.attn.c_proj.bias`),
      qkvAdapter: adapter(`${block}.attn.c_attn`),
      projAdapter: adapter(`${block}.attn.c_proj`),
    }, config, { batch: B, time: T }, { probability: config.dropout, attention: mask(`dropout.h.${layer}.attn`), residual: mask(`dropout.h.${layer}.attn_resid`) });
    x = op.add(x, attended);
    const hidden = op.geluTanh(linear(layerNorm(x, `${block}.ln_2`), param(`${block}.mlp.c_fc.weight`), optionalParam(`${block}.mlp.c_fc.bias`), adapter(`${block}.mlp.c_fc`)));
    const mlpOut = linear(hidden, param(`${block}.mlp.c_proj.weight`), optionalParam(`${block}.mlp.c_proj.bias`), adapter(`${block}.mlp.c_proj`)); // (B*T, C)
    x = op.add(x, maybeDropout(mlpOut, `dropout.h.${layer}.mlp_resid`));
  }
  const flatLogits = op.fusedMatMul(layerNorm(x, 'transformer.ln_f'), wte, { transB: true }); // (B*T, V), head tied to wte
  return { logits: op.reshape(flatLogits, [B, T, config.vocabSize]), flatLogits };
}

/** The weight prefixes of GPT-2's linear layers (Conv1D in HF), the keys `linearAdapters` may use. */
export function gpt2LinearPrefixes(config: Gpt2Config): string[] {
  const prefixes: string[] = [];
  for (let layer = 0; layer < config.nLayer; layer++) {
    for (const linearName of ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj']) prefixes.push(`transformer.h.${layer}.${linearName}`);
  }
  return prefixes;
}

/** An adapter under a name that is not one of the model's linear layers would silently do nothing: refuse it. */
function checkAdapterPrefixes(config: Gpt2Config, adapters: ReadonlyMap<string, LinearAdapter>): void {
  if (adapters.size === 0) return;
  const known = new Set(gpt2LinearPrefixes(config));
  for (const prefix of adapters.keys()) {
    if (!known.has(prefix)) throw new Error(`gpt2 forward: linear adapter "${prefix}" names no linear layer of this ${config.nLayer}-layer model; use a weight prefix such as "transformer.h.0.attn.c_attn"`);
  }
}
