// LoRA's options and adapter tensors for GPT-2 and Llama: which linear layers get adapters, the names and shapes of A
// (rank, in) and B (out, rank) per block and target, and their init (A Kaiming-uniform as nn.Linear and PEFT, B zeros).

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import { llamaLayerLinears } from '../llama/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';
import { elementCountOf } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import type { ParameterSpec } from '../train/step/model-family.ts';

/** GPT-2's linear layers (HF Conv1D modules, weights [in, out]) an adapter may sit on, below a block `transformer.h.N`. */
export const GPT2_LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;
/** Llama's linear layers (torch Linear, weights [out, in]) an adapter may sit on, below a layer `model.layers.N`. */
export const LLAMA_LORA_TARGETS = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] as const;
export const LORA_TARGETS = [...GPT2_LORA_TARGETS, ...LLAMA_LORA_TARGETS] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** The targets a model family has, and how its blocks are named. */
export function loraTargetsOf(config: ModelConfig): readonly LoraTarget[] {
  return isLlamaConfig(config) ? LLAMA_LORA_TARGETS : GPT2_LORA_TARGETS;
}

/**
 * The targets a LoRA run takes when its node names none: the attention's query and value projections, as PEFT's
 * defaults for these families (GPT-2's fused c_attn holds query, key and value together).
 */
export function defaultLoraTargets(config: ModelConfig): readonly LoraTarget[] {
  return isLlamaConfig(config) ? ['self_attn.q_proj', 'self_attn.v_proj'] : ['attn.c_attn'];
}

function familyOfTargets(targets: readonly LoraTarget[]): 'gpt2' | 'llama' {
  return targets.every((target) => (GPT2_LORA_TARGETS as readonly string[]).includes(target)) ? 'gpt2' : 'llama';
}

export interface LoraOptions {
  /** r: the adapters' inner size. */
  rank: number;
  /** The update is scaled by alpha / rank. */
  alpha: number;
  /** Dropout probability on each adapter's input (PEFT's lora_dropout); 0 adds no mask inputs. */
  dropout: number;
  /** The linear layers that get adapters, in every block. */
  targets: readonly LoraTarget[];
}

/** One adapted linear layer: y = x·W + b + scale · dropout(x)·Aᵀ·Bᵀ. */
export interface LoraAdapterSite {
  /** The linear layer's weight prefix, e.g. "transformer.h.0.attn.c_attn" or "model.layers.0.self_attn.q_proj". */
  prefix: string;
  /** How the base weight is stored: GPT-2's Conv1D [in, out], or torch Linear's [out, in] (Llama). */
  weightLayout: 'in-out' | 'out-in';
  layer: number;
  target: LoraTarget;
  inFeatures: number;
  outFeatures: number;
  /** `${prefix}.lora_A`, shape (rank, in). */
  aName: string;
  /** `${prefix}.lora_B`, shape (out, rank). */
  bName: string;
}

export function loraScale(options: LoraOptions): number {
  return options.alpha / options.rank;
}

/** Refuses options that cannot build adapters, saying which field and what to use instead. */
export function checkLoraOptions(options: LoraOptions): void {
  if (!(Number.isInteger(options.rank) && options.rank >= 1)) throw new Error(`lora: rank (${options.rank}) must be a whole number of at least 1`);
  if (!(Number.isFinite(options.alpha) && options.alpha > 0)) throw new Error(`lora: alpha (${options.alpha}) must be a positive number`);
  if (!(options.dropout >= 0 && options.dropout < 1)) throw new Error(`lora: dropout (${options.dropout}) must be in [0, 1)`);
  if (options.targets.length === 0) throw new Error(`lora: targets is empty; name at least one of ${GPT2_LORA_TARGETS.join(', ')} (GPT-2) or ${LLAMA_LORA_TARGETS.join(', ')} (Llama)`);
  for (const target of options.targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(target)) throw new Error(`lora: target "${target}" is not one of ${LORA_TARGETS.join(', ')}`);
  }
  if (new Set(options.targets).size !== options.targets.length) throw new Error(`lora: targets [${options.targets.join(', ')}] name a layer twice`);
  const gpt2 = options.targets.filter((target) => (GPT2_LORA_TARGETS as readonly string[]).includes(target));
  if (gpt2.length > 0 && gpt2.length < options.targets.length) {
    throw new Error(`lora: targets [${options.targets.join(', ')}] mix GPT-2's layers (${GPT2_LORA_TARGETS.join(', ')}) and Llama's (${LLAMA_LORA_TARGETS.join(', ')}); name the layers of the model's own family`);
  }
}

/**
 * Every adapted layer, block by block and in the family's target order within a block; in/out features from the
 * base weight (GPT-2's Conv1D [in, out], Llama's Linear [out, in]). Targets of the other family are refused.
 */
export function loraAdapterSites(config: ModelConfig, options: LoraOptions): LoraAdapterSite[] {
  checkLoraOptions(options);
  const llama = isLlamaConfig(config);
  const own = loraTargetsOf(config);
  if (familyOfTargets(options.targets) !== (llama ? 'llama' : 'gpt2')) {
    throw new Error(`lora: targets [${options.targets.join(', ')}] are not layers of this ${llama ? 'Llama' : 'GPT-2'} model; its linear layers are ${own.join(', ')}`);
  }
  const features = llama
    ? new Map(llamaLayerLinears(config).map((linear) => [linear.name, [linear.inFeatures, linear.outFeatures] as const]))
    : new Map(gpt2ParameterSpecs(config as Gpt2Config).filter((spec) => spec.name.startsWith('transformer.h.0.')).map((spec) => [spec.name.slice('transformer.h.0.'.length).replace(/\.weight$/, ''), [spec.shape[0] as number, spec.shape[1] as number] as const]));
  const sites: LoraAdapterSite[] = [];
  for (let layer = 0; layer < config.nLayer; layer++) {
    for (const target of own.filter((name) => options.targets.includes(name))) {
      const prefix = llama ? `model.layers.${layer}.${target}` : `transformer.h.${layer}.${target}`;
      const [inFeatures, outFeatures] = features.get(target) as readonly [number, number];
      sites.push({ prefix, weightLayout: llama ? 'out-in' : 'in-out', layer, target, inFeatures, outFeatures, aName: `${prefix}.lora_A`, bName: `${prefix}.lora_B` });
    }
  }
  return sites;
}

/**
 * The adapters as parameters of the training step. They do not decay (`decays: false`, AdamW's plain group). Chosen
 * because decoupled decay shrinks A and B, and with them the update B·A, toward zero: it pulls the model back to the
 * base weights rather than regularising the weights themselves, and it also wears down A's random init while B is
 * still near zero. PEFT under HF's Trainer does decay lora_A/lora_B when weight_decay > 0, so a LoRA run with
 * weightDecay > 0 differs from that setup; at the finetune node's default weightDecay of 0 the two agree.
 */
export function loraParameterSpecs(config: ModelConfig, options: LoraOptions): ParameterSpec[] {
  return loraAdapterSites(config, options).flatMap((site) => [
    { name: site.aName, shape: [options.rank, site.inFeatures], decays: false },
    { name: site.bName, shape: [site.outFeatures, options.rank], decays: false },
  ]);
}

/** The names of every adapter tensor: the step's `trainable` list for a LoRA run. */
export function loraAdapterNames(config: ModelConfig, options: LoraOptions): string[] {
  return loraParameterSpecs(config, options).map((spec) => spec.name);
}

/** Adapters draw from their own stream, so A is not built from the numbers GPT-2's init drew for the same seed. */
const ADAPTER_SEED_OFFSET = 0x10a4;

/**
 * Fresh adapters for `seed`: A ~ U(-1/√in, 1/√in), which is kaiming_uniform_(a=√5) on a (rank, in) weight as
 * nn.Linear and PEFT initialise lora_A; B zeros, so the adapted model starts as the base model.
 */
export function initLoraAdapters(config: ModelConfig, options: LoraOptions, seed: number, dtype: 'float32' | 'float64' = 'float32'): ParameterSet {
  const random = createRandom(seed + ADAPTER_SEED_OFFSET);
  const adapters: ParameterSet = new Map();
  for (const spec of loraParameterSpecs(config, options)) {
    const data = dtype === 'float32' ? new Float32Array(elementCountOf(spec.shape)) : new Float64Array(elementCountOf(spec.shape));
    if (spec.name.endsWith('.lora_A')) {
      const bound = 1 / Math.sqrt(spec.shape[1] as number);
      for (let index = 0; index < data.length; index++) data[index] = bound * (2 * random.uniform() - 1);
    }
    adapters.set(spec.name, { dtype, shape: spec.shape, data });
  }
  return adapters;
}
