// `npm run bench:serve`'s comparison with llama.cpp: one model folder decoded by Crucible's runtime (engine/inference,
// float32 and int8, no HTTP) and, exported to GGUF F32 and Q8_0, by llama.cpp (node-llama-cpp's CPU build), each with
// the same thread count. Decode tokens/s for one stream (after the first token, median of several 128-token
// requests) and in aggregate for 16 parallel sequences (all tokens over the wall time, prefill included). Every
// runtime samples (temperature 0.8, top-k 200) and never stops early: the end-of-text token is banned in both (a
// logit bias for Crucible, a TokenBias for llama.cpp, whose evaluate would otherwise end there), and llama.cpp's
// generator is read to the count.

import path from 'node:path';
import { TokenBias, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { writeGgufModel } from '../engine/ml/export/gguf/write-gguf.ts';
import { llamaCpp } from '../engine/ml/export/gguf/testing/llama-cpp.ts';
import { quantizeModelFolder } from '../engine/ml/quantize/quantize-model-folder.ts';
import { OnnxTextGenerator } from '../engine/inference/onnx-text-generator.ts';
import type { GenerationRequest } from '../engine/inference/text-generator.ts';
import type { ModelConfig } from '../engine/ml/model-config.ts';
import { median } from './median.ts';

export interface RuntimeRow {
  runtime: 'Crucible' | 'llama.cpp';
  weights: string;
  singleTokensPerSecond: number;
  parallelTokensPerSecond: number;
}

export interface RuntimeBenchOptions {
  threads: number;
  /** Tokens per request. */
  tokens: number;
  /** Single-stream requests; the median is reported. */
  runs: number;
  parallel: number;
}

const SAMPLING = { temperature: 0.8, topK: 200 };

export async function benchBesideLlamaCpp(folder: string, config: ModelConfig, prompt: number[], eosId: number, options: RuntimeBenchOptions): Promise<RuntimeRow[]> {
  const root = path.dirname(folder);
  const int8Folder = `${folder}-int8`;
  quantizeModelFolder({ sourceFolder: folder, targetFolder: int8Folder, settings: { scheme: 'int8', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false }, provenance: {} });
  const rows: RuntimeRow[] = [];
  for (const [weights, modelDir, precision] of [['float32', folder, 'float32'], ['int8 (MatMulNBits, block 32)', int8Folder, 'int8']] as const) {
    rows.push({ runtime: 'Crucible', weights, ...(await benchCrucible(modelDir, precision, prompt, eosId, options)) });
  }
  for (const quantization of ['f32', 'q8_0'] as const) {
    const file = path.join(root, `${path.basename(folder)}-${quantization}.gguf`);
    const report = writeGgufModel({ modelFolder: folder, file, quantization, name: 'bench' });
    rows.push({ runtime: 'llama.cpp', weights: `GGUF ${report.fileType}`, ...(await benchLlamaCpp(file, config, prompt, eosId, options)) });
  }
  return rows;
}

async function benchCrucible(modelDir: string, precision: 'float32' | 'int8', prompt: number[], eosId: number, options: RuntimeBenchOptions) {
  const generator = new OnnxTextGenerator({ modelDir, modelId: 'bench', precision, maxBatchSize: options.parallel, threads: options.threads, log: () => undefined });
  await generator.whenReady();
  const request = (seed: number): GenerationRequest => ({
    promptTokens: prompt, maxTokens: options.tokens, ...SAMPLING, topP: 1, seed, frequencyPenalty: 0, presencePenalty: 0, logitBias: new Map([[eosId, -100]]), logprobs: false, topLogprobs: 0,
  });
  const stream = async (seed: number) => {
    const times: number[] = [];
    for await (const event of generator.generate(request(seed), new AbortController().signal)) if (event.type === 'token') times.push(performance.now());
    return times;
  };
  try {
    await stream(0);
    return await measure(options, stream);
  } finally {
    await generator.close();
  }
}

async function benchLlamaCpp(file: string, config: ModelConfig, prompt: number[], eosId: number, options: RuntimeBenchOptions) {
  const model = await (await llamaCpp()).loadModel({ modelPath: file });
  // llama.cpp's evaluate ends a sequence at an end-of-generation token; banning it, as Crucible's runs ban theirs,
  // keeps every request at the full count (a random-weight model samples it now and then).
  const noEnd = new TokenBias(model.tokenizer).set(eosId as Token, 'never');
  // One context per measurement kind, each sized to its sequences (contextSize is per sequence).
  const single = await model.createContext({ contextSize: config.blockSize, threads: options.threads });
  const parallel = await model.createContext({ contextSize: config.blockSize, sequences: options.parallel, threads: options.threads });
  const sequences = Array.from({ length: options.parallel }, () => parallel.getSequence());
  const singleSequence = single.getSequence();
  const stream = async (seed: number, sequence: LlamaContextSequence = singleSequence) => {
    await sequence.clearHistory();
    const times: number[] = [];
    for await (const _token of sequence.evaluate(prompt as Token[], { ...SAMPLING, seed, tokenBias: noEnd })) {
      times.push(performance.now());
      if (times.length >= options.tokens) break;
    }
    return times;
  };
  try {
    await stream(0);
    return await measure(options, stream, (index, seed) => stream(seed, sequences[index]!));
  } finally {
    await single.dispose();
    await parallel.dispose();
    await model.dispose();
  }
}

/** Token timestamps per request → single-stream decode rate (median) and the parallel aggregate. */
async function measure(
  options: RuntimeBenchOptions,
  stream: (seed: number) => Promise<number[]>,
  parallelStream: (index: number, seed: number) => Promise<number[]> = (_index, seed) => stream(seed),
): Promise<{ singleTokensPerSecond: number; parallelTokensPerSecond: number }> {
  const rates: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const times = await stream(run + 1);
    rates.push((times.length - 1) / ((times.at(-1)! - times[0]!) / 1000));
  }
  const started = performance.now();
  const all = await Promise.all(Array.from({ length: options.parallel }, (_, index) => parallelStream(index, 1000 + index)));
  const elapsed = (performance.now() - started) / 1000;
  return { singleTokensPerSecond: median(rates), parallelTokensPerSecond: all.reduce((total, times) => total + times.length, 0) / elapsed };
}

export function printRuntimeTable(title: string, rows: RuntimeRow[], options: RuntimeBenchOptions): void {
  const base = rows[0]!;
  console.log(`\n### ${title}: Crucible beside llama.cpp (${options.threads} thread${options.threads === 1 ? '' : 's'}, ${options.tokens}-token requests, no HTTP)\n`);
  console.log(`| runtime | weights | 1 stream decode tok/s | ${options.parallel} parallel tok/s | ${options.parallel} parallel × 1 stream | 1 stream × Crucible float32 |`);
  console.log('|---|---|---:|---:|---:|---:|');
  for (const row of rows) {
    const cells = [row.runtime, row.weights, row.singleTokensPerSecond.toFixed(0), row.parallelTokensPerSecond.toFixed(0), (row.parallelTokensPerSecond / row.singleTokensPerSecond).toFixed(2), (row.singleTokensPerSecond / base.singleTokensPerSecond).toFixed(2)];
    console.log(`| ${cells.join(' | ')} |`);
  }
}
