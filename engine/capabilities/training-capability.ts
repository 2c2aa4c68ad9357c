// The engine's TrainingCapability (nodes/capabilities/training.ts): maps the pretrain/distill/finetune/evaluate configs
// onto training and evaluation jobs, runs them on the ML worker thread, and keeps checkpoints per (data, settings).

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { EvaluateRequest, PretrainConfig, PretrainRequest, TrainingCapability } from '../../nodes/capabilities/training.ts';
import { resolveAndAnnounce } from '../ml/runtime/device.ts';
import { runMlJob } from '../ml/train/run-ml-job.ts';
import { tokensArtifactPaths } from '../ml/train/tokens-artifact.ts';
import { trainingFingerprint, type LlamaShapeSettings, type TrainingSettings } from '../ml/train/training-settings.ts';
import { runDistillation } from './distillation-job.ts';
import { runFinetune } from './finetune-job.ts';
import type { RunnerFieldName } from '../../nodes/shared/runner-fields.ts';
import type { SampleFieldName } from '../../nodes/shared/fields.ts';
import { sampleJobFrom } from './sample-job.ts';
import type { Expect, SameFields } from './same-fields.ts';
import { runTorchFinetune, runTorchPretrain } from './torch-training-job.ts';

export function createTrainingCapability(): TrainingCapability {
  return {
    async pretrain(request, hooks) {
      if (request.config.runner === 'torch') return runTorchPretrain(request, hooks);
      const device = await resolveAndAnnounce(request.config.device, hooks.log);
      const tokens = tokensArtifactPaths(request.tokensFolder);
      const settings = trainingSettingsFrom(request.config);
      const llama = llamaShapeFrom(request.config);
      const checkpointDir = checkpointDirFor(request, settings, llama);
      const outcome = await runMlJob(
        {
          kind: 'pretrain',
          training: { settings, ...(llama === undefined ? {} : { llama }), trainShard: tokens.trainBase, valShard: tokens.valBase, trainMask: tokens.trainMask, valMask: tokens.valMask, checkpointDir, device, sample: sampleJobFrom(request.config, tokens.tokenizerJson) },
          export: { folder: request.outputFolder, tokenizerJsonPath: tokens.tokenizerJson, tokenizerConfigJsonPath: tokens.tokenizerConfigJson, provenance: { ...request.provenance, device } },
        },
        { signal: hooks.signal, onStep: hooks.onStep, onLog: (line) => hooks.log(line) },
      );
      // The model artifact now holds the result; the optimizer state is three times its size, so it goes.
      await rm(checkpointDir, { recursive: true, force: true });
      return outcome;
    },

    async distill(request, hooks) {
      return runDistillation(request, hooks, await resolveAndAnnounce(request.config.device, hooks.log));
    },

    async finetune(request, hooks) {
      if (request.config.runner === 'torch') return runTorchFinetune(request, hooks);
      return runFinetune(request, hooks, await resolveAndAnnounce(request.config.device, hooks.log));
    },

    async evaluate(request: EvaluateRequest, hooks) {
      const device = await resolveAndAnnounce(request.config.device, hooks.log);
      const { config } = request;
      const tokens = tokensArtifactPaths(request.tokensFolder);
      return runMlJob(
        {
          kind: 'evaluate',
          evaluation: {
            modelFolder: request.modelFolder,
            valShard: tokens.valBase,
            valMask: tokens.valMask,
            batchSize: config.batchSize,
            evalBatches: config.evalBatches,
            samples: config.samples,
            maxNewTokens: config.maxNewTokens,
            prompt: config.prompt,
            temperature: config.temperature,
            topK: config.topK,
            seed: config.seed,
            multipleChoiceFile: request.multipleChoiceFile,
            threads: 0,
            device,
          },
        },
        { signal: hooks.signal, onLog: (line) => hooks.log(line) },
      );
    },
  };
}

/** The pretrain node's Llama-only fields: the job's `llama` (training-settings.ts), not settings. */
type LlamaFieldName = keyof LlamaShapeSettings;

/** The pretrain config less the family and its Llama fields (llamaShapeFrom), the device (resolved per job) and the runner's fields: the trainer's settings. */
export function trainingSettingsFrom(config: PretrainConfig): TrainingSettings {
  const { architecture: _architecture, device: _device, runner: _runner, nprocPerNode: _nproc, nnodes: _nnodes, python: _python, precision: _precision, nKvHead: _k, intermediateSize: _f, ropeTheta: _r, tieEmbeddings: _t, samplePrompt: _sp, sampleTokens: _st, ...settings } = config;
  return settings;
}

/** A Llama pretrain's own fields (those left empty are left out, for llamaConfig's defaults); undefined for GPT-2. */
export function llamaShapeFrom(config: PretrainConfig): LlamaShapeSettings | undefined {
  if (config.architecture !== 'llama') return undefined;
  const { nKvHead, intermediateSize, ropeTheta, tieEmbeddings } = config;
  return { ropeTheta, tieEmbeddings, ...(nKvHead === undefined ? {} : { nKvHead }), ...(intermediateSize === undefined ? {} : { intermediateSize }) };
}

/** The pretrain node's config and the trainer's settings have the same fields, so neither can drift from the other. */
export type PretrainSettingsMatch = Expect<SameFields<Omit<PretrainConfig, 'architecture' | 'device' | RunnerFieldName | LlamaFieldName | SampleFieldName>, TrainingSettings>>;
/** The same for its Llama fields and the job's `llama`. */
export type PretrainLlamaMatch = Expect<SameFields<Partial<Pick<PretrainConfig, LlamaFieldName>>, LlamaShapeSettings>>;

/** One folder per (input data, trajectory settings): a re-run of the same node after a cancel or crash finds it. */
function checkpointDirFor(request: PretrainRequest, settings: TrainingSettings, llama: LlamaShapeSettings | undefined): string {
  const identity = llama === undefined ? request.tokensKey : { tokens: request.tokensKey, llama };
  return path.join(request.dataDir, 'checkpoints', 'pretrain', trainingFingerprint(settings, identity));
}
