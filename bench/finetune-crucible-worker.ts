// Crucible's side of `npm run bench:finetune`'s speed table: one process per method (so its peak RSS is its own),
// settings as the one argument (finetune-protocol.ts). GPT-2 with random HF-initialised weights, then the trainer's
// step (TrainStepSession) over random token batches: `full` trains every weight (gpt2Family), `lora` the adapters
// only (loraFamily with `trainable` = the adapter names, the base fed as frozen inputs). Micro-batches and ORT's
// memory mode follow the trainer's memory planner unless the settings fix them. Progress goes to stderr, the result
// to stdout as JSON.

import { performance } from 'node:perf_hooks';
import { gpt2Config, type Gpt2Config } from '../engine/ml/gpt2/config.ts';
import { initGpt2Parameters, parameterCount, type ParameterSet } from '../engine/ml/gpt2/parameters.ts';
import { initLoraAdapters, loraAdapterNames, loraFamily, type LoraOptions, type LoraTarget } from '../engine/ml/lora/index.ts';
import { createRandom } from '../engine/ml/tensor/random.ts';
import { gpt2Family } from '../engine/ml/train/gpt2-family.ts';
import { DEFAULT_ACTIVATION_BUDGET_BYTES, planMicroBatches, splitBatch } from '../engine/ml/train/memory-plan.ts';
import { TrainStepSession } from '../engine/ml/train/step/step-session.ts';
import type { TrainBatch } from '../engine/ml/train/step/train-batch.ts';
import type { FinetuneWorkerResult, FinetuneWorkerSettings } from './finetune-protocol.ts';

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const log = (message: string) => console.error(`[crucible] ${message}`);

interface Setup {
  session: TrainStepSession;
  trainedParameters: number;
  microBatches: number;
  planNote: string;
}

function loraOptionsOf(settings: FinetuneWorkerSettings): LoraOptions {
  return { rank: settings.lora.rank, alpha: settings.lora.alpha, dropout: 0, targets: settings.lora.targets as LoraTarget[] };
}

async function setUp(settings: FinetuneWorkerSettings, config: Gpt2Config): Promise<Setup> {
  const lora = loraOptionsOf(settings);
  const isLora = settings.method === 'lora';
  const family = isLora ? loraFamily(config, lora) : gpt2Family(config);
  const trainable = isLora ? loraAdapterNames(config, lora) : undefined;
  const trainedNames = new Set(trainable ?? family.parameters.map((spec) => spec.name));
  const trainedParameters = family.parameters.filter((spec) => trainedNames.has(spec.name)).reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1), 0);
  // As the trainer plans a step: the split's fixed cost counts the trained parameters (LoRA's adapters only), and the
  // plan picks the sessions' memory (lean when a chunk's activations still exceed the budget).
  const plan = planMicroBatches(config, settings.batch, settings.time, DEFAULT_ACTIVATION_BUDGET_BYTES, trainedParameters);
  const microBatches = settings.microBatches ?? plan.chunks;
  const memory = settings.memory ?? plan.memory;
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);
  const planNote =
    `memory planner: ${settings.batch}x${settings.time} needs ~${gib(plan.estimatedUnsplitBytes)} GiB of activations (budget ${gib(DEFAULT_ACTIVATION_BUDGET_BYTES)} GiB) -> ` +
    `${plan.chunks === 1 ? 'no split' : `${plan.chunks} micro-batches of ${plan.rowsPerChunk} rows (+${gib(plan.estimatedSplitCostBytes)} GiB fixed cost of splitting)`} for ${settings.method}` +
    `, ${plan.memory} ORT sessions` +
    (settings.microBatches === null ? '' : `; this run forced ${microBatches} micro-batches`) +
    (settings.memory === null ? '' : `; this run forced ${memory} sessions`);
  if (settings.batch % microBatches !== 0) throw new Error(`bench:finetune: batch ${settings.batch} does not split into ${microBatches} equal micro-batches`);
  const base: ParameterSet = initGpt2Parameters(config, settings.seed);
  const initialParameters = isLora ? new Map([...base, ...initLoraAdapters(config, lora, settings.seed)]) : base;
  const session = await TrainStepSession.create(family, {
    batch: settings.batch / microBatches,
    microBatches,
    time: settings.time,
    dtype: 'float32',
    optimizer: { beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.epsilon, weightDecay: settings.weightDecay },
    gradClip: settings.gradClip,
    seed: settings.seed,
    intraOpThreads: settings.threads,
    memory,
    initialParameters,
    ...(trainable === undefined ? {} : { trainable }),
  });
  return { session, trainedParameters, microBatches, planNote };
}

function randomBatch(settings: FinetuneWorkerSettings, random: ReturnType<typeof createRandom>): TrainBatch {
  const { batch, time } = settings;
  const tokens = new BigInt64Array(batch * time);
  const targets = new BigInt64Array(batch * time);
  for (let row = 0; row < batch; row++) {
    const ids = Array.from({ length: time + 1 }, () => BigInt(random.int(settings.model.vocabSize)));
    for (let t = 0; t < time; t++) {
      tokens[row * time + t] = ids[t] as bigint;
      targets[row * time + t] = ids[t + 1] as bigint;
    }
  }
  return { tokens: { dtype: 'int64', shape: [batch, time], data: tokens }, targets: { dtype: 'int64', shape: [batch, time], data: targets } };
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (argument === undefined) throw new Error('usage: node --import tsx bench/finetune-crucible-worker.ts <settings JSON> (bench/finetune.ts passes it)');
  const settings = JSON.parse(argument) as FinetuneWorkerSettings;
  const began = performance.now();
  const { model } = settings;
  const config = gpt2Config({ vocabSize: model.vocabSize, nLayer: model.nLayer, nHead: model.nHead, nEmbd: model.nEmbd, blockSize: model.blockSize, dropout: 0 });
  const { session, trainedParameters, microBatches, planNote } = await setUp(settings, config);
  const setupMs = performance.now() - began;
  log(`${settings.method}: ${(parameterCount(config) / 1e6).toFixed(1)}M parameters, ${trainedParameters.toLocaleString('en-US')} trained, set up in ${(setupMs / 1000).toFixed(1)} s; ${planNote}`);
  const random = createRandom(settings.seed + 1);
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  const losses: number[] = [];
  const total = settings.warmupSteps + settings.steps;
  for (let step = 0; step < total; step++) {
    const batch = randomBatch(settings, random);
    const stepBegan = performance.now();
    const cpuBegan = process.cpuUsage();
    const result = await session.step(splitBatch(batch, microBatches), settings.learningRate);
    const elapsed = performance.now() - stepBegan;
    const cpu = process.cpuUsage(cpuBegan);
    const warmup = step < settings.warmupSteps;
    if (!warmup) {
      stepMs.push(elapsed);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
    losses.push(result.loss);
    log(`${settings.method} step ${step + 1}/${total} (${warmup ? 'warmup' : 'measured'}): ${elapsed.toFixed(0)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), loss ${result.loss.toFixed(3)}, peak RSS ${peakRssMb().toFixed(0)} MB`);
  }
  await session.release();
  const result: FinetuneWorkerResult = { implementation: 'crucible', setupMs, parameters: parameterCount(config), trainedParameters, microBatches, stepMs, cpuMs, losses, peakRssMb: peakRssMb(), planNote };
  console.log(JSON.stringify(result));
}

await main();
