// The pretrain and finetune nodes on the PyTorch runner (`runner: torch`): the same settings, checkpoints kept per
// (data, settings) until the model folder is written, and the same results as the ONNX Runtime trainer's.

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FinetuneRequest, FinetuneResult, JobHooks, PretrainRequest, PretrainResult } from '../../nodes/capabilities/training.ts';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import { readModelConfig } from '../ml/export/model-folder.ts';
import { architectureOf } from '../ml/model-config.ts';
import { tokensArtifactPaths } from '../ml/train/tokens-artifact.ts';
import { trainingFingerprint } from '../ml/train/training-settings.ts';
import { runTorchTraining, type TorchRunnerOptions } from '../torch-runner/torch-training.ts';
import { finetuneJobFrom, finetuneSettingsFrom, finetuneTokenizerFiles } from './finetune-job.ts';
import { llamaShapeFrom, trainingSettingsFrom } from './training-capability.ts';

type Hooks = JobHooks & { onStep(report: TrainingStepReport): void };

function runnerOptions(config: { python: string; nprocPerNode?: number | undefined; nnodes: number; precision: 'float32' | 'bf16'; device: string }): TorchRunnerOptions {
  return { python: config.python, nprocPerNode: config.nprocPerNode, nnodes: config.nnodes, precision: config.precision, device: config.device };
}

export async function runTorchPretrain(request: PretrainRequest, hooks: Hooks): Promise<PretrainResult> {
  const tokens = tokensArtifactPaths(request.tokensFolder);
  const settings = trainingSettingsFrom(request.config);
  const llama = llamaShapeFrom(request.config);
  const runDir = path.join(request.dataDir, 'checkpoints', 'torch', 'pretrain', trainingFingerprint(settings, { tokens: request.tokensKey, precision: request.config.precision, ...(llama === undefined ? {} : { llama }) }));
  const outcome = await runTorchTraining(
    {
      settings,
      tokens,
      runDir,
      runner: runnerOptions(request.config),
      export: { folder: request.outputFolder, tokenizerJsonPath: tokens.tokenizerJson, tokenizerConfigJsonPath: tokens.tokenizerConfigJson, provenance: request.provenance },
      ...(llama === undefined ? {} : { llama }),
    },
    { signal: hooks.signal, onStep: hooks.onStep, onLog: (line) => hooks.log(line) },
  );
  // The model artifact now holds the result; the checkpoints go.
  await rm(runDir, { recursive: true, force: true });
  return outcome;
}

export async function runTorchFinetune(request: FinetuneRequest, hooks: Hooks): Promise<FinetuneResult> {
  const model = readModelConfig(request.modelFolder);
  const settings = finetuneSettingsFrom(request.config, model);
  const finetune = finetuneJobFrom(request);
  const tokens = tokensArtifactPaths(request.tokensFolder);
  const { modelFolder: _folder, ...baseIdentity } = finetune;
  const runDir = path.join(request.dataDir, 'checkpoints', 'torch', 'finetune', trainingFingerprint(settings, { tokens: request.tokensKey, finetune: baseIdentity, precision: request.config.precision }));
  const files = finetuneTokenizerFiles(request, tokens);
  const outcome = await runTorchTraining(
    {
      settings,
      tokens,
      runDir,
      runner: runnerOptions(request.config),
      export: { folder: request.outputFolder, ...files, provenance: request.provenance },
      finetune,
    },
    { signal: hooks.signal, onStep: hooks.onStep, onLog: (line) => hooks.log(line) },
  );
  await rm(runDir, { recursive: true, force: true });
  if (!('method' in outcome)) throw new Error('torch runner: a fine-tune came back without its method; this is a bug');
  const { nLayer, nHead, nEmbd, blockSize } = model;
  return { ...outcome, shape: { architecture: architectureOf(model), nLayer, nHead, nEmbd, blockSize }, windowSize: settings.blockSize };
}
