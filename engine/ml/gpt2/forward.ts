// The GPT-2 forward pass as Hugging Face's GPT2LMHeadModel computes it: token + learned position
// embeddings, pre-LN blocks (attention, 4x tanh-GELU MLP), final LayerNorm, head tied to wte, mean CE loss.

import type { Graph } from '../graph/graph.ts';
import { productOfDims, type Dim } from '../graph/dims.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { causalMask, causalSelfAttention, linear } from './attention.ts';
import type { Gpt2Config } from './config.ts';
import { gpt2DropoutSites } from './dropout-masks.ts';
import { gpt2ParameterSpecs } from './parameters.ts';

export interface Gpt2GraphInputs {
  /** Token ids, int64 (B, T). */
  tokens: Value;
  /** Next-token targets, int64 (B, T); without them no loss is built. */
  targets: Value | null;
  /** Parameters by Hugging Face name. */
  parameters: ReadonlyMap<string, Value>;
  /** Dropout keep-masks by site name; empty for evaluation or dropout 0. */
  dropoutMasks: ReadonlyMap<string, Value>;
}

export interface Gpt2Outputs {
  /** (B, T, V). */
  logits: Value;
  /** Mean cross-entropy over all B*T positions, or null without targets. */
  loss: Value | null;
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
  const tokens = graph.input('tokens', 'int64', [options.batch, options.time]);
  const targets = options.withTargets ? graph.input('targets', 'int64', [options.batch, options.time]) : null;
  const parameters = new Map(gpt2ParameterSpecs(config).map((spec) => [spec.name, graph.input(spec.name, options.dtype, spec.shape)]));
  const sites = options.training ? gpt2DropoutSites(config, options.batch, options.time) : [];
  const dropoutMasks = new Map(sites.map((site) => [site.name, graph.input(site.name, 'bool', site.shape)]));
  return { tokens, targets, parameters, dropoutMasks };
}

export function buildGpt2Forward(config: Gpt2Config, inputs: Gpt2GraphInputs): Gpt2Outputs {
  const param = (name: string): Value => {
    const value = inputs.parameters.get(name);
    if (value === undefined) throw new Error(`gpt2 forward: parameter "${name}" is missing`);
    return value;
  };
  const optionalParam = (name: string): Value | null => (config.bias ? param(name) : null);
  const mask = (name: string): Value | undefined => inputs.dropoutMasks.get(name);
  const maybeDropout = (x: Value, site: string): Value => {
    const keep = mask(site);
    return keep === undefined ? x : op.dropout(x, keep, config.dropout);
  };
  const layerNorm = (x: Value, prefix: string): Value =>
    op.layerNorm(x, param(`${prefix}.weight`), optionalParam(`${prefix}.bias`), { epsilon: config.layerNormEpsilon });

  const [B, T] = inputs.tokens.shape as [Dim, number];
  const wte = param('transformer.wte.weight'); // (V, C)
  const positions = op.slice(param('transformer.wpe.weight'), { starts: [0], ends: [T], axes: [0] }); // (T, C)
  let x = maybeDropout(op.add(op.gather(wte, inputs.tokens), positions), 'dropout.embd'); // (B, T, C)
  const allowed = causalMask(x.graph, T);
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `transformer.h.${layer}`;
    const attended = causalSelfAttention(layerNorm(x, `${block}.ln_1`), allowed, {
      qkvWeight: param(`${block}.attn.c_attn.weight`),
      qkvBias: optionalParam(`${block}.attn.c_attn.bias`),
      projWeight: param(`${block}.attn.c_proj.weight`),
      projBias: optionalParam(`${block}.attn.c_proj.bias`),
    }, config, { probability: config.dropout, attention: mask(`dropout.h.${layer}.attn`), residual: mask(`dropout.h.${layer}.attn_resid`) });
    x = op.add(x, attended);
    const hidden = op.geluTanh(linear(layerNorm(x, `${block}.ln_2`), param(`${block}.mlp.c_fc.weight`), optionalParam(`${block}.mlp.c_fc.bias`)));
    const mlpOut = linear(hidden, param(`${block}.mlp.c_proj.weight`), optionalParam(`${block}.mlp.c_proj.bias`)); // (B, T, C)
    x = op.add(x, maybeDropout(mlpOut, `dropout.h.${layer}.mlp_resid`));
  }
  const logits = op.fusedMatMul(layerNorm(x, 'transformer.ln_f'), wte, { transB: true }); // (B, T, V), head tied to wte
  if (inputs.targets === null) return { logits, loss: null };
  const positionsInBatch = productOfDims([B, T]);
  const flatLogits = op.reshape(logits, [positionsInBatch, config.vocabSize]); // (B*T, V)
  const flatTargets = op.reshape(inputs.targets, [positionsInBatch]);
  return { logits, loss: op.softmaxCrossEntropyLoss(flatLogits, flatTargets, 'mean') };
}
