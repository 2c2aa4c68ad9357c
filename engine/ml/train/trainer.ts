// The training loop of pretraining, distillation and fine-tuning: warmup + cosine schedule, gradient accumulation,
// periodic train/val loss, atomic checkpoints and exact resume. What differs between them is only where the model
// starts (modelStartFor: a config from the settings and seeded weights, or a model folder's) and, for distillation,
// the teacher's objective. Runs wherever it is called; ml-worker.ts runs it on a worker thread for the engine.

import { mkdirSync } from 'node:fs';
import { openDistillation, type OpenDistillation } from '../distill/distillation-setup.ts';
import { gpt2Config, type Gpt2Config } from '../gpt2/config.ts';
import { llamaConfig } from '../llama/config.ts';
import { requireGpt2, type ModelConfig } from '../model-config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { ADAMW_EPSILON } from '../optim/adamw.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { LossEvaluator } from './loss-evaluator.ts';
import { planMicroBatches, splitBatch, type MicroBatchPlan } from './memory-plan.ts';
import { learningRateAt, type LearningRateSchedule } from './lr-schedule.ts';
import { openFinetune } from './finetune-setup.ts';
import { familyFor } from './model-families.ts';
import type { ModelFamily } from './step/model-family.ts';
import { gpuMemoryReader } from './gpu-memory.ts';
import { processUsageReader } from './process-usage.ts';
import { releaseEach } from './release-each.ts';
import { SampleGenerator, SamplePromptError } from './sample-generator.ts';
import { TrainStepSession } from './step/step-session.ts';
import type { TrainBatch } from './step/train-batch.ts';
import { fixedWindowStarts, RandomWindowSampler, readBatch, TokenShardReader, type BatchShape } from './token-windows.ts';
import { trainingFingerprint, type LlamaShapeSettings, type TrainingJob, type TrainingSettings } from './training-settings.ts';
import type { TrainingStepReport } from '../../../app/artifacts/reports.ts';
import { sampleLogLine } from '../../../app/run/training-sample.ts';

/** Offsets from the run's seed, so weights, training windows and evaluation windows draw independent numbers. */
export const SEED_OFFSETS = { trainWindows: 1, valWindows: 2, trainEvalWindows: 3, samples: 4 } as const;

/** One optimizer step as the trainer reports it: exactly what the pretrain node receives (nodes/capabilities/training.ts). */
export type StepReport = TrainingStepReport;

export interface TrainingHooks {
  /** Checked before every step; an aborted signal stops the run with an AbortError (the last checkpoint stays). */
  signal?: AbortSignal;
  onStep?(report: StepReport): void;
  onLog?(line: string): void;
}

export interface TrainingResult {
  /** The model the run trained (a fine-tune's adapters are not part of it). */
  config: ModelConfig;
  /** Every parameter of the trained family: the model's, plus the adapters of a LoRA fine-tune. */
  parameters: ParameterSet;
  /** Final loss, trainLoss, valLoss, tokensPerSec and steps. */
  metrics: Record<string, number>;
  resumedFromStep: number | null;
}

interface OpenData {
  train: TokenShardReader;
  val: TokenShardReader;
  /** The shards carry loss masks: the step and the evaluation weigh each target by its mask. */
  masked: boolean;
  close(): void;
}

function openData(job: TrainingJob): OpenData {
  const [trainMask, valMask] = [job.trainMask ?? null, job.valMask ?? null];
  if ((trainMask === null) !== (valMask === null)) throw new Error(`training job: trainMask (${trainMask}) and valMask (${valMask}) go together; give both splits' loss masks or neither`);
  const train = TokenShardReader.open(job.trainShard, trainMask);
  try {
    const val = TokenShardReader.open(job.valShard, valMask);
    return { train, val, masked: train.masked, close: () => [train, val].forEach((reader) => reader.close()) };
  } catch (error) {
    train.close();
    throw error;
  }
}

/** Where a run's model starts: its config, the family the step trains, first weights and trained subset. */
export interface ModelStart {
  config: ModelConfig;
  family: ModelFamily;
  /** The first weights; undefined lets the step draw the family's seeded init. */
  initialParameters: ParameterSet | undefined;
  /** The parameters to train; all of them when undefined. */
  trainable: readonly string[] | undefined;
  /** Enters the checkpoint fingerprint (a fine-tune's base model and method); null adds nothing. */
  identity: Record<string, unknown> | null;
}

/** The model a pretraining or distillation run builds: GPT-2, or a Llama when the job gives its fields. */
export function modelConfigFor(settings: TrainingSettings, vocabSize: number, llama?: LlamaShapeSettings): ModelConfig {
  const { nLayer, nHead, nEmbd, blockSize, dropout, bias } = settings;
  if (llama !== undefined) return llamaConfig({ vocabSize, nLayer, nHead, nEmbd, blockSize, dropout, ...llama });
  return gpt2Config({ vocabSize, nLayer, nHead, nEmbd, blockSize, dropout, bias });
}

/** Pretraining and distillation start from a config given by the settings and seeded weights; a fine-tune from a model folder. */
function modelStartFor(job: TrainingJob, data: OpenData, log: (line: string) => void): ModelStart {
  const tokens = { vocabSize: data.train.sidecar.vocabSize, tokenizerHash: data.train.sidecar.tokenizerHash };
  if (job.finetune !== undefined) {
    if (job.distillation !== undefined) throw new Error('training job: a run either fine-tunes a model or distils a teacher, not both');
    return openFinetune(job.finetune, job.settings, tokens, log);
  }
  if (job.llama !== undefined && job.distillation !== undefined) throw new Error('training job: distillation trains GPT-2 students only; leave out the Llama fields or pretrain the Llama instead');
  const config = modelConfigFor(job.settings, tokens.vocabSize, job.llama);
  // A Llama's own fields are not settings, so they enter the checkpoint fingerprint here (a GPT-2's stays as it was).
  const identity = job.llama === undefined ? null : { architecture: 'llama', ...job.llama };
  return { config, family: familyFor(config), initialParameters: undefined, trainable: undefined, identity };
}

/** trainModel for callers that handle GPT-2 only (benchmarks, tests): the result's config typed as a GPT-2. */
export async function trainGpt2(job: TrainingJob, hooks: TrainingHooks = {}): Promise<TrainingResult & { config: Gpt2Config }> {
  const result = await trainModel(job, hooks);
  return { ...result, config: requireGpt2(result.config, 'trainGpt2') };
}

/** Trains the job's model (GPT-2, or a Llama when the job gives Llama fields; a fine-tune's folder says which). */
export async function trainModel(job: TrainingJob, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  const { settings } = job;
  const data = openData(job);
  const resources: { release(): Promise<void> }[] = [];
  let trainingFailed = false;
  try {
    const start = modelStartFor(job, data, (line) => hooks.onLog?.(line));
    const { config, family, identity } = start;
    const shape: BatchShape = { batch: settings.batchSize, time: settings.blockSize };
    const plan = planMicroBatches(config, settings.batchSize, settings.blockSize, job.activationBudgetBytes, trainedParameterCount(start));
    if (plan.chunks > 1) hooks.onLog?.(splitNotice(plan));
    const chunkShape: BatchShape = { batch: plan.rowsPerChunk, time: shape.time };
    const distillation = job.distillation === undefined ? null : await openDistillation(job.distillation, requireGpt2(config, 'distillation'), chunkShape, { ...settings, device: job.device, tokensTokenizerHash: data.train.sidecar.tokenizerHash }, (line) => hooks.onLog?.(line));
    if (distillation !== null) resources.push(distillation);
    const runner = await TrainStepSession.create(family, {
      batch: chunkShape.batch,
      time: chunkShape.time,
      dtype: 'float32',
      optimizer: { beta1: settings.beta1, beta2: settings.beta2, weightDecay: settings.weightDecay, epsilon: ADAMW_EPSILON },
      gradClip: settings.gradClip,
      seed: settings.seed,
      intraOpThreads: settings.threads,
      device: job.device,
      microBatches: settings.gradAccumSteps * plan.chunks,
      distillation: distillation?.objective,
      lossWeights: data.masked,
      trainable: start.trainable,
      initialParameters: distillation?.initialParameters ?? takeInitialParameters(start),
      memory: plan.memory,
    });
    resources.push(runner);
    const evaluator = await LossEvaluator.forFamily(family, chunkShape, settings.threads, job.device, { weighted: data.masked });
    resources.push(evaluator);
    const samples = await sampleGeneratorFor(job, family, config.vocabSize, (line) => hooks.onLog?.(line));
    if (samples !== null) resources.push(samples);
    // nvidia-smi runs in the background (gpu-memory.ts): the read under way ends with the training, not its timeout.
    const gpuReads = new AbortController();
    resources.push({ release: async () => gpuReads.abort() });
    const gpuMemory = job.device === 'cuda' ? gpuMemoryReader({ signal: gpuReads.signal }) : () => undefined;
    return await runLoop({ job, hooks, config, shape, chunks: plan.chunks, runner, evaluator, samples, data, distillation, identity, gpuMemory });
  } catch (error) {
    trainingFailed = true;
    throw error;
  } finally {
    // Every session is released and the shards closed whatever fails; a release's error surfaces only when training's own does not.
    const released = await releaseEach([...resources.map((resource) => () => resource.release()), () => data.close()]);
    if (!trainingFailed && released !== null) throw released.error;
  }
}

/** The job's sample writer, or null when it asks for none or its prompt cannot be encoded (a warning says so). */
async function sampleGeneratorFor(job: TrainingJob, family: ModelFamily, vocabSize: number, log: (line: string) => void): Promise<SampleGenerator | null> {
  if (job.sample === undefined || job.sample.maxNewTokens === 0) return null;
  try {
    return await SampleGenerator.create(family, job.settings.blockSize, vocabSize, job.sample, { threads: job.settings.threads, device: job.device, seed: job.settings.seed + SEED_OFFSETS.samples });
  } catch (error) {
    if (!(error instanceof SamplePromptError)) throw error;
    log(`warning: ${error.message}`);
    return null;
  }
}

/** The parameters the step trains (a split's gradient sums and apply graph are their size). */
function trainedParameterCount({ family, trainable }: ModelStart): number {
  const trained = trainable === undefined ? null : new Set(trainable);
  return family.parameters.filter((spec) => trained === null || trained.has(spec.name)).reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Hands the first weights to the step and forgets them here: the step keeps what it needs (frozen weights as given,
 * trained ones copied into its flat buffers), so a fine-tuned model's weights are not held once more for the whole run.
 */
function takeInitialParameters(start: ModelStart): ParameterSet | undefined {
  const initial = start.initialParameters;
  start.initialParameters = undefined;
  return initial;
}

interface LoopParts {
  job: TrainingJob;
  hooks: TrainingHooks;
  config: ModelConfig;
  shape: BatchShape;
  /** Each batch of `shape` is split into this many chunks before it reaches the runner or the evaluator. */
  chunks: number;
  runner: TrainStepSession;
  evaluator: LossEvaluator;
  /** Writes a sample to the log at each evaluation; null when the job asks for none. */
  samples: SampleGenerator | null;
  data: OpenData;
  /** Set when the run distils a teacher into the student. */
  distillation: OpenDistillation | null;
  /** The model start's part of the fingerprint. */
  identity: Record<string, unknown> | null;
  /** The GPU memory this process holds, in MiB, when it can be read (CUDA runs). */
  gpuMemory: () => number | undefined;
}

async function runLoop(parts: LoopParts): Promise<TrainingResult> {
  const { job, hooks, config, shape, chunks, runner, evaluator, samples, data, distillation, identity, gpuMemory } = parts;
  const { settings } = job;
  const sampler = new RandomWindowSampler(data.train, shape, settings.seed + SEED_OFFSETS.trainWindows);
  const dataIdentity = {
    train: shardIdentity(data.train),
    val: shardIdentity(data.val),
    ...(data.masked ? { lossMask: true } : {}),
    ...(distillation === null ? {} : { distillation: distillation.identity }),
    ...(identity === null ? {} : { model: identity }),
  };
  const fingerprint = trainingFingerprint(settings, dataIdentity);
  const resumed = resumeIfPossible(job, fingerprint, runner, sampler, hooks);
  const metrics: Record<string, number> = { ...(resumed?.metrics ?? {}) };
  const evaluate = evaluationFor(parts);
  if (distillation !== null && metrics.teacherValLoss === undefined) {
    metrics.teacherValLoss = await teacherValLoss(parts, distillation, evaluate.valBatches);
    hooks.onLog?.(`teacher val loss ${metrics.teacherValLoss.toFixed(4)} on the student's validation windows`);
  }
  const withTeacher = (batch: TrainBatch) => (distillation === null ? batch : distillation.teacher.attach(batch));
  const schedule: LearningRateSchedule = { ...settings, decaySteps: settings.maxSteps };
  const tokensPerStep = shape.batch * shape.time * settings.gradAccumSteps;
  const startStep = resumed?.step ?? 0;
  const startedAt = performance.now();
  const usage = processUsageReader();
  let trainingMs = 0;
  mkdirSync(job.checkpointDir, { recursive: true });

  for (let step = startStep; step < settings.maxSteps; step++) {
    if (hooks.signal?.aborted) throw abortError(step);
    const stepStartedAt = performance.now();
    const learningRate = learningRateAt(step, schedule);
    const windows = Array.from({ length: settings.gradAccumSteps }, () => chunksOf(sampler.next(), chunks)).flat();
    const microBatches: TrainBatch[] = [];
    for (const window of windows) microBatches.push(await withTeacher(window));
    const { loss, gradNorm, distillation: lossParts } = await runner.step(microBatches, learningRate);
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step + 1}: loss is ${loss}; lower learningRate or raise warmupSteps`);
    trainingMs += performance.now() - stepStartedAt;
    const done = step + 1;
    Object.assign(metrics, { loss, steps: done }, lossParts);
    const report: StepReport = { step: done, maxSteps: settings.maxSteps, loss, gradNorm, learningRate, ...lossParts, ...rates(done - startStep, tokensPerStep, trainingMs, performance.now() - startedAt, settings.maxSteps - done), ...usage(), ...optional('gpuMiB', gpuMemory()) };
    metrics.tokensPerSec = report.tokensPerSec;
    if (done % settings.evalInterval === 0 || done === settings.maxSteps) {
      Object.assign(report, await evaluate.losses(runner.parameterViews));
      Object.assign(metrics, { trainLoss: report.trainLoss, valLoss: report.valLoss });
      if (samples !== null) hooks.onLog?.(sampleLogLine(await samples.generate(runner.parameterViews, done)));
    }
    hooks.onStep?.(report);
    if (done % settings.checkpointInterval === 0 || done === settings.maxSteps) {
      // Views, not copies: the file is written before the next step changes the state.
      writeCheckpoint(job.checkpointDir, { step: done, session: runner.exportStateViews(), samplerState: sampler.state, fingerprint, metrics });
    }
  }
  // Views, not copies: nothing steps after the loop, and the views keep only the current parameter buffer alive once
  // the session is released (a full fine-tune of GPT-2 small saves a 0.5 GB copy at its peak).
  return { config, parameters: runner.parameterViews, metrics, resumedFromStep: resumed?.step ?? null };
}

function resumeIfPossible(job: TrainingJob, fingerprint: string, runner: TrainStepSession, sampler: RandomWindowSampler, hooks: TrainingHooks) {
  const checkpoint = readCheckpoint(job.checkpointDir, { fingerprint, maxSteps: job.settings.maxSteps });
  if (checkpoint === null) return null;
  if (checkpoint.fingerprint !== fingerprint) {
    hooks.onLog?.(`ignoring the checkpoint in ${job.checkpointDir}: it belongs to other settings or data; starting from step 0`);
    return null;
  }
  runner.restoreState(checkpoint.session);
  sampler.restore(checkpoint.samplerState);
  hooks.onLog?.(`resuming from the checkpoint at step ${checkpoint.step} of ${job.settings.maxSteps}`);
  return checkpoint;
}

/** Train and val loss on fixed windows, the same at every evaluation so the numbers compare across steps. */
function evaluationFor({ job, shape, chunks, evaluator, data }: LoopParts) {
  const { settings } = job;
  const valStarts = fixedWindowStarts(data.val, shape, settings.evalBatches, settings.seed + SEED_OFFSETS.valWindows, 'val');
  const trainStarts = fixedWindowStarts(data.train, shape, settings.evalBatches, settings.seed + SEED_OFFSETS.trainEvalWindows, 'train');
  const batches = function* (reader: TokenShardReader, starts: number[][]) {
    for (const rowStarts of starts) yield* chunksOf(readBatch(reader, rowStarts, shape.time), chunks);
  };
  return {
    valBatches: () => batches(data.val, valStarts),
    losses: async (parameters: ParameterSet) => ({
      trainLoss: await evaluator.meanLoss(parameters, batches(data.train, trainStarts)),
      valLoss: await evaluator.meanLoss(parameters, batches(data.val, valStarts)),
    }),
  };
}

/** The teacher's loss on exactly the windows the student's val loss uses, so the two compare. */
async function teacherValLoss({ shape, chunks, job }: LoopParts, distillation: OpenDistillation, valBatches: () => Iterable<TrainBatch>): Promise<number> {
  const chunkShape = { batch: shape.batch / chunks, time: shape.time };
  const teacherEvaluator = await LossEvaluator.create(distillation.teacherConfig, chunkShape, job.settings.threads, job.device);
  try {
    return await teacherEvaluator.meanLoss(distillation.teacherParameters, valBatches());
  } finally {
    await teacherEvaluator.release();
  }
}

/**
 * splitBatch (memory-plan.ts) with each chunk's loss weights. With a loss mask each chunk divides its weighted loss by
 * the whole batch's trained targets (over the chunk count), so the chunks' mean is the whole batch's loss, and so is
 * its gradient: a chunk with no trained target then adds nothing rather than a zero the mean would count.
 */
function chunksOf(batch: TrainBatch, chunks: number): TrainBatch[] {
  const parts = splitBatch(batch, chunks);
  const weights = batch.lossWeights;
  if (weights === undefined || chunks === 1) return parts;
  const data = weights.data as Float32Array;
  const size = data.length / chunks;
  const lossDivisor = Math.max(data.reduce((sum, value) => sum + value, 0), 1) / chunks;
  return parts.map((part, index) => ({ ...part, lossWeights: { dtype: weights.dtype, shape: part.tokens.shape, data: data.slice(index * size, (index + 1) * size) }, lossDivisor }));
}

function optional<Key extends string>(key: Key, value: number | undefined): Partial<Record<Key, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<Key, number>);
}

function rates(stepsThisRun: number, tokensPerStep: number, trainingMs: number, elapsedMs: number, stepsLeft: number) {
  return {
    tokensPerSec: trainingMs > 0 ? (stepsThisRun * tokensPerStep * 1000) / trainingMs : 0,
    etaMs: (elapsedMs / stepsThisRun) * stepsLeft,
  };
}

function splitNotice(plan: MicroBatchPlan): string {
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  return `each batch is split into ${plan.chunks} chunks of ${plan.rowsPerChunk} rows whose gradients are summed, keeping activations near ${gib(plan.estimatedChunkBytes)} GiB (plus ${gib(plan.estimatedSplitCostBytes)} GiB for the gradient sums and the apply graph) instead of ${gib(plan.estimatedUnsplitBytes)} GiB; the update is the same`;
}

function shardIdentity(reader: TokenShardReader) {
  return { count: reader.count, vocabSize: reader.sidecar.vocabSize, tokenizerHash: reader.sidecar.tokenizerHash };
}

function abortError(step: number): Error {
  const error = new Error(`training cancelled before step ${step + 1}; it resumes from the last checkpoint`);
  error.name = 'AbortError';
  return error;
}
