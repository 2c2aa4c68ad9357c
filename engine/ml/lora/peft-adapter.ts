// Writes and reads LoRA adapters in Hugging Face PEFT's layout, so `PeftModel.from_pretrained(base, folder)` loads
// them onto the base model: adapter_config.json and adapter_model.safetensors with tensors named
// base_model.model.transformer.h.N.<module>.lora_A.weight (GPT-2) or base_model.model.model.layers.N.self_attn.q_proj
// .lora_A.weight (Llama), (r, in), and .lora_B.weight (out, r), float32.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonObjectFile } from '../../files/json-text.ts';
import { readSafetensors, writeSafetensors } from '../export/safetensors.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { checkLoraOptions, GPT2_LORA_TARGETS, LLAMA_LORA_TARGETS, type LoraOptions, type LoraTarget } from './lora-parameters.ts';

export const PEFT_FILES = { config: 'adapter_config.json', weights: 'adapter_model.safetensors' } as const;

/** PEFT wraps the model twice (PeftModel, then LoraModel), and saved names keep both wrappers' prefix. */
const PEFT_PREFIX = 'base_model.model.';
const escaped = (targets: readonly string[]) => targets.map((target) => target.replace('.', '\\.')).join('|');
/** A Crucible adapter name: transformer.h.N.<target>.lora_A|B (GPT-2) or model.layers.N.<target>.lora_A|B (Llama). */
const ADAPTER_NAME = new RegExp(`^(?:transformer\\.h|model\\.layers)\\.(\\d+)\\.(${escaped(GPT2_LORA_TARGETS)}|${escaped(LLAMA_LORA_TARGETS)})\\.lora_([AB])$`);
const PEFT_NAME = new RegExp(`^base_model\\.model\\.((?:transformer\\.h\\.\\d+\\.(?:${escaped(GPT2_LORA_TARGETS)})|model\\.layers\\.\\d+\\.(?:${escaped(LLAMA_LORA_TARGETS)}))\\.lora_[AB])\\.weight$`);

/** The family's targets: GPT-2's Conv1D layers, or Llama's Linear layers (checkLoraOptions refuses a mix). */
function familyTargets(targets: readonly LoraTarget[]): readonly LoraTarget[] {
  return targets.every((target) => (GPT2_LORA_TARGETS as readonly string[]).includes(target)) ? GPT2_LORA_TARGETS : LLAMA_LORA_TARGETS;
}
const REMEDY = 're-run the fine-tune that wrote it';

export interface PeftAdapter {
  options: LoraOptions;
  baseModel: string;
  /** Adapters under Crucible's names (transformer.h.N.<target>.lora_A / lora_B, or model.layers.N.<target>.…). */
  adapters: ParameterSet;
}

/**
 * Writes adapter_config.json and adapter_model.safetensors into `folder` (created if needed) and returns the file
 * names written. `adapters` may be the whole parameter set: only the lora_A / lora_B tensors are written, and every
 * targeted layer must have both, shaped for `options.rank`. `baseModel` goes to base_model_name_or_path.
 */
export function writePeftAdapter(folder: string, adapters: ParameterSet, options: LoraOptions, baseModel: string): string[] {
  checkLoraOptions(options);
  const tensors = peftTensors(adapters, options, 'writePeftAdapter');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, PEFT_FILES.config), `${JSON.stringify(peftConfig(options, baseModel), null, 2)}\n`);
  writeSafetensors(path.join(folder, PEFT_FILES.weights), tensors, { format: 'pt' });
  return [PEFT_FILES.config, PEFT_FILES.weights];
}

/**
 * LoraConfig's fields as PEFT saves them. fan_in_fan_out is true for GPT-2, whose layers are Conv1D ([in, out]
 * weights), so PEFT transposes B·A when it merges; false for Llama's Linear layers. target_modules holds the short
 * module names ("c_attn", "q_proj"), qualified ("attn.c_proj") where the short name would also match an untargeted
 * layer: PEFT matches a name by suffix.
 */
function peftConfig(options: LoraOptions, baseModel: string): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    revision: null,
    r: options.rank,
    lora_alpha: options.alpha,
    lora_dropout: options.dropout,
    target_modules: peftTargetModules(options.targets),
    fan_in_fan_out: familyTargets(options.targets) === GPT2_LORA_TARGETS,
    bias: 'none',
    use_rslora: false,
    use_dora: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
}

export function peftTargetModules(targets: readonly LoraTarget[]): string[] {
  const modules = new Set<string>();
  const family = familyTargets(targets);
  for (const target of family.filter((name) => targets.includes(name))) {
    const short = target.split('.')[1] as string;
    const alsoMatches = family.filter((other) => other.endsWith(`.${short}`) && !targets.includes(other));
    modules.add(alsoMatches.length === 0 ? short : target);
  }
  return [...modules];
}

/** The family's targets a PEFT target_modules list selects (a name matches a layer by suffix, as PEFT matches it). */
function targetsOfModules(modules: readonly string[], family: readonly LoraTarget[], where: string): LoraTarget[] {
  const targets = family.filter((target) => modules.some((module) => target === module || target.endsWith(`.${module}`)));
  const unknown = modules.filter((module) => !family.some((target) => target === module || target.endsWith(`.${module}`)));
  const named = family === GPT2_LORA_TARGETS ? 'GPT-2' : 'Llama';
  if (unknown.length > 0) throw new Error(`${where}: target_modules ${JSON.stringify(unknown)} name no ${named} linear layer; supported: ${family.join(', ')}`);
  return targets;
}

/** The adapters under PEFT's names, float32, after checking they fit `options`; `where` starts the errors. */
function peftTensors(adapters: ParameterSet, options: LoraOptions, where: string): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  /** "target lora_A" -> the layers that have it. */
  const layersOf = new Map<string, number[]>(options.targets.flatMap((target) => [[`${target} lora_A`, []], [`${target} lora_B`, []]]));
  for (const [name, tensor] of adapters) {
    const match = ADAPTER_NAME.exec(name);
    if (match === null) continue;
    const [, layer, target, matrix] = match as unknown as [string, string, LoraTarget, 'A' | 'B'];
    const layers = layersOf.get(`${target} lora_${matrix}`);
    if (layers === undefined) throw new Error(`${where}: "${name}" is an adapter on ${target}, which options.targets [${options.targets.join(', ')}] does not list`);
    const rankAxis = matrix === 'A' ? 0 : 1;
    if (tensor.shape.length !== 2 || tensor.shape[rankAxis] !== options.rank) {
      throw new Error(`${where}: "${name}" has shape [${tensor.shape.join(',')}]; lora_${matrix} must be ${matrix === 'A' ? '[rank, in]' : '[out, rank]'} with rank ${options.rank}`);
    }
    tensors.set(`${PEFT_PREFIX}${name}.weight`, asFloat32(tensor, where));
    layers.push(Number(layer));
  }
  if (tensors.size === 0) throw new Error(`${where}: no lora_A / lora_B tensor among the parameters given; pass the trained adapters`);
  const described = [...layersOf].map(([key, layers]) => `${key} in layers [${layers.sort((x, y) => x - y).join(',')}]`);
  if (new Set([...layersOf.values()].map((layers) => layers.join(','))).size !== 1) {
    throw new Error(`${where}: every target needs lora_A and lora_B in the same layers, found ${described.join('; ')}`);
  }
  return tensors;
}

function asFloat32(tensor: HostTensor, where: string): HostTensor {
  if (tensor.dtype === 'float32') return tensor;
  if (tensor.dtype !== 'float64') throw new Error(`${where}: adapter tensors must be float32 or float64, got ${tensor.dtype}`);
  return { dtype: 'float32', shape: tensor.shape, data: Float32Array.from(tensor.data as Float64Array) };
}

/** Reads a PEFT LoRA adapter folder for GPT-2 or Llama back into Crucible's names and options; refuses what it cannot apply. */
export function readPeftAdapter(folder: string): PeftAdapter {
  const configPath = path.join(folder, PEFT_FILES.config);
  const config = readJsonObjectFile(configPath, { expected: 'a PEFT adapter_config.json', remedy: REMEDY });
  const field = <T>(name: string, check: (value: unknown) => value is T, what: string): T => {
    const value = config[name];
    if (!check(value)) throw new Error(`${configPath}: "${name}" must be ${what}, found ${JSON.stringify(value)}`);
    return value;
  };
  const isNumber = (value: unknown): value is number => typeof value === 'number';
  const isString = (value: unknown): value is string => typeof value === 'string';
  if (config.peft_type !== 'LORA') throw new Error(`${configPath}: peft_type is ${JSON.stringify(config.peft_type)}; only LORA adapters can be read`);
  for (const flag of ['use_rslora', 'use_dora'] as const) {
    if (config[flag] === true) throw new Error(`${configPath}: ${flag} is true; only plain LoRA (scale alpha / r) is supported`);
  }
  const modules = field('target_modules', (value): value is string[] => Array.isArray(value) && value.every(isString), 'a list of module names (a regex string is not supported)');
  const weightsPath = path.join(folder, PEFT_FILES.weights);
  const adapters: ParameterSet = new Map();
  for (const [name, tensor] of readSafetensors(weightsPath).tensors) {
    const match = PEFT_NAME.exec(name);
    if (match === null) throw new Error(`${weightsPath}: tensor "${name}" is not a GPT-2 or Llama LoRA weight (base_model.model.transformer.h.N.<module>.lora_A.weight, base_model.model.model.layers.N.<module>.lora_A.weight, or .lora_B.weight)`);
    adapters.set(match[1] as string, tensor);
  }
  const family = [...adapters.keys()].some((name) => name.startsWith('model.layers.')) ? LLAMA_LORA_TARGETS : GPT2_LORA_TARGETS;
  const fanInFanOut = family === GPT2_LORA_TARGETS;
  if (config.fan_in_fan_out !== undefined && config.fan_in_fan_out !== fanInFanOut) {
    throw new Error(`${configPath}: fan_in_fan_out is ${JSON.stringify(config.fan_in_fan_out)}, but ${fanInFanOut ? "GPT-2's Conv1D" : "Llama's Linear"} layers need ${fanInFanOut}; the adapter was saved for another layout — re-save it with PEFT for this model`);
  }
  const options: LoraOptions = {
    rank: field('r', isNumber, 'a number'),
    alpha: field('lora_alpha', isNumber, 'a number'),
    dropout: isNumber(config.lora_dropout) ? config.lora_dropout : 0,
    targets: targetsOfModules(modules, family, configPath),
  };
  checkLoraOptions(options);
  peftTensors(adapters, options, weightsPath); // the same checks as writing: every target in the same layers, rank r
  const baseModel = isString(config.base_model_name_or_path) ? config.base_model_name_or_path : '';
  return { options, baseModel, adapters };
}
