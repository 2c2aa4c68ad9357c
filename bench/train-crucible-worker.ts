// Crucible's side of the training benchmark: trains GPT-2 or Llama with TrainStepSession on batches whose window starts
// bench/train.ts sends. Until the trainer (engine/ml/train) is wired into the bench, the loop here drives the step.

import { performance } from 'node:perf_hooks';
import { gpt2Config } from '../engine/ml/gpt2/config.ts';
import { llamaConfig } from '../engine/ml/llama/config.ts';
import type { ModelConfig } from '../engine/ml/model-config.ts';
import { familyFor, sizingFor } from '../engine/ml/train/model-families.ts';
import { learningRateAt } from '../engine/ml/train/lr-schedule.ts';
import { LossEvaluator } from '../engine/ml/train/loss-evaluator.ts';
import { TrainStepSession } from '../engine/ml/train/step/step-session.ts';
import { batchAt, loadCharCorpus, type CharCorpus } from './char-corpus.ts';
import { serveJsonLines } from './json-lines-worker.ts';
import type { EvalReply, FinishReply, ReadyReply, TrainReply, WorkerCommand, WorkerSettings } from './train-protocol.ts';

interface Run {
  settings: WorkerSettings;
  corpus: CharCorpus;
  config: ModelConfig;
  session: TrainStepSession;
  evaluator: LossEvaluator | null;
}

let run: Run | null = null;

async function start(settings: WorkerSettings): Promise<ReadyReply> {
  const began = performance.now();
  const corpus = loadCharCorpus(settings.dataPath, settings.trainFraction);
  const { model } = settings;
  const shape = { vocabSize: corpus.vocabSize, nLayer: model.nLayer, nHead: model.nHead, nEmbd: model.nEmbd, blockSize: model.blockSize, dropout: 0 };
  const config: ModelConfig = model.architecture === 'llama' ? llamaConfig({ ...shape, nKvHead: model.nKvHead, intermediateSize: model.intermediateSize }) : gpt2Config(shape);
  const session = await TrainStepSession.create(familyFor(config), {
    batch: model.batchSize,
    microBatches: 1,
    time: model.blockSize,
    dtype: 'float32',
    optimizer: { beta1: settings.beta1, beta2: settings.beta2, epsilon: 1e-8, weightDecay: settings.weightDecay },
    gradClip: settings.gradClip,
    seed: settings.seed,
    intraOpThreads: settings.threads,
  });
  run = { settings, corpus, config, session, evaluator: null };
  return { setupMs: performance.now() - began, parameters: sizingFor(config).parameterCount(), vocabSize: corpus.vocabSize, trainTokens: corpus.train.length, valTokens: corpus.val.length };
}

async function train(current: Run, firstStep: number, starts: number[][]): Promise<TrainReply> {
  const { settings, corpus, session } = current;
  const reply: TrainReply = { stepMs: [], losses: [] };
  for (const [offset, rowStarts] of starts.entries()) {
    const began = performance.now();
    const learningRate = learningRateAt(firstStep + offset, settings);
    const result = await session.step([batchAt(corpus.train, rowStarts, settings.model.blockSize)], learningRate);
    reply.stepMs.push(performance.now() - began);
    reply.losses.push(result.loss);
  }
  return reply;
}

async function evaluate(current: Run, starts: number[][]): Promise<EvalReply> {
  const began = performance.now();
  const { model } = current.settings;
  current.evaluator ??= await LossEvaluator.create(current.config, { batch: model.batchSize, time: model.blockSize }, current.settings.threads);
  const batches = starts.map((rowStarts) => batchAt(current.corpus.val, rowStarts, model.blockSize));
  const valLoss = await current.evaluator.meanLoss(current.session.parameters, batches);
  return { valLoss, wallMs: performance.now() - began };
}

async function command(message: WorkerCommand): Promise<TrainReply | EvalReply | FinishReply> {
  if (run === null) throw new Error('crucible bench worker: a command arrived before the settings');
  if (message.cmd === 'train') return train(run, message.firstStep, message.starts);
  if (message.cmd === 'eval') return evaluate(run, message.starts);
  await run.session.release();
  await run.evaluator?.release();
  return { peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

await serveJsonLines<WorkerSettings, WorkerCommand>({ start, command });
