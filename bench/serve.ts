// `npm run bench:serve`: the inference runtime behind the real OpenAI-compatible server on 127.0.0.1, with random
// weights in the nanoGPT reference (4/4/128) and 10.7M (6/6/384) shapes, and Llama deployments of the same widths
// and depths (grouped-query attention, 2 key/value heads, SwiGLU at 8/3 width), and a char tokenizer of
// tinyshakespeare.
// Single-stream decode tokens/s and TTFT, then aggregate tokens/s and p50/p99 TTFT at concurrency 1, 4, 16, 64;
// for the nano shape also a key driven at 10× its rpm limit beside an in-limit key (serve-limits.ts). Then this
// machine's streaming-read bandwidth (memory-bandwidth.ts) and the same model decoded by Crucible's runtime (float32,
// int8, int4) beside llama.cpp (GGUF F32, Q8_0, Q4_0) at each thread count: one stream with its share of the
// bandwidth limit, time to first token for a 200-token prompt, 16 parallel sequences (serve-llama-cpp.ts); last, the
// goals table over all of them (serve-report.ts).
//
// Flags: --seconds N (per concurrency level, default 4), --only nano|10m|llama-nano|llama-10m, --replicas N (default 1),
// --threads N[,M] (ORT threads per replica; the HTTP part runs at the first, the comparison at each; default 1,2),
// --max-tokens N (default 64), --limit-seconds N (each phase of the over-the-limit run, default 15; 0 skips it),
// --noisy-rpm N (default 60), --runtimes-only (just the bandwidth and the tables beside llama.cpp), --no-runtimes
// (just the HTTP part), --runs N (single-stream rounds, default 9), --parallel-runs N (TTFT and parallel rounds,
// default 3), --precisions float32,int8,int4. Client and server share the process.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deployConfig } from '../nodes/deploy/spec.ts';
import { writeModelFolder } from '../engine/ml/export/model-folder.ts';
import { gpt2Config } from '../engine/ml/gpt2/config.ts';
import { initGpt2Parameters } from '../engine/ml/gpt2/parameters.ts';
import { llamaConfig } from '../engine/ml/llama/config.ts';
import { initLlamaParameters } from '../engine/ml/llama/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../engine/ml/model-config.ts';
import { createServingCapability } from '../engine/capabilities/serving-capability.ts';
import { createOpenAiServer } from '../engine/endpoint/openai-server.ts';
import { trainChar } from '../engine/tokenize/train-char.ts';
import { printOverLimit, runOverLimit, type OverLimitReport } from './serve-limits.ts';
import { runClosedLoop, streamCompletion, type LoadStats } from './serve-load.ts';
import { median } from './median.ts';
import { prepareRuntimeFiles, runtimesBeside, type RuntimeBenchOptions } from './serve-llama-cpp.ts';
import { printGoalsTable, printRuntimeTable, type RuntimeTable } from './serve-report.ts';
import { measureReadBandwidth, printBandwidthTable, type BandwidthResult } from './memory-bandwidth.ts';
import type { BenchPrecision } from './serve-runtimes.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.resolve(REPO, '../shared/data/tinyshakespeare.txt');
const CONCURRENCY_LEVELS = [1, 4, 16, 64];
/** The single-stream figures are medians over this many requests, one at a time. */
const SINGLE_STREAM_RUNS = 9;
const PROMPT = 'ROMEO:\nBut soft, what light';
/** Time to first token is measured on a prompt this long (tinyshakespeare's opening characters). */
const TTFT_PROMPT_TOKENS = 200;
const PRECISIONS: readonly BenchPrecision[] = ['float32', 'int8', 'int4'];
const SHAPES = {
  nano: { nLayer: 4, nHead: 4, nEmbd: 128 },
  '10m': { nLayer: 6, nHead: 6, nEmbd: 384 },
  'llama-nano': { architecture: 'llama', nLayer: 4, nHead: 4, nKvHead: 2, nEmbd: 128 },
  'llama-10m': { architecture: 'llama', nLayer: 6, nHead: 6, nKvHead: 2, nEmbd: 384 },
} as const;

function parseFlags() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      only: { type: 'string' },
      replicas: { type: 'string' },
      threads: { type: 'string' },
      'max-tokens': { type: 'string' },
      'limit-seconds': { type: 'string' },
      'noisy-rpm': { type: 'string' },
      'runtimes-only': { type: 'boolean' },
      'no-runtimes': { type: 'boolean' },
      runs: { type: 'string' },
      'parallel-runs': { type: 'string' },
      precisions: { type: 'string' },
    },
  });
  const only = values.only as keyof typeof SHAPES | undefined;
  if (only !== undefined && !(only in SHAPES)) throw new Error(`bench:serve: --only must be one of ${Object.keys(SHAPES).join(', ')}, got "${only}"`);
  const threadCounts = (values.threads ?? '1,2').split(',').map(Number);
  if (threadCounts.some((threads) => !Number.isInteger(threads) || threads < 0)) throw new Error(`bench:serve: --threads takes thread counts separated by commas (e.g. 1,2), got "${values.threads}"`);
  const precisions = (values.precisions ?? PRECISIONS.join(',')).split(',') as BenchPrecision[];
  const unknown = precisions.find((precision) => !PRECISIONS.includes(precision));
  if (unknown !== undefined) throw new Error(`bench:serve: --precisions takes ${PRECISIONS.join(', ')}, got "${unknown}"`);
  return {
    seconds: Number(values.seconds ?? 4),
    shapes: only ? [only] : (Object.keys(SHAPES) as (keyof typeof SHAPES)[]),
    replicas: Number(values.replicas ?? 1),
    /** The HTTP part runs at the first; the runtime comparison at each. */
    threadCounts,
    threads: threadCounts[0]!,
    maxTokens: Number(values['max-tokens'] ?? 64),
    limitSeconds: Number(values['limit-seconds'] ?? 15),
    noisyRpm: Number(values['noisy-rpm'] ?? 60),
    runtimesOnly: values['runtimes-only'] === true,
    noRuntimes: values['no-runtimes'] === true,
    runs: Number(values.runs ?? 9),
    parallelRuns: Number(values['parallel-runs'] ?? 3),
    precisions,
  };
}

function writeBenchModel(root: string, shape: keyof typeof SHAPES): { folder: string; config: ModelConfig; eosId: number; prompt: number[]; longPrompt: number[] } {
  const text = readFileSync(DATA, 'utf8');
  const tokenizer = trainChar(text);
  const tokenizerJsonPath = path.join(root, `${shape}-tokenizer.json`);
  writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
  const dims = SHAPES[shape];
  const config = 'architecture' in dims ? llamaConfig({ vocabSize: tokenizer.vocabSize, blockSize: 256, ...dims }) : gpt2Config({ vocabSize: tokenizer.vocabSize, blockSize: 256, ...dims });
  const parameters = isLlamaConfig(config) ? initLlamaParameters(config, 1337) : initGpt2Parameters(config, 1337);
  const folder = path.join(root, shape);
  writeModelFolder(folder, { config, parameters, tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance: { bench: 'serve' } });
  const longPrompt = tokenizer.encode(text.slice(0, TTFT_PROMPT_TOKENS));
  if (longPrompt.length !== TTFT_PROMPT_TOKENS) throw new Error(`bench:serve: the long prompt encodes to ${longPrompt.length} tokens, expected ${TTFT_PROMPT_TOKENS} (char tokenizer)`);
  return { folder, config, eosId: tokenizer.idOf('<|endoftext|>')!, prompt: tokenizer.encode(PROMPT), longPrompt };
}

async function benchShape(root: string, shape: keyof typeof SHAPES, flags: ReturnType<typeof parseFlags>) {
  const { folder, eosId } = writeBenchModel(root, shape);
  const serving = createServingCapability();
  const maxBatchSize = Math.max(...CONCURRENCY_LEVELS);
  const config = deployConfig.parse({
    name: shape, replicas: flags.replicas, threads: flags.threads, maxBatchSize, maxQueue: 256, contextLength: 0, device: 'cpu',
    defaults: { temperature: 0.8, topP: 1, topK: 200, maxTokens: flags.maxTokens },
  });
  const deployed = await serving.deploy({ config, modelDir: folder, precision: 'float32', log: (line) => console.error(line) });
  const live = serving.deployments.get(deployed.deploymentId)!;
  await live.generator.whenReady();
  const server = createOpenAiServer({ config: { port: 0, auth: 'none' }, deployments: [live.deployment], store: null, onWarning: () => undefined });
  const { url } = await server.listen();
  const body = { model: shape, prompt: PROMPT, max_tokens: flags.maxTokens, logit_bias: { [eosId]: -100 } };
  try {
    await streamCompletion(url, body, 'none');
    const singles = [];
    for (let run = 0; run < SINGLE_STREAM_RUNS; run++) singles.push(await streamCompletion(url, { ...body, max_tokens: 128 }, 'none'));
    const decodeTokensPerSecond = median(singles.map((single) => (single.completionTokens - 1) / ((single.totalMs - single.ttftMs) / 1000)));
    const ttftMs = median(singles.map((single) => single.ttftMs));
    const levels: LoadStats[] = [];
    for (const concurrency of CONCURRENCY_LEVELS) levels.push(await runClosedLoop(url, 'none', concurrency, flags.seconds * 1000, body));
    let overLimit: OverLimitReport | undefined;
    if (shape === 'nano' && flags.limitSeconds > 0) {
      overLimit = await runOverLimit({ deployment: live.deployment, dataDir: root, body, durationMs: flags.limitSeconds * 1000, noisyRpm: flags.noisyRpm, inLimitConcurrency: 4 });
    }
    return { shape, single: { ttftMs, decodeTokensPerSecond }, levels, overLimit };
  } finally {
    await server.close();
    await deployed.service.stop();
  }
}

function printReport(report: Awaited<ReturnType<typeof benchShape>>): void {
  const base = report.levels[0]!.tokensPerSecond;
  const single = report.single.decodeTokensPerSecond;
  console.log(`\n## ${report.shape} (${shapeLabel(report.shape)}): single stream ${single.toFixed(1)} decode tok/s, TTFT ${report.single.ttftMs.toFixed(1)} ms (medians of ${SINGLE_STREAM_RUNS} 128-token requests)\n`);
  console.log('| concurrency | requests | failed | aggregate tok/s | × single stream | × concurrency 1 | TTFT p50 ms | TTFT p99 ms |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const level of report.levels) {
    const cells = [level.concurrency, level.requests, level.failed, level.tokensPerSecond.toFixed(1), (level.tokensPerSecond / single).toFixed(2), (level.tokensPerSecond / base).toFixed(2), level.ttftP50Ms.toFixed(1), level.ttftP99Ms.toFixed(1)];
    console.log(`| ${cells.join(' | ')} |`);
  }
  if (report.overLimit) printOverLimit(report.shape, report.overLimit);
}

/** "4/4/128" for GPT-2 (layers/heads/width), "llama 4/4:2/128" for Llama (query:key/value heads). */
function shapeLabel(shape: keyof typeof SHAPES): string {
  const dims = SHAPES[shape];
  return 'architecture' in dims ? `llama ${dims.nLayer}/${dims.nHead}:${dims.nKvHead}/${dims.nEmbd}` : `${dims.nLayer}/${dims.nHead}/${dims.nEmbd}`;
}

const flags = parseFlags();
const root = mkdtempSync(path.join(tmpdir(), 'crucible-bench-serve-'));
try {
  const bandwidths = new Map<number, BandwidthResult>();
  if (!flags.noRuntimes) {
    for (const threads of flags.threadCounts) bandwidths.set(threads, await measureReadBandwidth({ threads: Math.max(1, threads), bytesPerBuffer: 256 * 2 ** 20, runs: 9 }));
    printBandwidthTable([...bandwidths.values()]);
  }
  const tables: RuntimeTable[] = [];
  const options: RuntimeBenchOptions = { threads: 0, tokens: 128, runs: flags.runs, parallelRuns: flags.parallelRuns, parallel: 16, ttftPromptTokens: TTFT_PROMPT_TOKENS, precisions: flags.precisions };
  for (const shape of flags.shapes) {
    if (!flags.runtimesOnly) printReport(await benchShape(root, shape, flags));
    if (flags.noRuntimes) continue;
    const model = writeBenchModel(mkdtempSync(path.join(root, 'runtimes-')), shape);
    const files = prepareRuntimeFiles(model.folder, flags.precisions);
    for (const threads of flags.threadCounts) {
      const table = { model: `${shape} (${shapeLabel(shape)})`, threads, rows: await runtimesBeside(files, model, { ...options, threads }), bandwidth: bandwidths.get(threads)! };
      printRuntimeTable(table, { ...options, threads });
      tables.push(table);
    }
  }
  if (tables.length > 0) printGoalsTable(tables, options);
} finally {
  rmSync(root, { recursive: true, force: true });
}
