// One pretrain or finetune run on the PyTorch trainer, on this machine: check the interpreter, write JOB.json, start
// the ranks, fold their events into step reports, and turn the result into the Crucible model folder. The same
// outcome as the ONNX Runtime trainer's (engine/ml/train/run-ml-job.ts), so the nodes do not know which ran.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import { MODEL_FILES, readModelConfig } from '../ml/export/model-folder.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { FinetuneJob } from '../ml/train/finetune-setup.ts';
import { checkTokensTokenizer } from '../ml/train/tokenizer-lineage.ts';
import type { TokensArtifactPaths } from '../ml/train/tokens-artifact.ts';
import { modelConfigFor } from '../ml/train/trainer.ts';
import type { LlamaShapeSettings, TrainingSettings } from '../ml/train/training-settings.ts';
import type { FinetuneOutcome, ModelExportTarget, PretrainOutcome } from '../ml/train/worker-protocol.ts';
import { runWorkerJob } from '../workers/run-worker-job.ts';
import type { TokenShardSidecar } from '../tokenize/index.ts';
import { torchJob, writeTorchJob, type TorchPrecision } from './job-file.ts';
import type { ModelFromRunProtocol } from './model-from-run.ts';
import { placeTorchRun, probePython, type PythonProbe } from './python-probe.ts';
import { describeExit, RankFailure, runRanks } from './rank-processes.ts';
import { trainerArgs, trainerPythonPath } from './trainer-package.ts';
import { TrainerEventFold } from './trainer-events.ts';

export interface TorchRunnerOptions {
  python: string;
  /** Empty: one rank per GPU on CUDA, else 1. */
  nprocPerNode: number | undefined;
  nnodes: number;
  precision: TorchPrecision;
  /** The node's device field: auto, cpu or cuda. */
  device: string;
}

export interface TorchTrainingRequest {
  settings: TrainingSettings;
  tokens: TokensArtifactPaths;
  /** A folder kept per (settings, data) until the model is written: JOB.json and the trainer's outDir (checkpoints). */
  runDir: string;
  runner: TorchRunnerOptions;
  export: ModelExportTarget & { baseModel?: string };
  /** Set for the finetune node. */
  finetune?: FinetuneJob;
  /** A Llama pretrain's own fields (the pretrain node's architecture llama); absent: GPT-2. */
  llama?: LlamaShapeSettings;
}

export interface TorchTrainingHooks {
  signal: AbortSignal;
  onStep(report: TrainingStepReport): void;
  onLog(line: string): void;
}

export type TorchTrainingOutcome = (PretrainOutcome | FinetuneOutcome) & {
  /** How the run ran, for the model's provenance. */
  runner: { name: 'torch'; device: 'cpu' | 'cuda'; worldSize: number; precision: TorchPrecision; torchVersion: string; python: string };
};

/** The run's outDir inside runDir: model.safetensors, config.json and checkpoints. */
export const TORCH_OUT_FOLDER = 'out';

export async function runTorchTraining(request: TorchTrainingRequest, hooks: TorchTrainingHooks): Promise<TorchTrainingOutcome> {
  const { settings, runner } = request;
  if (runner.nnodes !== 1) {
    throw new Error(`torch runner: nnodes is ${runner.nnodes}, and a run from the canvas or \`crucible run\` uses this machine only; launch it on a cluster with \`crucible launch FILE --target NODE --cluster slurm|kubernetes --nodes ${runner.nnodes}\`, or set nnodes to 1`);
  }
  const probe = await probePython(runner.python, { signal: hooks.signal });
  const placement = placeTorchRun(probe, runner.python, { device: runner.device, precision: runner.precision, nprocPerNode: runner.nprocPerNode });
  const worldSize = placement.nprocPerNode;
  if (settings.batchSize % worldSize !== 0) {
    throw new Error(`torch runner: batchSize ${settings.batchSize} cannot be split evenly across ${worldSize} ranks; set batchSize to a multiple of ${worldSize} (the rows of each micro-batch are shared out, so the step is the same at any rank count) or change nprocPerNode`);
  }
  const model = modelConfigForRun(settings, request.tokens, request.finetune, request.llama);
  const shard = readSidecar(`${request.tokens.trainBase}.json`);
  const outDir = path.join(request.runDir, TORCH_OUT_FOLDER);
  const job = torchJob({
    kind: request.finetune === undefined ? 'pretrain' : 'finetune',
    settings,
    model,
    init: request.finetune === undefined ? null : path.join(request.finetune.modelFolder, MODEL_FILES.weights),
    lora: request.finetune?.method === 'lora' ? (request.finetune.lora ?? null) : null,
    data: { train: `${request.tokens.trainBase}.bin`, val: `${request.tokens.valBase}.bin`, dtype: shard.dtype, trainMask: request.tokens.trainMask, valMask: request.tokens.valMask },
    device: placement.device,
    precision: runner.precision,
    outDir,
  });
  const jobFile = writeTorchJob(request.runDir, job);
  const totalThreads = settings.threads > 0 ? settings.threads : availableParallelism();
  const threadsPerRank = Math.max(1, Math.floor(totalThreads / worldSize));
  hooks.onLog(`torch runner: ${worldSize} rank${worldSize === 1 ? '' : 's'} on ${placement.device} (${describeProbe(probe)}), ${threadsPerRank} thread${threadsPerRank === 1 ? '' : 's'} each, ${runner.precision}; job ${jobFile}`);

  const tokensPerStep = settings.batchSize * settings.blockSize * settings.gradAccumSteps;
  const fold = new TrainerEventFold(settings.maxSteps, tokensPerStep, hooks.onStep, hooks.onLog);
  try {
    await runRanks({
      python: runner.python,
      args: trainerArgs(jobFile),
      worldSize,
      threadsPerRank,
      env: { PYTHONPATH: trainerPythonPath() },
      cwd: request.runDir,
      signal: hooks.signal,
      onEvent: (event) => fold.take(event),
      onLog: (line, rank) => hooks.onLog(rank === 0 || line.startsWith('[rank') ? line : `[rank ${rank}] ${line}`),
    });
  } catch (error) {
    fold.flush();
    if (error instanceof RankFailure) throw new Error(failureMessage(error, worldSize, fold));
    if ((error as Error).name === 'AbortError') throw cancelledError(fold);
    throw error;
  }
  fold.flush();
  const done = fold.summary.done;
  if (done === null) throw new Error(`torch runner: every rank exited with code 0 but the trainer never reported "done"${fold.summary.error === null ? '' : ` (it reported: ${fold.summary.error})`}; run it again — it resumes from the last checkpoint`);
  const resumedFromStep = fold.summary.resumedFromStep;
  if (resumedFromStep !== null) hooks.onLog(`torch runner: resumed from the checkpoint at step ${resumedFromStep}`);
  const runnerFacts = { name: 'torch' as const, device: placement.device, worldSize, precision: runner.precision, torchVersion: probe.torchVersion as string, python: probe.executable };
  const outcome = await runWorkerJob<ModelFromRunProtocol>(
    new URL('./torch-export-worker.ts', import.meta.url),
    {
      weights: done.safetensors,
      adapters: done.adapters,
      config: model,
      metrics: fold.summary.metrics,
      resumedFromStep,
      export: { ...request.export, provenance: { ...request.export.provenance, runner: runnerFacts } },
      finetune: request.finetune ?? null,
    },
    { label: 'torch runner export', signal: hooks.signal },
  );
  return { ...outcome, runner: runnerFacts };
}

/** The model a run trains: pretraining's from the settings and the data, a fine-tune's from its base folder (checked against the data). */
export function modelConfigForRun(settings: TrainingSettings, tokens: TokensArtifactPaths, finetune: FinetuneJob | undefined | null, llama?: LlamaShapeSettings): ModelConfig {
  const shard = readSidecar(`${tokens.trainBase}.json`);
  return finetune === undefined || finetune === null ? modelConfigFor(settings, shard.vocabSize, llama) : finetuneModelConfig(finetune, settings, shard);
}

/** The base model's config with the run's dropout, after the checks the ONNX trainer makes (finetune-setup.ts). */
function finetuneModelConfig(finetune: FinetuneJob, settings: TrainingSettings, shard: TokenShardSidecar): ModelConfig {
  const config = { ...readModelConfig(finetune.modelFolder), dropout: settings.dropout };
  const tokenizerFile = path.join(finetune.modelFolder, MODEL_FILES.tokenizer);
  let tokenizerJson: string | null = null;
  try {
    tokenizerJson = readFileSync(tokenizerFile, 'utf8');
  } catch {
    tokenizerJson = null;
  }
  checkTokensTokenizer({ folder: finetune.modelFolder, tokenizerJson }, shard.tokenizerHash, {
    missing: `finetune: the model ${finetune.modelFolder} has no tokenizer.json, so the tokens cannot be checked against it; bring the model in with its tokenizer.json`,
    differs: `finetune: the tokens were made by a different tokenizer than the model's (${tokenizerFile}); tokenize the data with the model's tokenizer (connect the model node's tokenizer output to the tokenizer node)`,
  });
  if (shard.vocabSize > config.vocabSize) {
    throw new Error(`finetune: the tokens' vocabulary (${shard.vocabSize} ids) is larger than the model's embedding table (${config.vocabSize}); tokenize the data with the model's tokenizer`);
  }
  return config;
}

function readSidecar(file: string): TokenShardSidecar {
  return JSON.parse(readFileSync(file, 'utf8')) as TokenShardSidecar;
}

function describeProbe(probe: PythonProbe): string {
  return `PyTorch ${probe.torchVersion}, Python ${probe.pythonVersion} at ${probe.executable}${probe.cudaAvailable ? `, ${probe.gpuCount} GPU${probe.gpuCount === 1 ? '' : 's'}` : ''}`;
}

/** The rank that ended first, what the trainer said (its error event, else that rank's last lines) and how to go on. */
function failureMessage(failure: RankFailure, worldSize: number, fold: TrainerEventFold): string {
  const reported = fold.summary.error;
  const tail = failure.stderrTail.slice(-6).join(' | ');
  const detail = reported !== null ? `the trainer reported: ${reported}` : tail !== '' ? `its last output: ${tail}` : 'it printed nothing';
  const others = worldSize > 1 ? '; the other ranks were stopped' : '';
  const resume = fold.summary.lastCheckpointStep !== null ? `running it again resumes from the checkpoint at step ${fold.summary.lastCheckpointStep}` : 'running it again resumes from the last checkpoint, if one was written';
  return `torch runner: ${describeExit(failure.exit, worldSize)} (${detail})${others}; ${resume}`;
}

function cancelledError(fold: TrainerEventFold): Error {
  const step = fold.summary.metrics.steps;
  const error = new Error(`training cancelled${step === undefined ? '' : ` after step ${step}`}; every rank was stopped, and it resumes from the last checkpoint`);
  error.name = 'AbortError';
  return error;
}
