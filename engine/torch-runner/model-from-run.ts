// The PyTorch run's result made into the same Crucible model folder the ONNX Runtime trainer writes: its
// model.safetensors (HF names) read back, the ONNX decoder built by Crucible, tokenizer files, provenance and card;
// a fine-tune through the engine's own writer (LoRA merged by the engine, PEFT adapter under adapter/).
// Runs on a worker thread (torch-export-worker.ts): building and writing the decoder blocks for seconds on big models.

import { readModelFolder, writeModelFolder } from '../ml/export/model-folder.ts';
import { readSafetensors } from '../ml/export/safetensors.ts';
import type { ParameterSet } from '../ml/gpt2/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../ml/model-config.ts';
import { loraAdapterNames } from '../ml/lora/index.ts';
import { elementCountOf } from '../ml/tensor/host-tensor.ts';
import { writeFinetunedModel } from '../ml/train/finetune-export.ts';
import type { FinetuneJob } from '../ml/train/finetune-setup.ts';
import type { FinetuneOutcome, ModelExportTarget, PretrainOutcome } from '../ml/train/worker-protocol.ts';
import type { WorkerJobProtocol } from '../workers/worker-job-protocol.ts';

export interface ModelFromRunJob {
  /** The trained weights the trainer wrote (outDir/model.safetensors; a LoRA run's merged model, not read then). */
  weights: string;
  /** A LoRA run's adapters in the engine's names (outDir/adapters.safetensors). */
  adapters: string | null;
  config: ModelConfig;
  metrics: Record<string, number>;
  resumedFromStep: number | null;
  export: ModelExportTarget & { baseModel?: string };
  /** Set for a fine-tune: the base model folder, key, method and LoRA options. */
  finetune: FinetuneJob | null;
}

export type ModelFromRunOutcome = PretrainOutcome | FinetuneOutcome;

export type ModelFromRunProtocol = WorkerJobProtocol<ModelFromRunJob, never, ModelFromRunOutcome>;

export function writeModelFromRun(job: ModelFromRunJob): ModelFromRunOutcome {
  const { config, metrics, resumedFromStep } = job;
  if (job.finetune === null) {
    const parameters = readWeights(job.weights, config);
    const provenance = { ...job.export.provenance, metrics, resumedFromStep };
    const files = writeModelFolder(job.export.folder, { ...job.export, config, parameters, provenance });
    return { metrics, resumedFromStep, files, parameterCount: countOf(parameters), vocabSize: config.vocabSize };
  }
  const parameters = job.finetune.method === 'lora' ? loraParameters(job, job.finetune) : readWeights(job.weights, config);
  const written = writeFinetunedModel({ ...job.export, baseModel: job.export.baseModel ?? job.finetune.modelFolder }, job.finetune, { config, parameters, metrics, resumedFromStep });
  return { metrics, resumedFromStep, vocabSize: config.vocabSize, method: job.finetune.method, ...written };
}

/** The base model's weights (frozen in a LoRA run) plus the trained adapters, as the ONNX trainer's result holds them. */
function loraParameters(job: ModelFromRunJob, finetune: FinetuneJob): ParameterSet {
  if (job.adapters === null || finetune.lora === undefined) throw new Error('torch runner: a LoRA run ended without its adapters (adapters.safetensors); run it again');
  const base = readModelFolder(finetune.modelFolder).parameters;
  const { tensors } = readSafetensors(job.adapters);
  for (const name of loraAdapterNames(job.config, finetune.lora)) {
    const tensor = tensors.get(name);
    if (tensor === undefined) throw new Error(`torch runner: ${job.adapters} has no adapter "${name}"; the trainer and the engine disagree on LoRA's layers — run it again, and report it if it persists`);
    base.set(name, tensor);
  }
  return base;
}

/** The trained weights; the model folder writer checks every name and shape against the config. */
function readWeights(file: string, config: ModelConfig): ParameterSet {
  const { tensors } = readSafetensors(file);
  const embedding = isLlamaConfig(config) ? 'model.embed_tokens.weight' : 'transformer.wte.weight';
  if (tensors.get(embedding)?.shape[0] !== config.vocabSize) {
    throw new Error(`torch runner: ${file} is not the trained model the job described (no ${embedding} of ${config.vocabSize} rows); run it again`);
  }
  return tensors;
}

function countOf(parameters: ParameterSet): number {
  return [...parameters.values()].reduce((total, tensor) => total + elementCountOf(tensor.shape), 0);
}
