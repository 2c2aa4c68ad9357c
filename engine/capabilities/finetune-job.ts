// The engine side of the finetune node: maps its config onto the trainer's settings (the model's shape from its
// folder, the window within its context), runs the ML worker's finetune job, and keeps checkpoints per (data, base
// model, method, settings) until the fine-tuned model folder is written.

import { existsSync } from 'node:fs';
import { architectureOf, isLlamaConfig, type ModelConfig } from '../ml/model-config.ts';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FinetuneConfig, FinetuneRequest, FinetuneResult, JobHooks } from '../../nodes/capabilities/training.ts';
import type { FINETUNE_LORA_TARGETS } from '../../nodes/finetune/spec.ts';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import type { ComputeDevice } from '../../app/protocol/compute-devices.ts';
import { readJsonObjectFile } from '../files/json-text.ts';
import { MODEL_FILES, readModelConfig } from '../ml/export/model-folder.ts';
import type { Gpt2Config } from '../ml/gpt2/config.ts';
import { defaultLoraTargets, type LoraTarget } from '../ml/lora/index.ts';
import type { FinetuneJob } from '../ml/train/finetune-setup.ts';
import { runMlJob } from '../ml/train/run-ml-job.ts';
import { tokensArtifactPaths, type TokensArtifactPaths } from '../ml/train/tokens-artifact.ts';
import { trainingFingerprint, type TrainingSettings } from '../ml/train/training-settings.ts';
import type { RunnerFieldName } from '../../nodes/shared/runner-fields.ts';
import type { SampleFieldName } from '../../nodes/shared/fields.ts';
import type { Expect, SameFields } from './same-fields.ts';
import { sampleJobFrom } from './sample-job.ts';

export async function runFinetune(request: FinetuneRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }, device: ComputeDevice): Promise<FinetuneResult> {
  const model = readModelConfig(request.modelFolder);
  const settings = finetuneSettingsFrom(request.config, model);
  const finetune = finetuneJobFrom(request);
  const tokens = tokensArtifactPaths(request.tokensFolder);
  const { modelFolder: _folder, ...baseIdentity } = finetune;
  const checkpointDir = path.join(request.dataDir, 'checkpoints', 'finetune', trainingFingerprint(settings, { tokens: request.tokensKey, finetune: baseIdentity }));
  const outcome = await runMlJob(
    {
      kind: 'finetune',
      training: { settings, trainShard: tokens.trainBase, valShard: tokens.valBase, trainMask: tokens.trainMask, valMask: tokens.valMask, checkpointDir, device, finetune, sample: sampleJobFrom(request.config, finetuneTokenizerFiles(request, tokens).tokenizerJsonPath) },
      export: { folder: request.outputFolder, ...finetuneTokenizerFiles(request, tokens), provenance: { ...request.provenance, device } },
    },
    { signal: hooks.signal, onStep: hooks.onStep, onLog: (line) => hooks.log(line) },
  );
  // The model artifact now holds the result; the optimizer state goes.
  await rm(checkpointDir, { recursive: true, force: true });
  const { nLayer, nHead, nEmbd, blockSize } = model;
  return { ...outcome, shape: { architecture: architectureOf(model), nLayer, nHead, nEmbd, blockSize }, windowSize: settings.blockSize };
}

/** The trainer's settings: the config's schedule and batching, the model's shape, the window (the context when empty). */
export function finetuneSettingsFrom(config: FinetuneConfig, model: ModelConfig): TrainingSettings {
  const { method: _m, loraRank: _r, loraAlpha: _a, loraDropout: _d, loraTargets: _t, device: _device, blockSize, runner: _runner, nprocPerNode: _nproc, nnodes: _nnodes, python: _python, precision: _precision, samplePrompt: _sp, sampleTokens: _st, ...settings } = config;
  const window = blockSize ?? model.blockSize;
  if (window > model.blockSize) {
    throw new Error(`finetune: blockSize ${window} is longer than the model's context (${model.blockSize} positions); the model has no position embeddings past it, so set blockSize to ${model.blockSize} or less, or leave it empty`);
  }
  // A Llama's own fields come from its folder (finetune-setup.ts); bias is GPT-2's.
  return { ...settings, blockSize: window, nLayer: model.nLayer, nHead: model.nHead, nEmbd: model.nEmbd, bias: isLlamaConfig(model) ? false : model.bias };
}

/** The fine-tuned folder's tokenizer files and PEFT's base model name (shared with the torch runner). */
export function finetuneTokenizerFiles(request: FinetuneRequest, tokens: TokensArtifactPaths) {
  const modelFile = (name: string) => (existsSync(path.join(request.modelFolder, name)) ? path.join(request.modelFolder, name) : null);
  return {
    // The tokens' own copies first: a chat tokenizer wrote the template it rendered into tokenizer_config.json.
    tokenizerJsonPath: tokens.tokenizerJson ?? modelFile(MODEL_FILES.tokenizer),
    tokenizerConfigJsonPath: tokens.tokenizerConfigJson ?? modelFile(MODEL_FILES.tokenizerConfig),
    baseModel: baseModelName(request.modelFolder),
  };
}

export function finetuneJobFrom(request: FinetuneRequest): FinetuneJob {
  const { method, loraRank, loraAlpha, loraDropout, loraTargets } = request.config;
  const base = { modelFolder: request.modelFolder, modelKey: request.modelKey, method };
  if (method !== 'lora') return base;
  const targets = loraTargets ?? defaultLoraTargets(readModelConfig(request.modelFolder));
  return { ...base, lora: { rank: loraRank, alpha: loraAlpha, dropout: loraDropout, targets: [...targets] } };
}

/** What PEFT's adapter_config.json names as the base: the hub repository the model node imported, else its folder. */
function baseModelName(modelFolder: string): string {
  const provenanceFile = path.join(modelFolder, MODEL_FILES.provenance);
  if (!existsSync(provenanceFile)) return modelFolder;
  const provenance = readJsonObjectFile(provenanceFile, { expected: 'a crucible-provenance.json', remedy: 're-run the node that produced the model' });
  const node = provenance.node as { config?: { repo?: unknown } } | undefined;
  return typeof node?.config?.repo === 'string' && node.config.repo !== '' ? node.config.repo : modelFolder;
}

/**
 * The finetune node's config less its own fields (method, LoRA options, device, the optional window), with the model's
 * shape and the resolved window, has the trainer's settings' fields, so neither can drift from the other.
 */
export type FinetuneSettingsMatch = Expect<
  SameFields<
    Omit<FinetuneConfig, 'method' | 'loraRank' | 'loraAlpha' | 'loraDropout' | 'loraTargets' | 'device' | 'blockSize' | RunnerFieldName | SampleFieldName> & { blockSize: number } & Pick<Gpt2Config, 'nLayer' | 'nHead' | 'nEmbd' | 'bias'>,
    TrainingSettings
  >
>;

type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The node's LoRA target choices are the ML core's LORA_TARGETS. */
export type LoraTargetsMatch = Expect<SameUnion<(typeof FINETUNE_LORA_TARGETS)[number], LoraTarget>>;
