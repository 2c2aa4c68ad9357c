// JOB.json, version 1: everything the PyTorch trainer (engine/torch/crucible_torch, `python3 -m crucible_torch train
// --job JOB.json`) needs for one run. The engine writes it; crucible_torch/job.py reads and checks it field by field.
// The training settings keep the engine's names (engine/ml/train/training-settings.ts), so nothing is renamed twice.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../files/atomic-file.ts';
import type { Gpt2Config } from '../ml/gpt2/config.ts';
import type { LlamaConfig } from '../ml/llama/config.ts';
import { isLlamaConfig, type ModelConfig } from '../ml/model-config.ts';
import type { LoraOptions } from '../ml/lora/index.ts';
import { ADAMW_EPSILON } from '../ml/optim/adamw.ts';
import type { TrainingSettings } from '../ml/train/training-settings.ts';

export const TORCH_JOB_VERSION = 1;
export const TORCH_JOB_FILE = 'JOB.json';

/** Devices and precisions the PyTorch trainer takes. */
export type TorchDevice = 'cpu' | 'cuda';
export type TorchPrecision = 'float32' | 'bf16';

/** The model's config (a fine-tune's: the base model's) with the run's dropout; GPT-2 names its architecture here. */
export type TorchModelConfig = (Gpt2Config & { architecture: 'gpt2' }) | LlamaConfig;

/** The training settings less the model's shape (nLayer, nHead, nEmbd, bias live in `model`), plus AdamW's epsilon. */
export type TorchTrainingSettings = Omit<TrainingSettings, 'nLayer' | 'nHead' | 'nEmbd' | 'bias'> & { adamEpsilon: number };

export interface TorchJobData {
  /** The shards' .bin files; their .json sidecars sit beside them. */
  train: string;
  val: string;
  dtype: 'uint16' | 'uint32';
  trainMask: string | null;
  valMask: string | null;
}

export interface TorchJob {
  version: typeof TORCH_JOB_VERSION;
  kind: 'pretrain' | 'finetune';
  model: TorchModelConfig;
  /** The first weights (HF names and layouts); null draws Crucible's seeded init from training.seed. */
  init: { safetensors: string } | null;
  lora: LoraOptions | null;
  data: TorchJobData;
  training: TorchTrainingSettings;
  device: TorchDevice;
  precision: TorchPrecision;
  /** model.safetensors, config.json, checkpoints (and a LoRA run's adapters) go here. */
  outDir: string;
  /** Resume from a compatible checkpoint in outDir when there is one. */
  resume: boolean;
}

export interface TorchJobInput {
  kind: TorchJob['kind'];
  settings: TrainingSettings;
  /** The model's config: from the settings and the data's vocabulary (pretrain), or the base model folder's. */
  model: ModelConfig;
  init: string | null;
  lora: LoraOptions | null;
  data: TorchJobData;
  device: TorchDevice;
  precision: TorchPrecision;
  outDir: string;
}

export function torchJob(input: TorchJobInput): TorchJob {
  const { nLayer: _l, nHead: _h, nEmbd: _e, bias: _b, ...training } = input.settings;
  return {
    version: TORCH_JOB_VERSION,
    kind: input.kind,
    model: isLlamaConfig(input.model) ? { ...input.model, dropout: input.settings.dropout } : { architecture: 'gpt2', ...input.model, dropout: input.settings.dropout },
    init: input.init === null ? null : { safetensors: input.init },
    lora: input.lora === null ? null : { ...input.lora, targets: [...input.lora.targets] },
    data: input.data,
    training: { ...training, adamEpsilon: ADAMW_EPSILON },
    device: input.device,
    precision: input.precision,
    outDir: input.outDir,
    resume: true,
  };
}

/** JOB.json's text, exactly as written: the trainer's completion record names its SHA-256 (done-record.ts). */
export function torchJobText(job: TorchJob): string {
  return `${JSON.stringify(job, null, 2)}\n`;
}

/** Writes `JOB.json` into the run's folder (atomically) and returns its path. */
export function writeTorchJob(folder: string, job: TorchJob): string {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, TORCH_JOB_FILE);
  writeFileAtomically(file, (append) => append(Buffer.from(torchJobText(job), 'utf8')));
  return file;
}
