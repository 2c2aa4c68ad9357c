// `npm run bench:finetune -- --quality`: does fine-tuning pay? A small GPT-2 is pretrained (trainGpt2) on a broad
// text, tinyshakespeare plus the GNU half of Debian's licence texts, written as a Hugging Face hub folder, and then,
// as real pipelines through the Engine, imported by the `model` node from that folder and trained for the same N
// steps on the other, disjoint licences: dataset (the new files) → model → tokenizer (the model's tokenizer
// connected) → finetune (full; LoRA at each --lora setting; LoRA at the node's defaults) → evaluate, the untouched
// model node output → evaluate, and the same tokens → pretrain (the base's shape, from scratch) → evaluate.
// Reported: the evaluate node's val loss (the same seeded windows of the same val split for every model), and each
// model's loss over every whole window of that split.
//
// Flags: --steps N (200), --pretrain-steps N (3000), --text FILE (fine-tune on this instead of the licences),
// --pretrain-text FILE (../shared/data/tinyshakespeare.txt; the GNU licences are added unless --no-pretrain-licences),
// --vocab N (1024), --layers/--heads/--width (4/4/128), --block N (128), --batch N (8), --threads N (2),
// --full-lr X[,X...] (1e-3), --scratch-lr X[,X...] (3e-3), --lora R:ALPHA:LR[,...] (32:64:1e-2; all four targets
// unless --targets; the defaults are the best of the sweep in bench/README.md), --no-default-lora (skip the node-defaults row), --eval-batches N (40),
// --work DIR (keep the pretrained base and the engine's cache between runs; a temp folder otherwise).

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { requireGpt2 } from '../engine/ml/model-config.ts';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pipeline } from '../app/pipeline/schema.ts';
import { Engine } from '../engine/engine.ts';
import { readModelFolder } from '../engine/ml/export/model-folder.ts';
import type { Gpt2Config } from '../engine/ml/gpt2/config.ts';
import type { ParameterSet } from '../engine/ml/gpt2/parameters.ts';
import { GPT2_LORA_TARGETS, type LoraTarget } from '../engine/ml/lora/index.ts';
import { LossEvaluator } from '../engine/ml/train/loss-evaluator.ts';
import { tokensArtifactPaths } from '../engine/ml/train/tokens-artifact.ts';
import { readBatch, TokenShardReader } from '../engine/ml/train/token-windows.ts';
import { trainGpt2 } from '../engine/ml/train/trainer.ts';
import type { TrainingSettings } from '../engine/ml/train/training-settings.ts';
import { encodeSplits, finetuneFiles, readPretrainText, trainBenchTokenizer, writeHubFolder } from './finetune-quality-data.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAIN_FRACTION = 0.9;
const SEED = 1337;
const PRETRAIN_LR = 1e-3;

interface LoraSetting {
  rank: number;
  alpha: number;
  learningRate: number;
}

interface QualityFlags {
  steps: number;
  pretrainSteps: number;
  text: string | undefined;
  pretrainText: string;
  pretrainLicences: boolean;
  vocab: number;
  shape: Pick<TrainingSettings, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize' | 'batchSize'>;
  threads: number;
  fullLr: number[];
  scratchLr: number[];
  lora: LoraSetting[];
  targets: LoraTarget[];
  defaultLora: boolean;
  evalBatches: number;
  work: string | undefined;
}

function parseQualityFlags(argv: string[]): QualityFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '200' },
      'pretrain-steps': { type: 'string', default: '3000' },
      text: { type: 'string' },
      'pretrain-text': { type: 'string', default: path.resolve(REPO, '../shared/data/tinyshakespeare.txt') },
      'no-pretrain-licences': { type: 'boolean', default: false },
      vocab: { type: 'string', default: '1024' },
      layers: { type: 'string', default: '4' },
      heads: { type: 'string', default: '4' },
      width: { type: 'string', default: '128' },
      block: { type: 'string', default: '128' },
      batch: { type: 'string', default: '8' },
      threads: { type: 'string', default: '2' },
      'full-lr': { type: 'string', default: '1e-3' },
      'scratch-lr': { type: 'string', default: '3e-3' },
      lora: { type: 'string', default: '32:64:1e-2' },
      targets: { type: 'string', default: GPT2_LORA_TARGETS.join(',') },
      'no-default-lora': { type: 'boolean', default: false },
      'eval-batches': { type: 'string', default: '40' },
      work: { type: 'string' },
    },
  });
  const whole = (flag: keyof typeof values): number => {
    const value = Number(values[flag]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`bench:finetune --quality: --${flag} must be a whole number >= 1, got "${String(values[flag])}"`);
    return value;
  };
  const rates = (flag: 'full-lr' | 'scratch-lr'): number[] =>
    values[flag].split(',').map((text) => {
      const value = Number(text);
      if (!(value > 0)) throw new Error(`bench:finetune --quality: --${flag} takes positive numbers separated by commas, got "${text}"`);
      return value;
    });
  const lora = values.lora.split(',').map((entry) => {
    const [rank, alpha, learningRate] = entry.split(':').map(Number) as [number, number, number];
    if (!(Number.isInteger(rank) && rank >= 1 && alpha > 0 && learningRate > 0)) throw new Error(`bench:finetune --quality: --lora takes RANK:ALPHA:LR[,...], e.g. 16:32:3e-3; got "${entry}"`);
    return { rank, alpha, learningRate };
  });
  const targets = values.targets.split(',').map((target) => target.trim());
  for (const target of targets) {
    if (!(GPT2_LORA_TARGETS as readonly string[]).includes(target)) throw new Error(`bench:finetune --quality: --targets: "${target}" is not one of ${GPT2_LORA_TARGETS.join(', ')}`);
  }
  return {
    steps: whole('steps'),
    pretrainSteps: whole('pretrain-steps'),
    text: values.text,
    pretrainText: values['pretrain-text'],
    pretrainLicences: !values['no-pretrain-licences'],
    vocab: whole('vocab'),
    shape: { nLayer: whole('layers'), nHead: whole('heads'), nEmbd: whole('width'), blockSize: whole('block'), batchSize: whole('batch') },
    threads: whole('threads'),
    fullLr: rates('full-lr'),
    scratchLr: rates('scratch-lr'),
    lora,
    targets: targets as LoraTarget[],
    defaultLora: !values['no-default-lora'],
    evalBatches: whole('eval-batches'),
    work: values.work,
  };
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

export async function runQualityBench(argv: string[]): Promise<void> {
  const flags = parseQualityFlags(argv);
  const work = flags.work ?? mkdtempSync(path.join(tmpdir(), 'crucible-bench-finetune-'));
  mkdirSync(work, { recursive: true });
  try {
    await runIn(path.resolve(work), flags);
  } finally {
    if (flags.work === undefined) rmSync(work, { recursive: true, force: true });
  }
}

interface PretrainedBase {
  /** What was asked for; a --work folder's base is reused only when this matches. */
  key: string;
  textLabel: string;
  tokenizerVocab: number;
  trainTokens: number;
  seconds: number;
  load: string;
  ownValLoss: number;
}

/** The base model as a hub folder under work/hub-model, pretrained once per --work folder and settings. */
async function pretrainedBase(work: string, flags: QualityFlags): Promise<PretrainedBase> {
  const pretrainText = readPretrainText(flags.pretrainText, flags.pretrainLicences);
  const key = JSON.stringify({ text: pretrainText.label, chars: pretrainText.parts.map((part) => part.length), steps: flags.pretrainSteps, vocab: flags.vocab, shape: flags.shape, lr: PRETRAIN_LR, seed: SEED });
  const stampFile = path.join(work, 'hub-model.json');
  const hubFolder = path.join(work, 'hub-model');
  if (existsSync(stampFile) && existsSync(path.join(hubFolder, 'model.safetensors'))) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as PretrainedBase;
    if (stamp.key === key) {
      console.error(`reusing the pretrained base in ${hubFolder} (pretrained ${stamp.seconds.toFixed(0)} s)`);
      return stamp;
    }
  }
  const tokenizerPath = path.join(work, 'tokenizer.json');
  const tokenizer = trainBenchTokenizer(pretrainText.parts.join('\n'), flags.vocab, tokenizerPath);
  const data = encodeSplits(pretrainText.parts, tokenizer, path.join(work, 'pretrain-tokens'), TRAIN_FRACTION);
  console.error(`byte-level BPE (${tokenizer.vocabSize} tokens) trained on ${pretrainText.label}: ${data.trainTokens} train / ${data.valTokens} val tokens`);
  const maxSteps = flags.pretrainSteps;
  const settings: TrainingSettings = {
    ...flags.shape, dropout: 0, bias: true, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, learningRate: PRETRAIN_LR, minLearningRate: PRETRAIN_LR / 10,
    warmupSteps: 100, gradAccumSteps: 1, maxSteps, gradClip: 1, evalInterval: maxSteps, evalBatches: 20, checkpointInterval: maxSteps, seed: SEED, threads: flags.threads,
  };
  const began = performance.now();
  const loadBefore = load();
  const result = await trainGpt2(
    { settings, trainShard: data.trainShard, valShard: data.valShard, checkpointDir: path.join(work, 'checkpoints', 'pretrain') },
    { onLog: (line) => console.error(`[pretrain] ${line}`), onStep: (report) => { if (report.step % 100 === 0) console.error(`[pretrain] step ${report.step}/${maxSteps} loss ${report.loss.toFixed(3)}`); } },
  );
  const seconds = (performance.now() - began) / 1000;
  rmSync(hubFolder, { recursive: true, force: true });
  writeHubFolder(hubFolder, result.config, result.parameters, tokenizerPath);
  const own = await heldOutLoss(result.config, result.parameters, data.valShard, flags);
  const base: PretrainedBase = { key, textLabel: pretrainText.label, tokenizerVocab: tokenizer.vocabSize, trainTokens: data.trainTokens, seconds, load: `${loadBefore} → ${load()}`, ownValLoss: own.loss };
  writeFileSync(stampFile, `${JSON.stringify(base, null, 2)}\n`);
  return base;
}

/** The mean loss over every non-overlapping whole window of the split (batches of up to --batch rows). */
async function heldOutLoss(config: Gpt2Config, parameters: ParameterSet, split: string, flags: QualityFlags): Promise<{ loss: number; tokens: number }> {
  const time = Math.min(flags.shape.blockSize, config.blockSize);
  const reader = TokenShardReader.open(split);
  try {
    const starts: number[] = [];
    for (let start = 0; start + time + 1 <= reader.count; start += time) starts.push(start);
    const batch = Math.min(flags.shape.batchSize, starts.length);
    if (batch === 0) throw new Error(`bench:finetune --quality: the held-out split ${split} (${reader.count} tokens) is shorter than one window of ${time}`);
    const batches = Math.floor(starts.length / batch);
    const evaluator = await LossEvaluator.create({ ...config, dropout: 0 }, { batch, time }, flags.threads);
    try {
      const loss = await evaluator.meanLoss(parameters, (function* () {
        for (let index = 0; index < batches; index++) yield readBatch(reader, starts.slice(index * batch, (index + 1) * batch), time);
      })());
      return { loss, tokens: batches * batch * time };
    } finally {
      await evaluator.release();
    }
  } finally {
    reader.close();
  }
}

interface Arm {
  /** Row label. */
  name: string;
  /** The training node (absent for the untouched model) and its evaluate node. */
  trainId: string | null;
  evalId: string;
  learningRate: number | null;
  steps: number;
  trained: string;
}

type PipelineNode = Pipeline['nodes'][number];

/** A node id from a learning rate etc.: no dots, which edges use to name ports. */
const idOf = (...parts: (string | number)[]) => parts.join('-').replace(/\./g, 'p');

function buildPipeline(flags: QualityFlags, base: PretrainedBase): { pipeline: Pipeline; arms: Arm[] } {
  const n = flags.steps;
  const { nLayer, nHead, nEmbd, blockSize, batchSize } = flags.shape;
  const schedule = (learningRate: number) => ({
    maxSteps: n, learningRate, minLearningRate: learningRate / 10, warmupSteps: Math.max(1, Math.round(n / 10)),
    batchSize, evalInterval: n, checkpointInterval: n, evalBatches: 20, seed: SEED, threads: flags.threads, device: 'cpu',
  });
  const nodes: PipelineNode[] = [];
  const edges: string[] = [];
  const arms: Arm[] = [];
  const node = (id: string, type: string, config: Record<string, unknown>) => nodes.push({ id, type, typeVersion: 1, config, ui: { position: { x: nodes.length * 200, y: 0 } } } as PipelineNode);
  const evaluate = (id: string, from: string) => {
    node(id, 'evaluate', { evalBatches: flags.evalBatches, batchSize, samples: 0, seed: SEED, device: 'cpu' });
    edges.push(`${from}->${id}.model`, `tok.tokens->${id}.tokens`);
  };
  node('data', 'dataset', { sources: [{ path: 'finetune-text' }], format: 'text', documentSplit: 'blank-lines', valFraction: 0.1, seed: SEED, dedupe: 'exact' });
  node('base', 'model', { path: 'hub-model' });
  node('tok', 'tokenizer', { specialTokens: [] });
  edges.push('data.corpus->tok.corpus', 'base.tokenizer->tok.tokenizer');
  evaluate('eval-untouched', 'base.model');
  arms.push({ name: 'imported model, untouched', trainId: null, evalId: 'eval-untouched', learningRate: null, steps: 0, trained: '-' });
  const finetune = (id: string, name: string, learningRate: number | null, trained: string, config: Record<string, unknown>) => {
    node(id, 'finetune', config);
    edges.push(`base.model->${id}.model`, `tok.tokens->${id}.tokens`);
    evaluate(`eval-${id}`, `${id}.model`);
    arms.push({ name, trainId: id, evalId: `eval-${id}`, learningRate, steps: n, trained });
  };
  for (const lr of flags.fullLr) finetune(idOf('full', lr), 'full fine-tune', lr, 'all weights', { method: 'full', dropout: 0, weightDecay: 0, ...schedule(lr) });
  for (const { rank, alpha, learningRate } of flags.lora) {
    finetune(idOf('lora', `r${rank}`, `a${alpha}`, learningRate), `LoRA r${rank} α${alpha}, ${flags.targets.length === GPT2_LORA_TARGETS.length ? 'all four targets' : flags.targets.join(', ')}, dropout 0`, learningRate, 'adapters', {
      method: 'lora', loraRank: rank, loraAlpha: alpha, loraDropout: 0, loraTargets: flags.targets, dropout: 0, weightDecay: 0, ...schedule(learningRate),
    });
  }
  if (flags.defaultLora) {
    // Everything at the finetune node's defaults (r8 α16, dropout 0.05, attn.c_attn, lr 2e-4 → 2e-5, warmup 20, batch 4) but the steps and threads.
    finetune('lora-node-defaults', "LoRA, the node's defaults (r8 α16, dropout 0.05, attn.c_attn, batch 4)", 2e-4, 'adapters', { method: 'lora', maxSteps: n, seed: SEED, threads: flags.threads, device: 'cpu' });
  }
  for (const lr of flags.scratchLr) {
    const id = idOf('scratch', lr);
    node(id, 'pretrain', { nLayer, nHead, nEmbd, blockSize, dropout: 0, bias: true, weightDecay: 0.1, ...schedule(lr) });
    edges.push(`tok.tokens->${id}.tokens`);
    evaluate(`eval-${id}`, `${id}.model`);
    arms.push({ name: 'from scratch (same shape)', trainId: id, evalId: `eval-${id}`, learningRate: lr, steps: n, trained: 'all weights' });
  }
  const pipeline: Pipeline = {
    format: 'crucible.pipeline',
    version: 1,
    name: 'bench:finetune --quality',
    description: `fine-tune a base pretrained on ${base.textLabel}`,
    nodes,
    edges: edges.map((edge, index) => {
      const [from, to] = edge.split('->') as [string, string];
      const [fromNode, fromPort] = from.split('.') as [string, string];
      const [toNode, toPort] = to.split('.') as [string, string];
      return { id: `e${index}`, from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
    }),
  } as Pipeline;
  return { pipeline, arms };
}

interface QualityRow extends Arm {
  valLoss: number;
  wholeWindows: number;
  trainSeconds: number | null;
  cached: boolean;
}

async function runIn(work: string, flags: QualityFlags): Promise<void> {
  const base = await pretrainedBase(work, flags);
  const text = finetuneFiles(flags.text);
  const textDir = path.join(work, 'finetune-text');
  rmSync(textDir, { recursive: true, force: true });
  mkdirSync(textDir);
  for (const file of text.files) copyFileSync(file, path.join(textDir, `${path.basename(file)}.txt`));

  const { pipeline, arms } = buildPipeline(flags, base);
  const pipelinePath = path.join(work, 'quality.crucible.json');
  writeFileSync(pipelinePath, `${JSON.stringify(pipeline, null, 2)}\n`);
  const engine = await Engine.open({ dataDir: path.join(work, 'engine-data'), maxParallelNodes: 1 });
  const loadBefore = load();
  const began = performance.now();
  let finished;
  try {
    const unsubscribe = engine.bus.subscribe((event) => {
      const e = event as { type: string; node?: string; state?: string; message?: string };
      if (e.type === 'node.state' || e.type === 'node.finished' || e.type === 'node.started') console.error(`[engine] ${e.type} ${e.node ?? ''} ${e.state ?? ''} (load ${load()})`);
    });
    const { runId } = engine.startRun({ pipeline, pipelinePath });
    finished = await engine.finished(runId);
    unsubscribe();
  } finally {
    await engine.close();
  }
  const runSeconds = (performance.now() - began) / 1000;
  if (finished?.status !== 'succeeded') throw new Error(`bench:finetune --quality: the pipeline ended ${finished?.status}: ${JSON.stringify(Object.fromEntries(Object.entries(finished?.nodes ?? {}).filter(([, summary]) => summary.error !== undefined).map(([id, summary]) => [id, summary.error?.message])))}`);
  const tokens = tokensArtifactPaths(finished.nodes.tok?.artifacts?.tokens?.path as string);
  const valTokens = TokenShardReader.open(tokens.valBase);
  const trainTokens = TokenShardReader.open(tokens.trainBase);
  const split = { train: trainTokens.count, val: valTokens.count };
  valTokens.close();
  trainTokens.close();

  const rows: QualityRow[] = [];
  let scored = 0;
  for (const arm of arms) {
    const evaluated = finished.nodes[arm.evalId];
    const modelFolder = arm.trainId === null ? (finished.nodes.base?.artifacts?.model?.path as string) : (finished.nodes[arm.trainId]?.artifact as string);
    const model = readModelFolder(modelFolder);
    const whole = await heldOutLoss(requireGpt2(model.config, 'bench:finetune --quality'), model.parameters, tokens.valBase, flags);
    scored = whole.tokens;
    const trainer = arm.trainId === null ? undefined : finished.nodes[arm.trainId];
    rows.push({ ...arm, valLoss: reportValLoss(evaluated?.artifact, arm.evalId), wholeWindows: whole.loss, trainSeconds: trainer?.durationMs === undefined ? null : trainer.durationMs / 1000, cached: trainer?.cached ?? false });
  }
  console.log(formatQualityTable(rows, { flags, base, text: text.label, split, wholeTokens: scored, runSeconds, load: `${loadBefore} → ${load()}` }));
}

/** The evaluate node's val loss from its report.json (a cached node's run summary carries no metrics). */
function reportValLoss(reportFolder: string | undefined, node: string): number {
  if (reportFolder === undefined) throw new Error(`bench:finetune --quality: the evaluate node "${node}" left no report`);
  return (JSON.parse(readFileSync(path.join(reportFolder, 'report.json'), 'utf8')) as { valLoss: number }).valLoss;
}

interface QualityContext {
  flags: QualityFlags;
  base: PretrainedBase;
  text: string;
  split: { train: number; val: number };
  wholeTokens: number;
  runSeconds: number;
  load: string;
}

function formatQualityTable(rows: readonly QualityRow[], context: QualityContext): string {
  const { flags, base } = context;
  const { nLayer, nHead, nEmbd, blockSize, batchSize } = flags.shape;
  const untouched = rows[0]?.valLoss ?? Number.NaN;
  const scratch = Math.min(...rows.filter((row) => row.name.startsWith('from scratch')).map((row) => row.valLoss));
  const lines = [
    `Base: GPT-2 ${nLayer}/${nHead}/${nEmbd}, block ${blockSize}, byte-level BPE ${base.tokenizerVocab} and weights trained on ${base.textLabel} (${base.trainTokens} train tokens), ` +
      `${flags.pretrainSteps} steps of ${batchSize} x ${blockSize}, lr ${PRETRAIN_LR} (${base.seconds.toFixed(0)} s, load ${base.load}); its loss on its own held-out 10%: ${base.ownValLoss.toFixed(4)}. Written as a hub folder, imported by the model node.`,
    `New text: ${context.text}, split by the dataset node into paragraphs (blank lines), 10% held out (seed ${SEED}): ${context.split.train} train / ${context.split.val} val tokens, encoded by the model's tokenizer.`,
    `Each run: ${flags.steps} steps of ${batchSize} x ${blockSize} (unless noted), same windows (seed ${SEED}), warmup ${Math.max(1, Math.round(flags.steps / 10))}, cosine to lr/10, AdamW 0.9/0.99, clip 1, dropout 0, ${flags.threads} threads. ` +
      `Val loss: the evaluate node (${flags.evalBatches} x ${batchSize} seeded windows of ${blockSize}, the same for every model); whole windows: every non-overlapping window of the val split (${context.wholeTokens} tokens).`,
    `Pipeline run: ${context.runSeconds.toFixed(0)} s, load average ${context.load}.`,
    '',
    '| model | steps | lr | trained | val loss (evaluate node) | vs untouched | vs from scratch | whole windows | train s |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) =>
      `| ${row.name} | ${row.steps} | ${row.learningRate ?? '-'} | ${row.trained} | ${row.valLoss.toFixed(4)} | ${(row.valLoss - untouched).toFixed(3)} | ${(row.valLoss - scratch).toFixed(3)} | ${row.wholeWindows.toFixed(4)} | ${row.trainSeconds === null ? '-' : row.cached ? 'cached' : row.trainSeconds.toFixed(0)} |`,
    ),
  ];
  return lines.join('\n');
}
