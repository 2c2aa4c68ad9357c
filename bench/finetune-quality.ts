// `npm run bench:finetune -- --quality`: does fine-tuning pay? A small GPT-2 is pretrained on one text
// (tinyshakespeare), written as a Hugging Face hub folder, imported through importHubModel (engine/ml/import, what the
// `model` node runs) and then trained for the same N steps on a different text (by default Debian's licence texts)
// four ways, all through the trainer (trainGpt2, the job the pretrain and finetune nodes run): not at all (the
// imported model as is), full fine-tuning, LoRA, and from scratch. Reported: each model's loss on the new text's
// held-out split (every non-overlapping window of it), and the trainer's own val loss (its seeded windows).
//
// Flags: --steps N (fine-tuning steps, 200), --pretrain-steps N (1500), --text FILE (the fine-tuning text),
// --pretrain-text FILE (../shared/data/tinyshakespeare.txt), --vocab N (1024), --layers/--heads/--width (4/4/128),
// --block N (128), --batch N (8), --threads N (2), --full-lr, --lora-lr, --scratch-lr (1e-3, 3e-3, 3e-3; see the
// learning-rate sweep in bench/README.md),
// --rank N (8), --alpha N (16), --targets attn.c_attn[,...], --work DIR (keep the folders; a temp folder otherwise).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readModelFolder } from '../engine/ml/export/model-folder.ts';
import type { Gpt2Config } from '../engine/ml/gpt2/config.ts';
import type { ParameterSet } from '../engine/ml/gpt2/parameters.ts';
import { importHubModel } from '../engine/ml/import/import-model.ts';
import { LORA_TARGETS, mergeLora, type LoraOptions, type LoraTarget } from '../engine/ml/lora/index.ts';
import type { FinetuneJob } from '../engine/ml/train/finetune-setup.ts';
import { LossEvaluator } from '../engine/ml/train/loss-evaluator.ts';
import { readBatch, TokenShardReader } from '../engine/ml/train/token-windows.ts';
import { trainGpt2, type TrainingResult } from '../engine/ml/train/trainer.ts';
import type { TrainingJob, TrainingSettings } from '../engine/ml/train/training-settings.ts';
import { encodeSplits, loadTokenizerJson, readFinetuneText, readPretrainText, trainBenchTokenizer, writeHubFolder, type EncodedText } from './finetune-quality-data.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAIN_FRACTION = 0.9;
const SEED = 1337;

interface QualityFlags {
  steps: number;
  pretrainSteps: number;
  text: string | undefined;
  pretrainText: string;
  vocab: number;
  shape: Pick<TrainingSettings, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize' | 'batchSize'>;
  threads: number;
  learningRates: { full: number; lora: number; scratch: number };
  lora: LoraOptions;
  work: string | undefined;
}

function parseQualityFlags(argv: string[]): QualityFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '200' },
      'pretrain-steps': { type: 'string', default: '1500' },
      text: { type: 'string' },
      'pretrain-text': { type: 'string', default: path.resolve(REPO, '../shared/data/tinyshakespeare.txt') },
      vocab: { type: 'string', default: '1024' },
      layers: { type: 'string', default: '4' },
      heads: { type: 'string', default: '4' },
      width: { type: 'string', default: '128' },
      block: { type: 'string', default: '128' },
      batch: { type: 'string', default: '8' },
      threads: { type: 'string', default: '2' },
      'full-lr': { type: 'string', default: '1e-3' },
      'lora-lr': { type: 'string', default: '3e-3' },
      'scratch-lr': { type: 'string', default: '3e-3' },
      rank: { type: 'string', default: '8' },
      alpha: { type: 'string', default: '16' },
      targets: { type: 'string', default: 'attn.c_attn' },
      work: { type: 'string' },
    },
  });
  const whole = (flag: keyof typeof values): number => {
    const value = Number(values[flag]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`bench:finetune --quality: --${flag} must be a whole number >= 1, got "${String(values[flag])}"`);
    return value;
  };
  const positive = (flag: keyof typeof values): number => {
    const value = Number(values[flag]);
    if (!(value > 0)) throw new Error(`bench:finetune --quality: --${flag} must be a positive number, got "${String(values[flag])}"`);
    return value;
  };
  const targets = values.targets.split(',').map((target) => target.trim());
  for (const target of targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(target)) throw new Error(`bench:finetune --quality: --targets: "${target}" is not one of ${LORA_TARGETS.join(', ')}`);
  }
  return {
    steps: whole('steps'),
    pretrainSteps: whole('pretrain-steps'),
    text: values.text,
    pretrainText: values['pretrain-text'],
    vocab: whole('vocab'),
    shape: { nLayer: whole('layers'), nHead: whole('heads'), nEmbd: whole('width'), blockSize: whole('block'), batchSize: whole('batch') },
    threads: whole('threads'),
    learningRates: { full: positive('full-lr'), lora: positive('lora-lr'), scratch: positive('scratch-lr') },
    lora: { rank: whole('rank'), alpha: positive('alpha'), dropout: 0, targets: targets as LoraTarget[] },
    work: values.work,
  };
}

/** The pretrain node's defaults, with dropout 0; each run overrides the schedule. */
function settingsFor(flags: QualityFlags, schedule: { maxSteps: number; learningRate: number; warmupSteps: number; weightDecay: number }): TrainingSettings {
  return {
    ...flags.shape,
    dropout: 0,
    bias: true,
    beta1: 0.9,
    beta2: 0.99,
    weightDecay: schedule.weightDecay,
    learningRate: schedule.learningRate,
    minLearningRate: schedule.learningRate / 10,
    warmupSteps: schedule.warmupSteps,
    gradAccumSteps: 1,
    maxSteps: schedule.maxSteps,
    gradClip: 1,
    evalInterval: schedule.maxSteps,
    evalBatches: 20,
    checkpointInterval: schedule.maxSteps,
    seed: SEED,
    threads: flags.threads,
  };
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

async function train(label: string, job: TrainingJob): Promise<{ result: TrainingResult; seconds: number; load: string }> {
  const began = performance.now();
  const loadBefore = load();
  const every = Math.max(1, Math.round(job.settings.maxSteps / 10));
  console.error(`--- ${label}: ${job.settings.maxSteps} steps, lr ${job.settings.learningRate}, load average ${loadBefore}`);
  const result = await trainGpt2(job, {
    onLog: (line) => console.error(`[${label}] ${line}`),
    onStep: (report) => {
      if (report.step % every === 0 || report.step === report.maxSteps) {
        console.error(`[${label}] step ${report.step}/${report.maxSteps} loss ${report.loss.toFixed(3)}${report.valLoss === undefined ? '' : ` val ${report.valLoss.toFixed(3)}`} (${Math.round(report.tokensPerSec)} tokens/s)`);
      }
    },
  });
  return { result, seconds: (performance.now() - began) / 1000, load: `${loadBefore} → ${load()}` };
}

/** The mean loss over every non-overlapping window of the split, batched by `batch` (a last partial batch is left out). */
async function heldOutLoss(config: Gpt2Config, parameters: ParameterSet, split: string, flags: QualityFlags): Promise<{ loss: number; tokens: number }> {
  const { batchSize: batch, blockSize: time } = flags.shape;
  const reader = TokenShardReader.open(split);
  const evaluator = await LossEvaluator.create({ ...config, dropout: 0 }, { batch, time }, flags.threads);
  try {
    const starts: number[] = [];
    for (let start = 0; start + time + 1 <= reader.count; start += time) starts.push(start);
    const batches = Math.floor(starts.length / batch);
    if (batches === 0) throw new Error(`bench:finetune --quality: the held-out split ${split} (${reader.count} tokens) holds fewer than ${batch} windows of ${time}; lower --batch or --block`);
    const rows = Array.from({ length: batches }, (_, index) => starts.slice(index * batch, (index + 1) * batch));
    const loss = await evaluator.meanLoss(parameters, (function* () {
      for (const rowStarts of rows) yield readBatch(reader, rowStarts, time);
    })());
    return { loss, tokens: batches * batch * time };
  } finally {
    await evaluator.release();
    reader.close();
  }
}

interface QualityRow {
  name: string;
  steps: number;
  learningRate: number | null;
  trained: string;
  heldOut: number;
  trainerValLoss: number | null;
  seconds: number | null;
  load: string;
}

export async function runQualityBench(argv: string[]): Promise<void> {
  const flags = parseQualityFlags(argv);
  const work = flags.work ?? mkdtempSync(path.join(tmpdir(), 'crucible-bench-finetune-'));
  mkdirSync(work, { recursive: true });
  try {
    await runIn(work, flags);
  } finally {
    if (flags.work === undefined) rmSync(work, { recursive: true, force: true });
  }
}

async function runIn(work: string, flags: QualityFlags): Promise<void> {
  const pretrainText = readPretrainText(flags.pretrainText);
  const finetuneText = readFinetuneText(flags.text);
  const tokenizerPath = path.join(work, 'tokenizer.json');
  const tokenizer = trainBenchTokenizer(pretrainText.text, flags.vocab, tokenizerPath);
  const pretrainData = encodeSplits(pretrainText.text, tokenizer, path.join(work, 'pretrain-tokens'), TRAIN_FRACTION);
  console.error(`byte-level BPE (${tokenizer.vocabSize} tokens) trained on ${pretrainText.label}: ${pretrainData.trainTokens} train / ${pretrainData.valTokens} val tokens`);

  const pretrainJob = (data: EncodedText, settings: TrainingSettings, name: string, finetune?: FinetuneJob): TrainingJob => ({
    settings,
    trainShard: data.trainShard,
    valShard: data.valShard,
    checkpointDir: path.join(work, 'checkpoints', name),
    ...(finetune === undefined ? {} : { finetune }),
  });
  const pretrained = await train('pretrain', pretrainJob(pretrainData, settingsFor(flags, { maxSteps: flags.pretrainSteps, learningRate: 1e-3, warmupSteps: 100, weightDecay: 0.1 }), 'pretrain'));
  const hubFolder = path.join(work, 'hub-model');
  writeHubFolder(hubFolder, pretrained.result.config, pretrained.result.parameters, tokenizerPath);
  const modelFolder = path.join(work, 'imported-model');
  const imported = importHubModel(hubFolder, modelFolder, { node: 'bench:finetune --quality', source: hubFolder });
  console.error(`imported ${hubFolder} (${imported.parameterCount} parameters, ${imported.sourceDtype}) into ${modelFolder}`);

  // The tokenizer node with the model node's tokenizer connected: the fine-tuning text encoded by the imported model's own tokenizer.
  const modelTokenizer = loadTokenizerJson(path.join(modelFolder, 'tokenizer.json'));
  const data = encodeSplits(finetuneText.text, modelTokenizer, path.join(work, 'finetune-tokens'), TRAIN_FRACTION);
  console.error(`fine-tuning text ${finetuneText.label}: ${finetuneText.text.length} characters, ${data.trainTokens} train / ${data.valTokens} held-out tokens`);

  const base = readModelFolder(modelFolder);
  const rows: QualityRow[] = [];
  const untouched = await heldOutLoss(base.config, base.parameters, data.valShard, flags);
  rows.push({ name: 'imported model, untouched', steps: 0, learningRate: null, trained: '-', heldOut: untouched.loss, trainerValLoss: null, seconds: null, load: load() });
  const pretrainedOwn = await heldOutLoss(base.config, base.parameters, pretrainData.valShard, flags);

  const n = flags.steps;
  const warmupSteps = Math.max(1, Math.round(n / 10));
  const runs: { name: string; learningRate: number; weightDecay: number; finetune?: FinetuneJob; trained: string }[] = [
    { name: 'full fine-tune', learningRate: flags.learningRates.full, weightDecay: 0, finetune: { modelFolder, modelKey: 'bench-base', method: 'full' }, trained: 'all weights' },
    {
      name: `LoRA r${flags.lora.rank} a${flags.lora.alpha} (${flags.lora.targets.join(', ')})`,
      learningRate: flags.learningRates.lora,
      weightDecay: 0,
      finetune: { modelFolder, modelKey: 'bench-base', method: 'lora', lora: flags.lora },
      trained: 'adapters',
    },
    { name: 'from scratch (same shape)', learningRate: flags.learningRates.scratch, weightDecay: 0.1, trained: 'all weights' },
  ];
  for (const [index, run] of runs.entries()) {
    const settings = settingsFor(flags, { maxSteps: n, learningRate: run.learningRate, warmupSteps, weightDecay: run.weightDecay });
    const trained = await train(run.name, pretrainJob(data, settings, `run-${index}`, run.finetune));
    const parameters = run.finetune?.method === 'lora' ? mergeLora(trained.result.config, trained.result.parameters, flags.lora) : trained.result.parameters;
    const heldOut = await heldOutLoss(trained.result.config, parameters, data.valShard, flags);
    rows.push({ name: run.name, steps: n, learningRate: run.learningRate, trained: run.trained, heldOut: heldOut.loss, trainerValLoss: trained.result.metrics.valLoss ?? null, seconds: trained.seconds, load: trained.load });
  }
  console.log(formatQualityTable(rows, { flags, pretrainText: pretrainText.label, finetuneText: finetuneText.label, data, heldOutTokens: untouched.tokens, pretrained: { seconds: pretrained.seconds, valLoss: pretrainedOwn.loss, load: pretrained.load } }));
}

interface QualityContext {
  flags: QualityFlags;
  pretrainText: string;
  finetuneText: string;
  data: EncodedText;
  heldOutTokens: number;
  pretrained: { seconds: number; valLoss: number; load: string };
}

function formatQualityTable(rows: readonly QualityRow[], context: QualityContext): string {
  const { flags, data } = context;
  const { nLayer, nHead, nEmbd, blockSize, batchSize } = flags.shape;
  const number = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
  const best = (name: string) => rows.find((row) => row.name.startsWith(name))?.heldOut ?? Number.NaN;
  const untouched = best('imported');
  const scratch = best('from scratch');
  const lines = [
    `Base: GPT-2 ${nLayer}/${nHead}/${nEmbd}, block ${blockSize}, byte-level BPE ${flags.vocab} trained on ${context.pretrainText}, pretrained ${flags.pretrainSteps} steps ` +
      `(batch ${batchSize} x ${blockSize}, lr 1e-3, ${context.pretrained.seconds.toFixed(0)} s, load ${context.pretrained.load}); its loss on its own held-out 10%: ${context.pretrained.valLoss.toFixed(4)}. ` +
      `Written as a hub folder, imported with importHubModel.`,
    `New text: ${context.finetuneText} — ${data.trainTokens} train tokens, held-out ${data.valTokens} tokens (last 10%), scored on ${context.heldOutTokens} tokens (every whole window of ${blockSize}).`,
    `Each run: ${flags.steps} steps of ${batchSize} x ${blockSize} tokens, same windows (seed ${SEED}), warmup ${Math.max(1, Math.round(flags.steps / 10))}, cosine to lr/10, AdamW betas 0.9/0.99, clip 1.0, dropout 0, ${flags.threads} threads.`,
    '',
    '| model | steps | lr | trained | held-out loss (new text) | vs untouched | vs from scratch | trainer val loss | wall s | load avg before → after |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((row) =>
      `| ${row.name} | ${row.steps} | ${row.learningRate ?? '-'} | ${row.trained} | ${row.heldOut.toFixed(4)} | ${(row.heldOut - untouched).toFixed(3)} | ${(row.heldOut - scratch).toFixed(3)} | ${number(row.trainerValLoss, 4)} | ${number(row.seconds, 0)} | ${row.load} |`,
    ),
  ];
  return lines.join('\n');
}
