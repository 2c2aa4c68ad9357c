// `npm run bench:compress`: trains a char model (the teacher) on tinyshakespeare briefly, quantizes it to int8 and int4
// (size, perplexity increase and decode speed against the float32 decoder), then trains a 4/4/128 student for the
// same number of steps twice — distilled from the teacher and from scratch — and prints both val losses and the
// teacher's on the same windows. Last, it times one 1×K·K×N decode matmul.
//
// Flags: --layers 6 --heads 6 --embd 384 --block 256 (the 10.7M teacher), --steps N (teacher steps, default 300),
// --batch N (8), --threads N (training threads, default 2), --quick (a 4/4/128 teacher, block 64), --eval-windows N
// (32), --decode-tokens N (128), --matmul K,N (1024,4096; "none" skips the kernel table), --student-steps N (500),
// --student-block N (64), --skip-distill, --skip-quantize, --arch gpt2|llama (llama: a Llama of the same depth, width
// and query heads with --kv-heads N key/value heads, default 2; quantize only, as distillation trains GPT-2 students).
// --keep DIR copies the teacher (DIR/teacher) and the distilled student (DIR/student) model folders out before the
// temporary folder goes, e.g. for `npm run bench:speculative -- --target DIR/teacher --draft DIR/student` (a draft
// needs the teacher's context: pass --student-block equal to --block). `npm run bench:quantize` is --skip-distill.
// Decode speed is batch 1, one intra-op thread, median of three runs of each decoder, interleaved.

import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeModelFolder } from '../engine/ml/export/model-folder.ts';
import { encodeModel } from '../engine/ml/onnx/encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS, type NodeProto, type TensorProto } from '../engine/ml/onnx/model-proto.ts';
import { quantizeBlocks, type QuantizationBits } from '../engine/ml/quantize/block-quantize.ts';
import { matMulNBitsInitializers, matMulNBitsNode, quantizedWeightNames } from '../engine/ml/quantize/matmul-nbits.ts';
import { runQuantizeJob, type QuantizationReport } from '../engine/ml/quantize/quantize-job.ts';
import type { ModelQuantizationSettings } from '../engine/ml/quantize/quantize-model-folder.ts';
import { createModelSession } from '../engine/ml/runtime/session.ts';
import { createRandom } from '../engine/ml/tensor/random.ts';
import { writeCharTokensArtifact } from '../engine/ml/train/testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from '../engine/ml/train/testing/tiny-settings.ts';
import { trainGpt2, trainModel, type TrainingResult } from '../engine/ml/train/trainer.ts';
import type { TrainingJob } from '../engine/ml/train/training-settings.ts';
import { distillationReport } from '../engine/ml/distill/distillation-report.ts';
import type { DistillationJob } from '../engine/ml/distill/distillation-setup.ts';

const SCHEMES: { label: string; settings: ModelQuantizationSettings; targets: string }[] = [
  { label: 'int8 (block 32)', settings: { scheme: 'int8', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false }, targets: '≤ 30% · ≤ 1% · ≥ 1.3×' },
  { label: 'int4 (block 32)', settings: { scheme: 'int4', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false }, targets: '≤ 20% · ≤ 5% · ≥ 1.5×' },
];

function parseFlags() {
  const { values } = parseArgs({
    options: {
      layers: { type: 'string' }, heads: { type: 'string' }, embd: { type: 'string' }, block: { type: 'string' },
      steps: { type: 'string', default: '300' }, batch: { type: 'string', default: '8' }, threads: { type: 'string', default: '2' },
      quick: { type: 'boolean', default: false }, 'eval-windows': { type: 'string', default: '32' }, 'decode-tokens': { type: 'string', default: '128' },
      matmul: { type: 'string', default: '1024,4096' },
      'student-steps': { type: 'string', default: '500' }, 'student-block': { type: 'string', default: '64' },
      'skip-distill': { type: 'boolean', default: false }, 'skip-quantize': { type: 'boolean', default: false },
      arch: { type: 'string', default: 'gpt2' }, 'kv-heads': { type: 'string', default: '2' }, keep: { type: 'string' },
    },
  });
  const count = (text: string | undefined, fallback: number, flag: string): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`bench:quantize: --${flag} must be a positive whole number, got ${text}`);
    return value;
  };
  if (values.arch !== 'gpt2' && values.arch !== 'llama') throw new Error(`bench:quantize: --arch must be gpt2 or llama, got ${values.arch}`);
  if (values.arch === 'llama' && !values['skip-distill']) throw new Error('bench:quantize: --arch llama needs --skip-distill (distillation trains GPT-2 students)');
  const shape = values.quick ? { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 } : { nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256 };
  const matmul = values.matmul === 'none' ? null : (values.matmul.split(',').map((part, index) => count(part, 0, index === 0 ? 'matmul K' : 'matmul N')) as [number, number]);
  return {
    nLayer: count(values.layers, shape.nLayer, 'layers'),
    nHead: count(values.heads, shape.nHead, 'heads'),
    nEmbd: count(values.embd, shape.nEmbd, 'embd'),
    blockSize: count(values.block, shape.blockSize, 'block'),
    steps: count(values.steps, 300, 'steps'),
    batchSize: count(values.batch, 8, 'batch'),
    threads: count(values.threads, 2, 'threads'),
    evalWindows: count(values['eval-windows'], 32, 'eval-windows'),
    decodeTokens: count(values['decode-tokens'], 128, 'decode-tokens'),
    matmul,
    studentSteps: count(values['student-steps'], 500, 'student-steps'),
    studentBlock: count(values['student-block'], 64, 'student-block'),
    skipDistill: values['skip-distill'],
    skipQuantize: values['skip-quantize'],
    keep: values.keep === undefined ? null : path.resolve(values.keep),
    llama: values.arch === 'llama' ? { nKvHead: count(values['kv-heads'], 2, 'kv-heads') } : undefined,
  };
}

type Flags = ReturnType<typeof parseFlags>;

interface TrainedTeacher {
  modelFolder: string;
  tokensFolder: string;
  valShard: string;
  valLoss: number;
}

async function trainTeacher(flags: Flags, root: string): Promise<TrainedTeacher> {
  const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), shakespeareExcerpt(Number.MAX_SAFE_INTEGER));
  const settings = {
    ...TINY_SETTINGS,
    nLayer: flags.nLayer, nHead: flags.nHead, nEmbd: flags.nEmbd, blockSize: flags.blockSize, batchSize: flags.batchSize,
    maxSteps: flags.steps, learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: Math.min(100, Math.floor(flags.steps / 10)),
    evalInterval: flags.steps, evalBatches: 4, checkpointInterval: flags.steps * 2, threads: flags.threads,
  };
  const valShard = path.join(tokens.folder, 'val');
  const started = performance.now();
  const result = await trainModel({ settings, trainShard: path.join(tokens.folder, 'train'), valShard, checkpointDir: path.join(root, 'checkpoints'), llama: flags.llama }, { onStep: progressPrinter('teacher') });
  console.log(`trained ${modelLabel(flags)} for ${flags.steps} steps in ${((performance.now() - started) / 1000).toFixed(0)} s; trainer's val loss ${result.metrics.valLoss?.toFixed(4)}`);
  const modelFolder = path.join(root, 'model');
  writeModelFolder(modelFolder, { config: result.config, parameters: result.parameters, tokenizerJsonPath: path.join(tokens.folder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: {} });
  return { modelFolder, tokensFolder: tokens.folder, valShard, valLoss: result.metrics.valLoss ?? Number.NaN };
}

/** Prints the step count every 10 s and at the end, so long runs show they are alive. */
function progressPrinter(label: string) {
  let lastLog = 0;
  return (report: { step: number; maxSteps: number; loss: number; tokensPerSec: number; kdLoss?: number }) => {
    if (performance.now() - lastLog < 10_000 && report.step !== report.maxSteps) return;
    lastLog = performance.now();
    const kd = report.kdLoss === undefined ? '' : `  kd ${report.kdLoss.toFixed(3)}`;
    console.log(`  ${label} step ${report.step}/${report.maxSteps}  loss ${report.loss.toFixed(3)}${kd}  ${Math.round(report.tokensPerSec)} tok/s`);
  };
}

/** The 4/4/128 student trained for the same steps on the same windows, by distillation and from scratch. */
async function distillTable(flags: Flags, root: string, teacher: TrainedTeacher): Promise<string> {
  const settings = {
    ...TINY_SETTINGS,
    nLayer: 4, nHead: 4, nEmbd: 128, blockSize: flags.studentBlock, batchSize: 12,
    maxSteps: flags.studentSteps, learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: Math.min(100, Math.floor(flags.studentSteps / 10)),
    evalInterval: flags.studentSteps, evalBatches: 20, checkpointInterval: flags.studentSteps * 2, threads: flags.threads,
  };
  const job = (name: string): TrainingJob => ({ settings, trainShard: path.join(teacher.tokensFolder, 'train'), valShard: teacher.valShard, checkpointDir: path.join(root, name) });
  const distillation: DistillationJob = { teacherFolder: teacher.modelFolder, teacherKey: 'bench-teacher', temperature: 2, alpha: 0.5, initFromTeacher: true };
  const runs: { label: string; result: TrainingResult; seconds: number }[] = [];
  for (const [label, trainingJob] of [['distilled student', { ...job('distilled'), distillation }], ['scratch student (pretrain)', job('scratch')]] as const) {
    const started = performance.now();
    const result = await trainGpt2(trainingJob, { onStep: progressPrinter(label), onLog: (line) => console.log(`  ${label}: ${line}`) });
    runs.push({ label, result, seconds: (performance.now() - started) / 1000 });
  }
  const [distilled, scratch] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const studentFolder = path.join(root, 'student');
  writeModelFolder(studentFolder, { config: distilled.result.config, parameters: distilled.result.parameters, tokenizerJsonPath: path.join(teacher.tokensFolder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: {} });
  const teacherValLoss = distilled.result.metrics.teacherValLoss as number;
  const report = await distillationReport(teacher.modelFolder, studentFolder, { teacher: teacherValLoss, student: distilled.result.metrics.valLoss as number });
  const lines = [
    `Distill: student 4/4/128, block ${flags.studentBlock}, batch 12, ${flags.studentSteps} steps each; T 2, alpha 0.5; val loss on the same ${settings.evalBatches} batches`,
    '',
    '| model | parameters | val loss | decode tok/s | train time |',
    '|---|---|---|---|---|',
    `| teacher ${flags.nLayer}/${flags.nHead}/${flags.nEmbd} | ${report.teacher.parameters.toLocaleString('en-US')} | ${teacherValLoss.toFixed(4)} | ${report.teacher.decodeTokensPerSec.toFixed(0)} | — |`,
    ...runs.map(({ label, result, seconds }) => `| ${label} | ${report.student.parameters.toLocaleString('en-US')} | ${(result.metrics.valLoss as number).toFixed(4)} | ${label.startsWith('distilled') ? report.student.decodeTokensPerSec.toFixed(0) : '—'} | ${seconds.toFixed(0)} s |`),
    '',
    `distilled − scratch val loss: ${((distilled.result.metrics.valLoss as number) - (scratch.result.metrics.valLoss as number)).toFixed(4)} (target: below 0); the student has ${(100 * report.parameterRatio).toFixed(1)}% of the teacher's parameters and decodes ${report.decodeSpeedup.toFixed(2)}× as fast`,
  ];
  return lines.join('\n');
}

function modelTable(reports: { label: string; targets: string; report: QuantizationReport }[]): string {
  const first = reports[0]?.report;
  const lines = [
    '| scheme | size vs fp32 decoder | perplexity increase | decode speed vs fp32 | top-1 agreement (200 tokens) | targets (size · ppl · speed) |',
    '|---|---|---|---|---|---|',
  ];
  if (first?.validation) lines.push(`| fp32 | 100% (${(first.floatDecoderBytes / 1e6).toFixed(1)} MB) | ppl ${first.validation.floatPerplexity.toFixed(4)} (loss ${first.validation.floatLoss.toFixed(4)}) | 1.00× (${first.floatTokensPerSecond.toFixed(0)} tok/s) | — | |`);
  for (const { label, targets, report } of reports) {
    const ppl = report.validation ? `${report.validation.perplexityChangePercent >= 0 ? '+' : ''}${report.validation.perplexityChangePercent.toFixed(2)}% (ppl ${report.validation.quantizedPerplexity.toFixed(4)})` : 'n/a';
    lines.push(`| ${label} | ${(report.sizeRatio * 100).toFixed(1)}% | ${ppl} | ${report.decodeSpeedRatio.toFixed(2)}× (${report.quantizedTokensPerSecond.toFixed(0)} tok/s; fp32 ${report.floatTokensPerSecond.toFixed(0)}) | ${(report.greedyAgreement.topOneAgreement * 100).toFixed(1)}% | ${targets} |`);
  }
  return lines.join('\n');
}

/** Median µs of one 1×K · K×N product for fp32 MatMul and MatMulNBits variants, one thread. */
async function matmulTable(K: number, N: number): Promise<string> {
  const random = createRandom(7);
  const weight = Float32Array.from({ length: K * N }, () => random.normal() * 0.05);
  const variants: { label: string; bits: QuantizationBits | null; accuracyLevel: number }[] = [
    { label: 'fp32 MatMul', bits: null, accuracyLevel: 0 },
    { label: 'int4, accuracy level 4', bits: 4, accuracyLevel: 4 },
    { label: 'int4, accuracy level 1', bits: 4, accuracyLevel: 1 },
    { label: 'int8, accuracy level 4', bits: 8, accuracyLevel: 4 },
    { label: 'int8, accuracy level 0 (never emitted)', bits: 8, accuracyLevel: 0 },
  ];
  const lines = [`| 1×${K} · ${K}×${N}, 1 thread | median time |`, '|---|---|'];
  for (const variant of variants) lines.push(`| ${variant.label} | ${(await timeMatmul(weight, K, N, variant.bits, variant.accuracyLevel)).toFixed(0)} µs |`);
  return lines.join('\n');
}

async function timeMatmul(weight: Float32Array, K: number, N: number, bits: QuantizationBits | null, accuracyLevel: number): Promise<number> {
  let node: NodeProto;
  let initializers: TensorProto[];
  if (bits === null) {
    node = { name: 'm', opType: 'MatMul', domain: '', inputs: ['a', 'w'], outputs: ['y'], attributes: {} };
    initializers = [{ name: 'w', dtype: 'float32', dims: [K, N], data: weight }];
  } else {
    const quantized = quantizeBlocks(weight, K, N, 'kn', { bits, blockSize: 32, symmetric: true });
    const names = quantizedWeightNames('w', quantized);
    // The slow int8 path is timed on purpose here, so the level is set after the node builder's guard.
    const built = matMulNBitsNode({ name: 'm', input: 'a', output: 'y', names, quantized, accuracyLevel: bits === 8 ? 4 : accuracyLevel });
    node = { ...built, attributes: { ...built.attributes, accuracy_level: { kind: 'int', value: accuracyLevel } } };
    initializers = matMulNBitsInitializers(names, quantized);
  }
  const bytes = encodeModel({
    irVersion: DEFAULT_IR_VERSION, opsetImports: DEFAULT_OPSETS, producerName: 'bench',
    graph: { name: 'matmul', nodes: [node], initializers, inputs: [{ name: 'a', dtype: 'float32', shape: [1, K] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, N] }] },
  });
  const session = await createModelSession(bytes, { intraOpThreads: 1 });
  const a = { dtype: 'float32' as const, shape: [1, K], data: Float32Array.from({ length: K }, (_, index) => Math.sin(index)) };
  const slow = bits === 8 && accuracyLevel !== 4;
  for (let warmup = 0; warmup < (slow ? 1 : 10); warmup++) await session.run({ a });
  const times: number[] = [];
  for (let run = 0; run < (slow ? 5 : 50); run++) {
    const started = performance.now();
    await session.run({ a });
    times.push((performance.now() - started) * 1000);
  }
  await session.release();
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)] as number;
}

/** "6/6/384", or "llama 6/6:2/384" (query:key/value heads). */
function modelLabel(flags: Flags): string {
  return flags.llama === undefined ? `${flags.nLayer}/${flags.nHead}/${flags.nEmbd}` : `llama ${flags.nLayer}/${flags.nHead}:${flags.llama.nKvHead}/${flags.nEmbd}`;
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-bench-compress-'));
  try {
    const teacher = await trainTeacher(flags, root);
    const { modelFolder, valShard } = teacher;
    const reports: { label: string; targets: string; report: QuantizationReport }[] = [];
    for (const { label, settings, targets } of flags.skipQuantize ? [] : SCHEMES) {
      const job = { sourceFolder: modelFolder, targetFolder: path.join(root, settings.scheme), settings, provenance: {}, valShard, evalWindows: flags.evalWindows, decodeTokens: flags.decodeTokens };
      reports.push({ label, targets, report: await runQuantizeJob(job, (line) => console.log(`  ${line}`)) });
    }
    const windows = reports[0]?.report.validation;
    console.log(`\nQuantize, ${modelLabel(flags)} char model, ${flags.steps} steps; perplexity on ${windows?.tokensScored ?? 0} val tokens (${windows?.windows ?? 0} windows of ${flags.blockSize})\n`);
    if (reports.length > 0) console.log(modelTable(reports));
    if (!flags.skipDistill) console.log(`\n${await distillTable(flags, root, teacher)}`);
    if (flags.matmul !== null) console.log(`\n${await matmulTable(...flags.matmul)}`);
  } finally {
    if (flags.keep !== null) {
      for (const [from, to] of [['model', 'teacher'], ['student', 'student']]) if (existsSync(path.join(root, from!))) cpSync(path.join(root, from!), path.join(flags.keep, to!), { recursive: true });
      console.log(`model folders kept in ${flags.keep}`);
    }
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
